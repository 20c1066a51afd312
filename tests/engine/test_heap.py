"""A sync keeps the heap it finds out of the collector's full passes, and hands it back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from indexing import Library

from mediasync._sync import heap, runner
from mediasync._sync.heap import heap_frozen


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_heap_stays_frozen_until_the_last_of_two_overlapping_syncs_ends() -> None:
    with heap_frozen():
        assert gc.get_freeze_count() > 0
        with heap_frozen():
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_heap_the_application_froze_itself_stays_frozen() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with heap_frozen():
        pass
    assert gc.get_freeze_count() >= frozen > 0


def test_a_sync_runs_with_the_heap_frozen_and_hands_it_back(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = runner._run

    def run(*args: Any, **kwargs: Any) -> None:
        seen.append(gc.get_freeze_count())
        real(*args, **kwargs)

    monkeypatch.setattr(runner, "_run", run)
    library.sync()
    assert len(seen) == 1
    assert seen[0] > 0
    assert gc.get_freeze_count() == 0


class _Node:
    """An object in a reference cycle: freed by the collector only."""

    def __init__(self) -> None:
        self.me = self


def test_cycles_dropped_by_syncs_after_sync_are_collected_in_a_long_running_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker syncing again and again froze and thawed its heap so often that the collector
    never made a full pass: cycles that reached the oldest generation during a run (a Drive
    client's services) were never freed (found by ``nox -s soak``)."""
    clock = [0.0]
    monkeypatch.setattr(heap, "_clock", lambda: clock[0])
    monkeypatch.setattr(heap, "_last_full_pass", 0.0)
    dead = []
    for _ in range(20):
        with heap_frozen():
            node = _Node()
            gc.collect(1)  # survives the young generations: now in the oldest one
            dead.append(weakref.ref(node))
            del node
        clock[0] += 1.0
    assert any(ref() is not None for ref in dead), "collected without a full pass"
    clock[0] += heap.FULL_PASS_SECONDS
    with heap_frozen():
        pass
    assert all(ref() is None for ref in dead)
