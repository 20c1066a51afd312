"""A sync keeps the heap it finds out of the collector's full passes, and hands it back."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from indexing import Library

from mediasync._sync import runner
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
