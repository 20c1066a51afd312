"""``kill -9`` of a re-sync at its commits (and, for Drive, at its requests), then a sync to
the end: the index and every item's history come out as a sync never killed leaves them.

Each kill point starts from the same history: a tree indexed, then renamed, moved, edited,
deleted and added to. The killed run is ``mediasync sync`` in a subprocess
(``proofs.killing``); the sync after it runs here; the comparison is with the same history
synced once, unkilled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from fakes.drive._faults import Fault
from media_factory import write_jpeg
from proofs.drive_truth import drive_settings, drive_truth, indexed
from proofs.history import ItemState, check_no_run_left_running, item_states
from proofs.killing import Fake, RequestKiller, database, prove
from sqlalchemy import text

from mediasync import RunStatus, Workspace, file_sha256
from mediasync._db.state import get_state
from mediasync._sync.content_index import CONTENT_INDEX

TREE = ["c.jpg", "d.jpg", "e.jpg", "trip/a.jpg", "trip/b.jpg", "old/1.jpg", "old/2.jpg"]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit every two changes, so that kills fall between them (here and in the child)."""
    monkeypatch.setenv("MEDIASYNC_SYNC_BATCH_SIZE", "2")
    monkeypatch.setenv("MEDIASYNC_SYNC_HASH_WORKERS", "1")


def synced_and_compared(folder: Path, expected: list[ItemState]) -> Workspace:
    workspace = Workspace.open(database_url=database(folder))
    report = workspace.sync("photos")
    assert report.run.status is RunStatus.OK, report.run.error
    assert item_states(workspace, "photos") == expected
    check_no_run_left_running(workspace, "photos")
    return workspace


def reference(tmp_path: Path, prepare: Callable[[Path], None]) -> list[ItemState]:
    """The items the same history gives when its sync is never killed."""
    folder = tmp_path / "reference"
    folder.mkdir()
    prepare(folder)
    with Workspace.open(database_url=database(folder)) as workspace:
        assert workspace.sync("photos").run.status is RunStatus.OK
        return item_states(workspace, "photos")


# -- a local folder -------------------------------------------------------------------------


def local_history(folder: Path) -> None:
    """``photos`` indexed, then changed: what the killed sync must index."""
    root = folder / "photos"
    for seed, path in enumerate(TREE):
        write_jpeg(root / path, 1000 + seed, seed=seed)
    with Workspace.open(database_url=database(folder)) as workspace:
        workspace.add_source("photos", "local", root=str(root), settings={})
        assert workspace.sync("photos").run.counts.added == len(TREE)
    (root / "trip/a.jpg").rename(root / "trip/a2.jpg")
    (root / "old").rename(root / "archive")
    (root / "e.jpg").rename(root / "trip/e.jpg")
    (root / "c.jpg").unlink()
    write_jpeg(root / "d.jpg", 3000, seed=50)
    for seed, path in enumerate(["new/x.jpg", "new/y.jpg", "z.jpg"]):
        write_jpeg(root / path, 2000 + seed, seed=100 + seed)


def local_files(root: Path) -> dict[str, str]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return {p.relative_to(root).as_posix(): file_sha256(str(p)) for p in files}


def test_a_local_resync_killed_at_any_commit_ends_as_if_never_killed(tmp_path: Path) -> None:
    expected = reference(tmp_path, local_history)
    assert {s.path: s.sha256 for s in expected if s.active} == local_files(
        tmp_path / "reference" / "photos"
    )

    def check(folder: Path) -> None:
        synced_and_compared(folder, expected).close()

    summary = prove(tmp_path, local_history, ["sync", "photos"], check)
    print(f"local re-sync: {summary}")


# -- a Drive folder -------------------------------------------------------------------------


class DriveHistory:
    """A tree in the fake Drive, indexed as ``photos``, then changed (a new root each time)."""

    def __init__(self, drive: FakeDrive, key: dict[str, Any]) -> None:
        self.drive, self.key = drive, key
        self.roots: dict[Path, str] = {}

    def prepare(self, folder: Path) -> None:
        drive, key = self.drive, self.key
        root = drive.folder(f"Photos {len(self.roots)}")
        drive.share(root, key["client_email"], "writer")
        self.roots[folder] = root
        ids = {path: drive.add_file(path, b"\xff\xd8" + path.encode(), under=root) for path in TREE}
        with Workspace.open(database_url=database(folder)) as workspace:
            workspace.add_source("photos", "gdrive", root=root, settings=drive_settings(drive, key))
            assert workspace.sync("photos").run.counts.added == len(TREE)
        drive.rename(ids["trip/a.jpg"], "a2.jpg")
        drive.rename(drive.folder("old", under=root), "archive")
        drive.move(ids["e.jpg"], drive.folder("trip", under=root))
        drive.move(drive.folder("trip", under=root), drive.folder("later", under=root))
        drive.trash(ids["c.jpg"])
        drive.write(ids["d.jpg"], b"\xff\xd8 edited")
        for path in ["new/x.jpg", "z.jpg"]:
            drive.add_file(path, b"\xff\xd8" + path.encode(), under=root)

    def truth(self, folder: Path) -> Any:
        return drive_truth(self.drive, self.roots[folder])


def test_a_drive_resync_killed_at_any_commit_or_request_ends_as_if_never_killed(
    tmp_path: Path, drive: FakeDrive, drive_key: dict[str, Any]
) -> None:
    history = DriveHistory(drive, drive_key)
    expected = reference(tmp_path, history.prepare)
    killer = RequestKiller([Fake(drive.faults, Fault("drop"))])

    def check(folder: Path) -> None:
        with synced_and_compared(folder, expected) as workspace:
            assert indexed(workspace, "photos") == history.truth(folder)

    summary = prove(tmp_path, history.prepare, ["sync", "photos"], check, killer=killer)
    print(f"drive re-sync: {summary}")


# -- a first index, which leaves the content index out on SQLite ----------------------------


def unindexed(folder: Path) -> None:
    """``photos`` registered in an empty index, never synced."""
    root = folder / "photos"
    for seed, path in enumerate([*TREE, "new/x.jpg", "new/y.jpg", "z.jpg"]):
        write_jpeg(root / path, 1000 + seed, seed=seed)
    with Workspace.open(database_url=database(folder)) as workspace:
        workspace.add_source("photos", "local", root=str(root), settings={})


def content_index(folder: Path) -> tuple[bool, Any]:
    """Whether the content index exists, and the note a run that left it out keeps."""
    with Workspace.open(database_url=database(folder)) as workspace:
        engine = workspace.app.engine
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"),
                {"name": CONTENT_INDEX.name},
            ).first()
            note = get_state(connection, "mediasync", "schema", "content_index_deferred")
    return exists is not None, note


def test_a_first_index_killed_at_any_commit_ends_as_if_never_killed(tmp_path: Path) -> None:
    """Killed before, while or after it drops the content index, or as it builds it again:
    the next sync finds every file once and leaves the index whole, its note gone."""
    expected = reference(tmp_path, unindexed)

    def check(folder: Path) -> None:
        synced_and_compared(folder, expected).close()
        assert content_index(folder) == (True, None)

    summary = prove(tmp_path, unindexed, ["sync", "photos"], check)
    print(f"local first index: {summary}")
