"""Never lose data: unreachable roots, failing listings, mass removals, unreadable files."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from indexing import Library, jpeg, refuse_hashing
from sqlalchemy import event

from mediasync import RunStatus
from mediasync._sync.lease import LeaseHeld, acquire


def fill(library: Library, count: int, folder: str = "f") -> None:
    """``count`` files of distinct bytes; another folder's files differ from ``f``'s (equal
    bytes would pair a deleted file with its copy as a move)."""
    offset = 0 if folder == "f" else 128
    for i in range(count):
        jpeg(library.root / folder / f"{i:03}.jpg", size=64, seed=i + offset)


def test_missing_root_fails_and_removes_nothing(library: Library) -> None:
    fill(library, 3)
    library.sync()
    shutil.rmtree(library.root)
    report = library.sync()
    assert report.run.status is RunStatus.FAILED
    assert "does not exist" in (report.run.error or "") or "missing" in (report.run.error or "")
    assert len(library.items()) == 3


def test_empty_root_with_indexed_items_is_unreachable(library: Library) -> None:
    fill(library, 3)
    library.sync()
    shutil.rmtree(library.root / "f")
    report = library.sync()
    assert report.run.status is RunStatus.FAILED
    assert "came back empty" in (report.run.error or "")
    assert len(library.items()) == 3


def test_replaced_root_is_unreachable_until_accepted(library: Library) -> None:
    fill(library, 3)
    library.sync()
    moved = library.root.with_name("elsewhere")
    library.root.rename(moved)
    library.root.mkdir()
    jpeg(library.root / "other.jpg")
    report = library.sync()
    assert report.run.status is RunStatus.FAILED
    assert "not the folder indexed before" in (report.run.error or "")
    assert len(library.items()) == 3
    accepted = library.sync(accept_root_change=True, allow_mass_removal=True)
    assert accepted.run.status is RunStatus.OK
    assert sorted(library.items()) == ["other.jpg"]


def test_unreadable_subfolder_fails_the_run_and_removes_nothing(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(library, 3, "ok")
    fill(library, 3, "locked")
    library.sync()
    real_scandir = os.scandir
    locked = os.fspath(library.root / "locked")

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) in (locked, os.fsencode(locked)):
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = library.sync()
    assert report.run.status is RunStatus.FAILED
    assert "locked" in (report.run.error or "")
    assert len(library.items()) == 6


def test_unreadable_file_is_reported_and_skipped(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(library, 3)
    refuse_hashing(library, monkeypatch, "f/001.jpg")
    report = library.sync()
    assert report.run.status is RunStatus.OK
    assert report.run.counts.errors == 1
    assert report.run.counts.added == 2
    assert any("f/001.jpg" in message for message in report.errors)


def test_file_listed_but_unreadable_keeps_its_item(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(library, 3)
    library.sync()
    (library.root / "f" / "002.jpg").unlink()
    source_type = library.app.plugins.source_type("local")
    monkeypatch.setattr(
        source_type, "skipped_paths", lambda self: [("f/002.jpg", "Permission denied")]
    )
    report = library.sync()
    assert report.run.counts.removed == 0
    assert report.run.counts.errors == 1
    assert report.errors == ("f/002.jpg: Permission denied",)
    assert "f/002.jpg" in library.items()


def test_mass_removal_is_held_but_other_changes_apply(library: Library) -> None:
    fill(library, 60)
    library.sync()
    jpeg(library.root / "new.jpg")  # before the deletions, so it cannot recycle their inodes
    for i in range(20):
        (library.root / "f" / f"{i:03}.jpg").unlink()
    (library.root / "f" / "030.jpg").rename(library.root / "f" / "renamed.jpg")
    report = library.sync()
    assert report.run.status is RunStatus.HELD
    assert report.run.counts.held_removals == 20
    assert (report.run.counts.added, report.run.counts.renamed) == (1, 1)
    assert "--allow-mass-removal" in (report.run.error or "")
    assert len(library.items()) == 61, "60 + 1 added, none of the 20 removed"
    allowed = library.sync(allow_mass_removal=True)
    assert allowed.run.status is RunStatus.OK
    assert allowed.run.counts.removed == 20
    assert len(library.items()) == 41


def test_gate_compares_with_the_items_before_the_run(library: Library) -> None:
    """Adding many files in the same run does not dilute a mass removal under the share."""
    fill(library, 100)
    library.sync()
    fill(library, 60, folder="new")
    for i in range(30):
        (library.root / "f" / f"{i:03}.jpg").unlink()
    report = library.sync()
    assert report.run.status is RunStatus.HELD
    assert report.run.counts.held_removals == 30
    assert report.run.counts.added == 60
    assert "30 of 100 items" in (report.run.error or "")


def test_small_sources_are_not_gated(library: Library) -> None:
    fill(library, 10)
    library.sync()
    for i in range(9):
        (library.root / "f" / f"{i:03}.jpg").unlink()
    assert library.sync().run.counts.removed == 9


def count_writes(library: Library) -> dict[str, int]:
    """Rows inserted, updated or deleted in the item tables, counted at the driver."""
    writes = {"media_items": 0, "media_events": 0}

    def before(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in {"INSERT", "UPDATE", "DELETE"}:
            return
        for table in writes:
            if table in statement.split("(")[0] or f" {table} " in statement[:60]:
                writes[table] += len(params) if many else 1

    event.listen(library.app.engine, "before_cursor_execute", before)
    return writes


def test_noop_resync_writes_nothing_and_churn_writes_two_rows_per_change(library: Library) -> None:
    fill(library, 200)
    library.sync()
    writes = count_writes(library)
    library.sync()
    assert writes == {"media_items": 0, "media_events": 0}
    (library.root / "f" / "000.jpg").rename(library.root / "f" / "zero.jpg")
    (library.root / "f" / "001.jpg").unlink()
    jpeg(library.root / "f" / "new.jpg")
    report = library.sync()
    assert report.run.counts.changes == 3
    assert writes["media_items"] + writes["media_events"] <= 2 * 3


def test_second_sync_of_a_source_is_refused_or_waits(library: Library) -> None:
    fill(library, 2)
    with library.app.engine.connect() as connection:
        source_id = connection.exec_driver_sql("SELECT id FROM sources").scalar_one()
    lease = acquire(library.app.engine, source_id, "other-host:1", ttl=timedelta(seconds=30))
    with pytest.raises(LeaseHeld, match="already running"):
        library.sync()
    timer = threading.Timer(0.5, lease.release, args=(library.app.engine,))
    timer.start()
    started = time.monotonic()
    report = library.sync(wait=True)
    assert time.monotonic() - started >= 0.4
    assert report.run.status is RunStatus.OK
    timer.join()


def test_dead_local_holder_does_not_block(library: Library) -> None:
    fill(library, 1)
    with library.app.engine.connect() as connection:
        source_id = connection.exec_driver_sql("SELECT id FROM sources").scalar_one()
    import socket

    acquire(library.app.engine, source_id, f"{socket.gethostname()}:999999999")
    assert library.sync().run.status is RunStatus.OK


def test_observers_hear_changes_and_runs(library: Library) -> None:
    from mediasync import hookimpl

    heard: dict[str, list[Any]] = {"changes": [], "runs": []}

    class Observer:
        @hookimpl
        def item_changed(self, change: Any) -> None:
            heard["changes"].append((change.kind.value, change.path))

        @hookimpl
        def sync_finished(self, run: Any) -> None:
            heard["runs"].append((run.source, run.status.value, run.counts.added))

    class Broken:
        @hookimpl
        def sync_finished(self, run: Any) -> None:
            raise RuntimeError("observer bug")

    library.app.plugins.manager.register(Broken(), name="broken")
    library.app.plugins.manager.register(Observer(), name="observer")
    jpeg(library.root / "a.jpg")
    report = library.sync()
    assert report.run.status is RunStatus.OK
    assert heard["changes"] == [("added", "a.jpg")]
    assert heard["runs"] == [("photos", "ok", 1)]


def test_runs_are_recorded(library: Library) -> None:
    fill(library, 2)
    library.sync()
    shutil.rmtree(library.root)
    library.sync()
    with library.app.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT status, trigger, added, error FROM sync_runs ORDER BY id"
        ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [("ok", "cli", 2), ("failed", "cli", 0)]
    assert rows[1][3]


def test_postgres_statistics_are_refreshed_as_a_first_index_grows(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without statistics PostgreSQL scans the whole source per lookup: ANALYZE while growing."""
    from indexing import open_library

    from mediasync._sync import writes
    from mediasync._sync.store import ItemStore

    monkeypatch.setattr(writes, "ANALYZE_MIN_ROWS", 10)
    calls: list[int] = []
    real_analyze = ItemStore.analyze

    def counting_analyze(connection: Any) -> None:
        calls.append(1)
        real_analyze(connection)

    monkeypatch.setattr(ItemStore, "analyze", staticmethod(counting_analyze))
    with open_library(tmp_path, postgres_url) as library:
        for i in range(120):
            jpeg(library.root / f"{i:03}.jpg", size=64, seed=i)
        report = library.sync(batch_size=20)
        assert report.run.counts.added == 120
        with library.app.engine.connect() as connection:
            estimate = ItemStore.estimated_rows(connection)
    assert 1 <= len(calls) <= 5, "a handful of ANALYZEs as the table doubles, not one per batch"
    assert estimate is not None
    assert estimate >= 60
