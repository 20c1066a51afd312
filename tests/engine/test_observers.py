"""Observers: told after the commit, off the write loop, in order, and of every run's end."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from indexing import Library, jpeg, open_library
from sqlalchemy import select

from mediasync import ChangeKind, ItemChange, RunStatus, SyncRun, hookimpl
from mediasync._db.schema import media_events, sync_runs
from mediasync._plugins import load_plugins
from mediasync._sync import observers, runner
from mediasync._sync.index import IndexSession, SyncOptions
from mediasync._sync.lease import default_owner
from mediasync._sync.observers import ObserverQueue
from mediasync._sync.runner import sync_source

Heard = tuple[str, Any]


class Recorder:
    """An observer plugin that writes down what it hears, optionally slowly."""

    def __init__(
        self, before_change: Callable[[], None] | None = None, raises: bool = False
    ) -> None:
        self.heard: list[Heard] = []
        self.threads: set[int] = set()
        self.before_change = before_change
        self.raises = raises

    @hookimpl
    def item_changed(self, change: ItemChange) -> None:
        if self.raises:
            raise RuntimeError("webhook down")
        if self.before_change is not None:
            self.before_change()
        self.threads.add(threading.get_ident())
        self.heard.append(("item_changed", (change.kind.value, change.path)))

    @hookimpl
    def sync_finished(self, run: SyncRun) -> None:
        if self.raises:
            raise RuntimeError("chat unreachable")
        self.threads.add(threading.get_ident())
        self.heard.append(("sync_finished", run))

    def changes(self) -> list[Any]:
        return [value for hook, value in self.heard if hook == "item_changed"]

    def runs(self) -> list[SyncRun]:
        return [value for hook, value in self.heard if hook == "sync_finished"]


def fill(library: Library, count: int, folder: str = "f") -> None:
    for i in range(count):
        jpeg(library.root / folder / f"{i:03}.jpg", size=64, seed=i)


def events_in_order(library: Library) -> list[tuple[str, str]]:
    query = select(media_events.c.kind, media_events.c.new_path, media_events.c.old_path)
    with library.app.engine.connect() as connection:
        rows = connection.execute(query.order_by(media_events.c.id)).all()
    return [(row.kind, row.new_path or row.old_path) for row in rows]


def sync(library: Library, cancel: threading.Event | None = None, **options: Any) -> SyncRun:
    return sync_source(library.app, library.name, options=SyncOptions(**options), cancel=cancel).run


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def observed(tmp_path: Path, database_url: str, recorder: Recorder) -> Iterator[Library]:
    with open_library(tmp_path, database_url, builtins=[("observer", recorder)]) as library:
        yield library


def test_a_slow_observer_does_not_hold_the_write_loop(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The observer cannot get past its first change until the run is recorded: were it called
    on the write loop, the run would wait for it and the gate would time out."""
    recorded = threading.Event()
    gate_opened: list[bool] = []

    def slow() -> None:
        gate_opened.append(recorded.wait(timeout=2))
        time.sleep(0.05)

    recorder = Recorder(before_change=slow)
    delivered_at_commits: list[int] = []
    real_write = IndexSession._write

    def write(self: IndexSession, *args: Any, **kwargs: Any) -> None:
        real_write(self, *args, **kwargs)
        delivered_at_commits.append(len(recorder.heard))

    real_finish = runner._finish

    def finish(*args: Any, **kwargs: Any) -> SyncRun:
        run = real_finish(*args, **kwargs)
        recorded.set()
        return run

    monkeypatch.setattr(IndexSession, "_write", write)
    monkeypatch.setattr(runner, "_finish", finish)
    with open_library(tmp_path, database_url, builtins=[("observer", recorder)]) as library:
        fill(library, 10)
        run = sync(library, batch_size=2)
        assert run.status is RunStatus.OK
        assert run.counts.added == 10
        assert len(delivered_at_commits) == 5
        assert delivered_at_commits == [0] * 5, "every batch committed before any delivery"
        assert gate_opened == [True] * 10, "the run was recorded while the observer waited"
        # Delivered by the time sync_source returned: each change once, in commit order, and
        # the run's end after them all.
        assert recorder.changes() == events_in_order(library)
        assert len(set(recorder.changes())) == 10
        assert [hook for hook, _ in recorder.heard] == ["item_changed"] * 10 + ["sync_finished"]
        assert recorder.threads
        assert threading.get_ident() not in recorder.threads


def test_ok_run_is_told(observed: Library, recorder: Recorder) -> None:
    fill(observed, 3)
    run = sync(observed)
    assert [(r.status, r.counts.added, r.id) for r in recorder.runs()] == [
        (RunStatus.OK, 3, run.id)
    ]
    told = recorder.runs()[0]
    assert (told.strategy, told.trigger.value, told.source) == ("scan", "cli", "photos")


def test_held_run_is_told(observed: Library, recorder: Recorder) -> None:
    fill(observed, 60)
    sync(observed)
    for i in range(20):
        (observed.root / "f" / f"{i:03}.jpg").unlink()
    assert sync(observed).status is RunStatus.HELD
    assert [r.status for r in recorder.runs()] == [RunStatus.OK, RunStatus.HELD]
    assert "--allow-mass-removal" in (recorder.runs()[1].error or "")


def test_cancelled_run_is_told(observed: Library, recorder: Recorder) -> None:
    fill(observed, 3)
    cancel = threading.Event()
    cancel.set()
    assert sync(observed, cancel=cancel).status is RunStatus.CANCELLED
    assert [r.status for r in recorder.runs()] == [RunStatus.CANCELLED]


def test_run_cancelled_midway_is_told_after_its_changes(
    observed: Library, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's stop between two batches: the committed batches' changes, then the end."""
    fill(observed, 6)
    cancel = threading.Event()
    real_write = IndexSession._write

    def write(self: IndexSession, *args: Any, **kwargs: Any) -> None:
        real_write(self, *args, **kwargs)
        cancel.set()

    monkeypatch.setattr(IndexSession, "_write", write)
    run = sync(observed, cancel=cancel, batch_size=2)
    assert run.status is RunStatus.CANCELLED
    assert 0 < run.counts.added < 6
    assert len(recorder.changes()) == run.counts.added
    assert recorder.heard[-1] == ("sync_finished", run)


def test_failed_run_is_told(observed: Library, recorder: Recorder) -> None:
    fill(observed, 3)
    sync(observed)
    shutil.rmtree(observed.root)
    assert sync(observed).status is RunStatus.FAILED
    assert [r.status for r in recorder.runs()] == [RunStatus.OK, RunStatus.FAILED]
    assert recorder.runs()[1].error


def test_unexpected_exception_is_recorded_told_then_raised(
    observed: Library, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(observed, 6)
    real_execute = IndexSession._execute
    calls = 0

    def execute(self: IndexSession, plans: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("engine bug")
        real_execute(self, plans)

    monkeypatch.setattr(IndexSession, "_execute", execute)
    with pytest.raises(RuntimeError, match="engine bug"):
        sync(observed, batch_size=2)
    assert len(recorder.changes()) == 2, "the batch committed before the bug was told"
    assert [hook for hook, _ in recorder.heard][-1] == "sync_finished"
    (told,) = recorder.runs()
    assert told.status is RunStatus.FAILED
    assert told.error == "unexpected RuntimeError: engine bug"
    assert (told.strategy, told.worker) == ("scan", default_owner())
    with observed.app.engine.connect() as connection:
        row = connection.execute(select(sync_runs.c.id, sync_runs.c.status)).one()
    assert (row.id, row.status) == (told.id, "failed")


def test_interrupted_run_is_told(
    observed: Library, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C is recorded as cancelled and told like any run's end, then goes through."""

    def interrupt(self: IndexSession, plans: Any) -> None:
        raise KeyboardInterrupt

    fill(observed, 2)
    monkeypatch.setattr(IndexSession, "_execute", interrupt)
    with pytest.raises(KeyboardInterrupt):
        sync(observed)
    assert [(r.status, r.error) for r in recorder.runs()] == [
        (RunStatus.CANCELLED, "interrupted (Ctrl-C); sync again to finish")
    ]


def test_interrupted_run_does_not_wait_long_for_a_hung_observer(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Past ``INTERRUPTED_FLUSH_SECONDS`` the interruption goes through; the rest is dropped."""
    release = threading.Event()

    def stuck() -> None:
        release.wait(timeout=30)

    hung = Recorder(before_change=stuck)
    real_execute = IndexSession._execute
    calls = 0

    def execute_then_interrupt(self: IndexSession, plans: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise KeyboardInterrupt
        real_execute(self, plans)

    monkeypatch.setattr(observers, "INTERRUPTED_FLUSH_SECONDS", 0.3)
    monkeypatch.setattr(IndexSession, "_execute", execute_then_interrupt)
    with open_library(tmp_path, database_url, builtins=[("hung", hung)]) as library:
        fill(library, 6)
        started = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                sync(library, batch_size=2)
            assert time.monotonic() - started < 5
            assert hung.heard == [], "still stuck on the first change"
            assert "not delivered" in caplog.text
        finally:
            release.set()


def test_a_raising_observer_does_not_silence_the_others(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    good, bad = Recorder(), Recorder(raises=True)
    builtins: list[tuple[str, object]] = [("bad", bad), ("good", good)]
    with open_library(tmp_path, database_url, builtins=builtins) as library:
        fill(library, 4)
        with caplog.at_level(logging.WARNING, logger="mediasync.plugins"):
            run = sync(library, batch_size=2)
        assert run.status is RunStatus.OK
        assert good.changes() == events_in_order(library)
        assert good.runs() == [run]
        failures = [r.getMessage() for r in caplog.records if "plugin 'bad'" in r.getMessage()]
        assert len(failures) == 5  # 4 changes and the run's end


def test_dry_run_tells_nothing(observed: Library, recorder: Recorder) -> None:
    fill(observed, 3)
    report = sync_source(observed.app, observed.name, options=SyncOptions(dry_run=True))
    assert report.run.counts.added == 3
    assert recorder.heard == []


# -- the queue on its own ------------------------------------------------------------------------


def queue_with(*plugins: object, enabled: bool = True) -> ObserverQueue:
    loaded = load_plugins(
        environ={}, entry_points=[], builtins=[(f"p{i}", p) for i, p in enumerate(plugins)]
    )
    return ObserverQueue(loaded, enabled=enabled)


def change(path: str) -> ItemChange:
    return ItemChange(kind=ChangeKind.ADDED, source="photos", item_id=1, path=path)


def test_queue_starts_no_thread_for_nobody_or_a_dry_run() -> None:
    before = threading.active_count()
    nobody = queue_with()
    nobody.notify("item_changed", change=change("a.jpg"))
    dry = queue_with(Recorder(), enabled=False)
    dry.notify("item_changed", change=change("a.jpg"))
    assert threading.active_count() == before
    assert nobody.close()
    assert dry.close()


def test_queue_survives_an_observer_that_exits(caplog: pytest.LogCaptureFixture) -> None:
    """``notify`` logs an ``Exception``; a ``SystemExit`` must not end the delivery thread."""
    recorder = Recorder()

    class Exits:
        @hookimpl
        def item_changed(self, change: ItemChange) -> None:
            if change.path == "a.jpg":
                raise SystemExit(3)

    with queue_with(recorder, Exits()) as queue:
        for path in ("a.jpg", "b.jpg", "c.jpg"):
            queue.notify("item_changed", change=change(path))
    assert [path for _, path in recorder.changes()][-2:] == ["b.jpg", "c.jpg"]
    assert "stopped its delivery" in caplog.text


def test_queue_closed_refuses_more() -> None:
    queue = queue_with(Recorder())
    assert queue.close()
    with pytest.raises(RuntimeError, match="after the run's observers were closed"):
        queue.notify("item_changed", change=change("a.jpg"))
