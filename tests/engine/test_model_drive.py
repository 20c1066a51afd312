"""Model-based test of a Drive source: random histories of a Drive folder, synced through the
change feed, a full reconcile, or a scan after the feed's cursor expired.

A hypothesis state machine changes the fake Drive the way people and the Drive app do: files
and folders created (names shared by siblings too), edited, renamed, moved within the tree,
moved out (to a folder the account still sees, or to one it does not) and back in, trashed and
restored, deleted for good. After each sync, on SQLite and PostgreSQL:

- the active items are exactly the media under the root as the fake holds them, by path, Drive
  id and SHA-256 (``proofs.drive_truth`` computes the paths, duplicate names included);
- a Drive file is one item for ever: same id across renames, moves, trash and restore, never a
  second item for it;
- each item's history grew by exactly what happened to its file between the two syncs
  (``added``, ``removed``, ``restored``, ``renamed`` within a folder, ``moved`` across, and
  ``modified`` for new bytes), and older history is never rewritten;
- a second sync right after changes nothing.

``MEDIASYNC_MODEL_PROFILE=long`` runs many more and longer histories (``nox -s proofs``).
"""

from __future__ import annotations

import collections
import itertools
import os
import posixpath
from collections.abc import Iterator
from typing import Any, ClassVar

import attrs
import hypothesis.strategies as st
import pytest
from engine.model import content
from fakes.drive import FakeDrive
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from proofs.drive_truth import drive_settings, drive_truth, indexed

from mediasync import RunStatus, Workspace

# The CI profile replays the same histories every run (derandomize), so CI never fails by
# chance; the long profile of ``nox -s proofs`` draws new ones.
PROFILES = {
    "ci": settings(max_examples=5, stateful_step_count=20, derandomize=True),
    "long": settings(max_examples=200, stateful_step_count=50),
}
PROFILE = PROFILES[os.environ.get("MEDIASYNC_MODEL_PROFILE", "ci")]
FILE_NAMES = ["a.jpg", "b.jpg", "IMG 0001.jpg", "a/b.jpg", "a_b.jpg"]
"""``a/b.jpg`` is listed as ``a_b.jpg``, so beside ``a_b.jpg`` the two share a name."""
FOLDER_NAMES = ["2024", "Trip", "x/y"]

Event = tuple[str, str | None, str | None]


@attrs.frozen
class Seen:
    """A Drive file as the index held it after the last sync."""

    item_id: int
    path: str
    sha256: str | None
    active: bool


class DriveHistory(RuleBasedStateMachine):
    drive: ClassVar[FakeDrive]
    workspace: ClassVar[Workspace]
    key: ClassVar[dict[str, Any]]
    numbers: ClassVar[Iterator[int]]
    tally: ClassVar[collections.Counter[str]]

    def __init__(self) -> None:
        super().__init__()
        number = next(self.numbers)
        email = self.key["client_email"]
        self.root = self.drive.folder(f"root{number}")
        self.outside = self.drive.folder(f"outside{number}")
        self.drive.share(self.root, email, "writer")
        self.drive.share(self.outside, email)
        self.name = f"drive{number}"
        self.workspace.add_source(
            self.name, "gdrive", root=self.root, settings=drive_settings(self.drive, self.key)
        )
        self.folders: list[str] = []
        self.files: list[str] = []
        self.tags = itertools.count(number * 1000)
        self.seen: dict[str, Seen] = {}
        self.events: dict[int, list[Event]] = {}
        self.tally["histories"] += 1

    @initialize()
    def start_from_an_indexed_tree(self) -> None:
        """A few files, a folder with a subfolder, indexed: the rules then change known items."""
        trip = self.drive.folder("Trip", under=self.root)
        year = self.drive.folder("2024", under=trip)
        self.folders += [trip, year]
        for parent, name in [(self.root, "a.jpg"), (self.root, "b.jpg"), (trip, "a.jpg")]:
            self.files.append(
                self.drive.store.add(name, parent, "image/jpeg", data=content(next(self.tags))).id
            )
        self.files.append(
            self.drive.store.add("c.jpg", year, "image/jpeg", data=content(next(self.tags))).id
        )
        self._sync(full=False)

    @invariant()
    def count_step(self) -> None:
        self.tally["steps"] += 1

    # -- the Drive folder --------------------------------------------------------------------

    def _places(self) -> list[str]:
        """Where a file or folder may go: the tree, a folder the account sees outside it, and
        My Drive, which it does not see."""
        return [self.root, *self.folders, self.outside, self.drive.my_drive]

    def _below(self, folder: str) -> set[str]:
        return {f.id for f in self.drive.store.walk(folder)}

    def _nodes(self) -> list[str]:
        return [*self.files, *self.folders]

    @rule(data=st.data(), name=st.sampled_from(FILE_NAMES), duplicate=st.integers(0, 2) | st.none())
    def add_file(self, data: st.DataObject, name: str, duplicate: int | None) -> None:
        parent = data.draw(st.sampled_from(self._places()), label="parent")
        tag = next(self.tags) if duplicate is None else duplicate
        file = self.drive.store.add(name, parent, "image/jpeg", data=content(tag))
        self.files.append(file.id)

    @rule(data=st.data(), name=st.sampled_from(FOLDER_NAMES))
    def add_folder(self, data: st.DataObject, name: str) -> None:
        parent = data.draw(st.sampled_from([self.root, *self.folders, self.outside]))
        self.folders.append(self.drive.folder(name, under=parent))

    @precondition(lambda self: self.files)
    @rule(data=st.data(), same_size=st.booleans())
    def edit(self, data: st.DataObject, same_size: bool) -> None:
        file = self.drive.get(data.draw(st.sampled_from(self.files)))
        wide = len(file.data or b"") > len(content(0))
        self.drive.write(file.id, content(next(self.tags), wide=wide if same_size else not wide))

    @precondition(lambda self: self.files or self.folders)
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        node = self.drive.get(data.draw(st.sampled_from(self._nodes())))
        names = FOLDER_NAMES if node.is_folder else FILE_NAMES
        self.drive.rename(node.id, data.draw(st.sampled_from(names)))

    @precondition(lambda self: self.files or self.folders)
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        """Within the tree, out of it, or back in; a folder never into itself."""
        node = self.drive.get(data.draw(st.sampled_from(self._nodes())))
        below = self._below(node.id) if node.is_folder else set()
        target = data.draw(st.sampled_from([p for p in self._places() if p not in below]))
        self.drive.move(node.id, target)

    @precondition(lambda self: self.files or self.folders)
    @rule(data=st.data())
    def trash_or_restore(self, data: st.DataObject) -> None:
        node = self.drive.get(data.draw(st.sampled_from(self._nodes())))
        if node.explicitly_trashed:
            self.drive.untrash(node.id)
        else:
            self.drive.trash(node.id)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_for_good(self, data: st.DataObject) -> None:
        file_id = data.draw(st.sampled_from(self.files))
        self.drive.delete(file_id)
        self.files.remove(file_id)

    # -- syncs -------------------------------------------------------------------------------

    @rule(full=st.booleans())
    def sync(self, full: bool) -> None:
        self._sync(full=full)

    @rule()
    def sync_after_the_cursor_expired(self) -> None:
        self.drive.store.expire_tokens()
        self._sync(full=False)

    # -- checks ------------------------------------------------------------------------------

    def _sync(self, *, full: bool) -> None:
        truth = drive_truth(self.drive, self.root)
        before = indexed(self.workspace, self.name)
        report = self.workspace.sync(self.name, allow_mass_removal=True, full=full)
        self.tally["syncs"] += 1
        if report.run.status is RunStatus.FAILED and before and not truth:
            # A listing that is empty where items were looks like a missing root: refused.
            assert "came back empty" in (report.run.error or ""), report.run.error
            assert indexed(self.workspace, self.name) == before
            self.tally["refused"] += 1
            return
        assert report.run.status is RunStatus.OK, report.run.error
        after = indexed(self.workspace, self.name)
        assert after == truth
        self._check_identity_and_history()
        again = self.workspace.sync(self.name)
        assert again.run.status is RunStatus.OK, again.run.error
        assert again.run.counts.changes == 0, again.run.counts

    def _check_identity_and_history(self) -> None:
        items = list(self.workspace.items(source=self.name, active=None))
        by_file = collections.Counter(item.source_id for item in items)
        assert [f for f, n in by_file.items() if n > 1] == [], "a Drive file with two items"
        seen: dict[str, Seen] = {}
        for item in items:
            before = self.seen.get(item.source_id)
            now = Seen(item.id, item.path, item.sha256, item.active)
            if before is not None:
                assert item.id == before.item_id, f"{item.source_id} changed item"
            events = [
                (e.kind.value, e.old_path, e.new_path) for e in self.workspace.item(item.id).events
            ]
            known = self.events.get(item.id, [])
            assert events[: len(known)] == known, f"history of {item.path} rewritten"
            added = [kind for kind, _, _ in events[len(known) :]]
            assert added in expected_events(before, now), (item.path, events)
            self.events[item.id] = events
            seen[item.source_id] = now
        assert set(self.seen) <= set(seen), "an item was deleted"
        self.seen = seen


def expected_events(before: Seen | None, now: Seen) -> list[list[str]]:
    """The histories one sync may add to a file's item: from the item before and after.

    A removal may follow a ``moved``: the file's folder was renamed or moved (one change for
    the whole folder, applied to every item below it), then the file left the tree.
    """
    if before is None:
        return [["added"] if now.active else []]
    if not now.active:
        return [["removed"], ["moved", "removed"]] if before.active else [[]]
    if not before.active:
        return [["restored"]]
    kinds = []
    if now.path != before.path:
        same_folder = posixpath.dirname(now.path) == posixpath.dirname(before.path)
        kinds.append("renamed" if same_folder else "moved")
    if now.sha256 != before.sha256:
        kinds.append("modified")
    return [kinds]


@pytest.mark.slow
def test_random_drive_histories_keep_the_index_true(database_url: str) -> None:
    with FakeDrive() as drive, Workspace.open(database_url=database_url) as workspace:
        machine: type[DriveHistory] = type(
            "DriveHistoryHere",
            (DriveHistory,),
            {
                "drive": drive,
                "workspace": workspace,
                "key": drive.service_account(),
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
    extra = {"api_calls": drive.api_calls()}
    print(f"drive model ({database_url.split(':')[0]}): {dict(machine.tally)} {extra}")
