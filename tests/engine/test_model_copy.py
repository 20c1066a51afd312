"""Model-based test of ``copy``: random histories of a folder copied, again and again, into a
local folder or a Drive folder (the fake), on SQLite and PostgreSQL.

A hypothesis state machine changes the source folder (new files, edits, renames, moves, files
deleted and brought back), syncs it, and copies it whole or a few items at a time
(``limit``), sometimes after the destination's index was lost (the source removed and added
again: the copies are then found by the destination's own markers). After each copy:

- the destination holds exactly one file per source item ever copied, with the bytes the item
  had when it was copied (a copy is of the item: an edit after it is not copied again), and
  nothing else: no second copy, no temporary file (an item the sync gives a new identifier, a
  file replaced at its path or removed bytes back at theirs, is copied again: a copy names the
  identifier);
- the destination's index lists exactly those files, each with its provenance, one per item;
- the items copied are the first ones by id that had no copy yet (``limit``), all of them
  without a limit;
- a copy right after copies nothing and leaves the destination as it was.

A copy names its item's source identifier (``Provenance.source_id``), and the histories pass
identifiers from one item to another: a deleted file is unlinked (ext4 and tmpfs give its
inode to the next new file; ``replace`` makes one at once) or moved out of the folder (kept, to
be brought back), and an edit may go unsynced until a move (an edit and a move seen by one sync
make a new item on the old inode). Each item is still copied once
(``tests/proofs/test_copy_identity.py``); ``-s`` counts the copies on a passed identifier.
``MEDIASYNC_MODEL_PROFILE=long`` runs many more and longer histories (``nox -s proofs``).
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import hypothesis.strategies as st
import pytest
from engine.model import content
from fakes.drive import FakeDrive
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from proofs.drive_truth import drive_settings, drive_truth

from mediasync import Item, RunStatus, Workspace

# The CI profile replays the same histories every run (derandomize), so CI never fails by
# chance; the long profile of ``nox -s proofs`` draws new ones.
PROFILES = {
    "ci": settings(max_examples=6, stateful_step_count=20, derandomize=True),
    "long": settings(max_examples=100, stateful_step_count=50),
}
PROFILE = PROFILES[os.environ.get("MEDIASYNC_MODEL_PROFILE", "ci")]
PATHS = ["a.jpg", "b.jpg", "trip/a.jpg", "trip/c.jpg", "trip/day 2/a.jpg"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Destination:
    """Where the copies go: its files as (path, SHA-256), and how ``add_source`` names it."""

    type: str
    root: str
    settings: dict[str, Any]

    def files(self) -> dict[str, str]:
        raise NotImplementedError

    def leftovers(self) -> list[str]:
        """Files that are not copies: temporary files of an upload."""
        return []


class LocalFolder(Destination):
    type = "local"

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.root = str(folder)
        self.settings = {}

    def files(self) -> dict[str, str]:
        return {
            p.relative_to(self.folder).as_posix(): sha256(p.read_bytes())
            for p in self.folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }

    def leftovers(self) -> list[str]:
        return [p.name for p in self.folder.rglob(".mediasync-*.tmp")]


class DriveFolder(Destination):
    type = "gdrive"

    def __init__(self, drive: FakeDrive, key: dict[str, Any], name: str) -> None:
        self.drive = drive
        self.root = drive.folder(name)
        drive.share(self.root, key["client_email"], "writer")
        self.settings = drive_settings(drive, key)

    def files(self) -> dict[str, str]:
        return {path: listed.sha256 for path, listed in drive_truth(self.drive, self.root).items()}


class CopyHistory(RuleBasedStateMachine):
    workspace: ClassVar[Workspace]
    workdir: ClassVar[Path]
    drive: ClassVar[FakeDrive | None]
    key: ClassVar[dict[str, Any]]
    numbers: ClassVar[Iterator[int]]
    tally: ClassVar[collections.Counter[str]]

    def __init__(self) -> None:
        super().__init__()
        number = next(self.numbers)
        self.root = self.workdir / f"photos{number}"
        self.root.mkdir()
        self.graveyard = self.workdir / f"deleted{number}"
        self.graveyard.mkdir()
        self.source, self.backup = f"photos{number}", f"backup{number}"
        if self.drive is None:
            self.destination: Destination = LocalFolder(self.workdir / f"backup{number}")
        else:
            self.destination = DriveFolder(self.drive, self.key, f"backup{number}")
        self.workspace.add_source(self.source, "local", root=str(self.root), settings={})
        self._add_destination()
        self.tags = itertools.count(number * 1000)
        self.gone: list[Path] = []
        self.copied: dict[tuple[int, int], tuple[str, str]] = {}
        """(Item id, its tenure) → its source identifier and the SHA-256 of its bytes when it
        was copied."""
        self.tenures: dict[int, tuple[str, int]] = {}
        """Item id → the identifier it holds, and how many times the syncs gave it another: a
        copy made while an item holds its identifier is its copy; one made before (of another
        item, or of this one with another identifier) is not, unless it has the item's bytes."""
        self.reindexed: set[str] = set()
        """Copies made before the index was lost: a sync of the destination indexes them again,
        with their provenance only once the copy meets their source item again (a local
        folder's sync does not read the copy manifest), so they may lack it."""
        self.tally["histories"] += 1

    def _add_destination(self) -> None:
        destination = self.destination
        self.workspace.add_source(
            self.backup, destination.type, root=destination.root, settings=destination.settings
        )

    @invariant()
    def count_step(self) -> None:
        self.tally["steps"] += 1

    # -- the source folder -------------------------------------------------------------------

    def _files(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.jpg"))

    @rule(path=st.sampled_from(PATHS))
    def create(self, path: str) -> None:
        target = self.root / path
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content(next(self.tags)))

    @precondition(lambda self: self._files())
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        """In place, synced before and after: the sync sees the edit alone."""
        path = data.draw(st.sampled_from(self._files()))
        self._sync()
        (self.root / path).write_bytes(content(next(self.tags), wide=True))
        self._sync()

    @precondition(lambda self: self._files())
    @rule(data=st.data(), new=st.sampled_from(PATHS))
    def edit_unsynced(self, data: st.DataObject, new: str) -> None:
        """In place, seen by the next sync with whatever else happened, here a move to ``new``
        when it is free: a new item on the old inode."""
        path = data.draw(st.sampled_from(self._files()))
        (self.root / path).write_bytes(content(next(self.tags), wide=True))
        self.rename_or_move(data, new, path)

    @precondition(lambda self: self._files())
    @rule(data=st.data(), new=st.sampled_from(PATHS))
    def rename_or_move(self, data: st.DataObject, new: str, old: str | None = None) -> None:
        old = old or data.draw(st.sampled_from(self._files()))
        if not (self.root / new).exists():
            (self.root / new).parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.root / old, self.root / new)

    @precondition(lambda self: self._files())
    @rule(data=st.data(), unlink=st.booleans())
    def delete(self, data: st.DataObject, unlink: bool) -> None:
        """Unlinked (its inode goes to the next new file), or parked to be brought back."""
        path = data.draw(st.sampled_from(self._files()))
        if unlink:
            (self.root / path).unlink()
            return
        parked = self.graveyard / f"{next(self.tags)}-{path.replace('/', '_')}"
        os.rename(self.root / path, parked)
        self.gone.append(parked)

    @precondition(lambda self: self._files())
    @rule(data=st.data(), new=st.sampled_from(PATHS))
    def replace(self, data: st.DataObject, new: str) -> None:
        """A file unlinked and a new one made at ``new`` at once: ext4 and tmpfs give it the
        freed inode (at the same path, the same item edited)."""
        path = data.draw(st.sampled_from(self._files()))
        (self.root / path).unlink()
        self.create(new)

    @precondition(lambda self: self.gone)
    @rule(data=st.data(), path=st.sampled_from(PATHS))
    def bring_back(self, data: st.DataObject, path: str) -> None:
        parked = data.draw(st.sampled_from(self.gone))
        if not (self.root / path).exists():
            (self.root / path).parent.mkdir(parents=True, exist_ok=True)
            os.rename(parked, self.root / path)
            self.gone.remove(parked)

    # -- copies ------------------------------------------------------------------------------

    @rule(limit=st.none() | st.integers(1, 3))
    def sync_and_copy(self, limit: int | None) -> None:
        if self._sync():
            self._copy(limit)

    def _sync(self) -> bool:
        """Whether the source's index is true now (a sync of an empty folder is refused)."""
        sync = self.workspace.sync(self.source, allow_mass_removal=True)
        if sync.run.status is RunStatus.FAILED:
            assert "came back empty" in (sync.run.error or ""), sync.run.error
            self.tally["refused"] += 1
            return False
        assert sync.run.status is RunStatus.OK, sync.run.error
        self._observe_identifiers()
        return True

    def _observe_identifiers(self) -> None:
        """After each sync: an item given another identifier (a file replaced at its path)
        starts a new tenure."""
        for item in self.workspace.items(source=self.source):
            known = self.tenures.get(item.id)
            if known is None or known[0] != item.source_id:
                self.tenures[item.id] = (item.source_id, 0 if known is None else known[1] + 1)

    def _has_copy(self, item: Item) -> bool:
        """Whether ``copy`` finds a copy of ``item``: one made in its tenure, or one naming its
        identifier with its bytes."""
        tenure = (item.id, self.tenures[item.id][1])
        return tenure in self.copied or (item.source_id, item.sha256) in self.copied.values()

    @precondition(lambda self: self.copied)
    @rule()
    def lose_the_destination_index(self) -> None:
        """The copies are found again by the destination's own markers, not copied twice."""
        self.reindexed |= set(self.destination.files().values())
        self.workspace.remove_source(self.backup)
        self._add_destination()
        sync = self.workspace.sync(self.backup)
        assert sync.run.status is RunStatus.OK, sync.run.error
        self.tally["indexes lost"] += 1

    def _copy(self, limit: int | None) -> None:
        due = list(self.workspace.items(source=self.source, order="id"))
        todo = [item for item in due if not self._has_copy(item)][:limit]
        report = self.workspace.copy(self.source, self.backup, limit=limit)
        self.tally["copies"] += 1
        assert (report.error, report.failed) == (None, 0), report
        assert report.copied == len(todo), (report, todo)
        assert report.found == 0 or self.reindexed, "found a copy no index ever lost"
        for item in todo:
            assert item.sha256 is not None
            if any(key == item.source_id for key, _ in self.copied.values()):
                self.tally["copies on a passed identifier"] += 1
            self.copied[item.id, self.tenures[item.id][1]] = (item.source_id, item.sha256)
        self._check_destination()
        if any(not self._has_copy(item) for item in due):
            return  # a limit left some: the next copy takes them
        before = self.destination.files()
        again = self.workspace.copy(self.source, self.backup)
        assert (again.copied, again.found, again.error) == (0, 0, None), again
        assert self.destination.files() == before

    def _check_destination(self) -> None:
        files = self.destination.files()
        assert sorted(files.values()) == sorted(sha for _, sha in self.copied.values())
        assert self.destination.leftovers() == []
        items = list(self.workspace.items(source=self.backup))
        assert {item.path: item.sha256 for item in items} == files
        provenances = collections.Counter(
            (item.provenance.source_id, item.sha256) for item in items if item.provenance
        )
        assert provenances <= collections.Counter(self.copied.values()), "an item copied twice"
        unmarked = {item.sha256 for item in items if item.provenance is None}
        assert unmarked <= self.reindexed, "a copy indexed without its provenance"


def run_histories(workspace: Workspace, workdir: Path, drive: FakeDrive | None) -> str:
    machine: type[CopyHistory] = type(
        "CopyHistoryHere",
        (CopyHistory,),
        {
            "workspace": workspace,
            "workdir": workdir,
            "drive": drive,
            "key": drive.service_account() if drive is not None else {},
            "numbers": itertools.count(1),
            "tally": collections.Counter(),
        },
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            PROFILE, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        ),
    )
    return str(dict(machine.tally))


@pytest.mark.slow
def test_random_copies_into_a_folder_copy_each_item_once(tmp_path: Path, database_url: str) -> None:
    with Workspace.open(database_url=database_url) as workspace:
        tally = run_histories(workspace, tmp_path, None)
    print(f"copy model, local ({database_url.split(':')[0]}): {tally}")


@pytest.mark.slow
def test_random_copies_into_drive_copy_each_item_once(tmp_path: Path, database_url: str) -> None:
    with FakeDrive() as drive, Workspace.open(database_url=database_url) as workspace:
        tally = run_histories(workspace, tmp_path, drive)
    print(f"copy model, drive ({database_url.split(':')[0]}): {tally}")
