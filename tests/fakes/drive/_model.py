"""The fake Drive's data: files, folders, shortcuts, shared drives, permissions, change log.

Everything is in memory behind one lock. Access follows Drive's rules closely enough for the
plugin's tests: a principal sees a file it owns, one shared with it (directly or through any
ancestor folder), or one in a shared drive it is a member of; ``trashed`` is inherited from a
trashed ancestor. Each mutation appends to the change log the principals who could see the file
before or after, so ``changes.list`` reports access lost as ``removed``, as Drive does.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["FOLDER", "SHORTCUT", "Change", "DriveStore", "FakeFile", "SharedDrive"]

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
GOOGLE_APPS = "application/vnd.google-apps."
_ROLES = {"reader": 1, "commenter": 1, "writer": 2, "fileOrganizer": 2, "organizer": 3, "owner": 3}
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    millis = f"{moment.microsecond // 1000:03d}"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + millis + "Z"


@dataclass(slots=True, eq=False)
class FakeFile:
    id: str
    name: str
    mime_type: str
    parents: list[str]
    owner: str
    created: datetime
    modified: datetime
    data: bytes | None = None
    explicitly_trashed: bool = False
    app_properties: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    shortcut_target: str | None = None
    drive_id: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    taken: str | None = None
    """EXIF DateTime as Drive gives it: ``"2024:05:01 10:00:00"``, no zone."""
    camera_make: str | None = None
    camera_model: str | None = None
    rotation: int | None = None
    """Clockwise quarter turns from the stored pixels' orientation (EXIF orientation)."""
    permissions: dict[str, str] = field(default_factory=dict)
    store: DriveStore | None = field(default=None, repr=False)
    _hashes: tuple[str, str, str] | None = field(default=None, repr=False)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    @property
    def has_content(self) -> bool:
        return self.data is not None and not self.mime_type.startswith(GOOGLE_APPS)

    def hashes(self) -> tuple[str, str, str]:
        """(md5, sha1, sha256) of the content, computed once."""
        if self._hashes is None:
            data = self.data or b""
            self._hashes = (
                hashlib.md5(data).hexdigest(),
                hashlib.sha1(data).hexdigest(),
                hashlib.sha256(data).hexdigest(),
            )
        return self._hashes

    def effectively_trashed(self) -> bool:
        assert self.store is not None
        return self.store.is_trashed(self)

    def modified_rfc3339(self) -> str:
        return rfc3339(self.modified)

    def created_rfc3339(self) -> str:
        return rfc3339(self.created)


@dataclass(slots=True)
class SharedDrive:
    id: str
    name: str
    members: dict[str, str]


@dataclass(slots=True, frozen=True)
class Change:
    seq: int
    file_id: str
    time: datetime
    visible_to: frozenset[str]


class DriveStore:
    """All state of one fake Drive; every public method takes the lock."""

    def __init__(self, owner: str = "owner@example.com") -> None:
        self.lock = threading.RLock()
        self.owner = owner
        self.files: dict[str, FakeFile] = {}
        self.children: dict[str, dict[str, None]] = {}
        self.drives: dict[str, SharedDrive] = {}
        self.changes: list[Change] = []
        self.oldest_valid_token = 1
        self.principals: set[str] = {owner}
        self.roots: dict[str, str] = {}
        self._counter = itertools.count(1)
        self._clock = EPOCH
        self.root_id = self.my_drive_root(owner)

    # -- ids and time --------------------------------------------------------------------------

    def new_id(self, prefix: str = "1") -> str:
        digest = hashlib.sha256(f"fake-drive-{next(self._counter)}".encode()).digest()
        return prefix + base64.urlsafe_b64encode(digest).decode("ascii")[:32]

    def tick(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock

    # -- access --------------------------------------------------------------------------------

    def my_drive_root(self, principal: str) -> str:
        with self.lock:
            if principal not in self.roots:
                root = FakeFile(
                    self.new_id("0A"), "My Drive", FOLDER, [], principal, EPOCH, EPOCH, store=self
                )
                self.files[root.id] = root
                self.roots[principal] = root.id
                self.principals.add(principal)
            return self.roots[principal]

    def role(self, principal: str, file: FakeFile, memo: dict[str, int] | None = None) -> int:
        """0 when ``principal`` cannot see ``file``, else 1 reader, 2 writer, 3 owner/organizer.

        ``memo`` caches the role per folder for the duration of one request.
        """
        chain: list[FakeFile] = []
        node: FakeFile | None = file
        inherited = 0
        seen: set[str] = set()
        while node is not None and node.id not in seen:
            if memo is not None and node.id in memo:
                inherited = memo[node.id]
                break
            seen.add(node.id)
            chain.append(node)
            node = self.files.get(node.parents[0]) if node.parents else None
        for item in reversed(chain):
            own = 3 if item.owner == principal else 0
            own = max(own, _ROLES.get(item.permissions.get(principal, ""), 0))
            if item.drive_id is not None and item.id == item.drive_id:
                drive = self.drives[item.drive_id]
                own = max(own, _ROLES.get(drive.members.get(principal, ""), 0))
            inherited = max(inherited, own)
            if memo is not None and item.is_folder:
                memo[item.id] = inherited
        return inherited

    def is_trashed(self, file: FakeFile) -> bool:
        node: FakeFile | None = file
        seen: set[str] = set()
        while node is not None and node.id not in seen:
            if node.explicitly_trashed:
                return True
            seen.add(node.id)
            node = self.files.get(node.parents[0]) if node.parents else None
        return False

    def visible_principals(self, file: FakeFile) -> frozenset[str]:
        return frozenset(p for p in self.principals if self.role(p, file) > 0)

    # -- change log ----------------------------------------------------------------------------

    def _log(self, file: FakeFile, before: frozenset[str], when: datetime) -> None:
        after = self.visible_principals(file) if file.id in self.files else frozenset()
        self.changes.append(Change(len(self.changes) + 1, file.id, when, before | after))

    def next_token(self) -> int:
        return len(self.changes) + 1

    def expire_tokens(self) -> None:
        """Every page token issued so far becomes invalid (as after a long absence)."""
        with self.lock:
            # An invisible entry moves "now" past every token handed out.
            self.changes.append(Change(self.next_token(), "", self._clock, frozenset()))
            self.oldest_valid_token = self.next_token()

    # -- mutations -----------------------------------------------------------------------------

    def add(
        self,
        name: str,
        parent: str | None,
        mime_type: str,
        *,
        data: bytes | None = None,
        owner: str | None = None,
        log: bool = True,
        created: datetime | None = None,
        **extra: Any,
    ) -> FakeFile:
        with self.lock:
            when = created or self.tick()
            parent_file = self.files.get(parent) if parent else None
            drive_id = parent_file.drive_id if parent_file is not None else None
            file = FakeFile(
                self.new_id(),
                name,
                mime_type,
                [parent] if parent else [],
                owner or self.owner,
                when,
                when,
                data=data,
                drive_id=drive_id,
                store=self,
                **extra,
            )
            self.files[file.id] = file
            if parent:
                self.children.setdefault(parent, {})[file.id] = None
            if log:
                self._log(file, frozenset(), when)
            return file

    def update(self, file_id: str, **changes: Any) -> FakeFile:
        """Changes attributes (``name``, ``data``, ``explicitly_trashed``, ``parents``…).

        Only the file itself is logged, as Drive does: a folder renamed, moved (into the tree,
        out of it, even where the principal loses access to everything below), trashed or
        restored is one change; the files below it do not appear in the change feed.
        """
        with self.lock:
            file = self.files[file_id]
            before = self.visible_principals(file)
            if "parents" in changes:
                for parent in file.parents:
                    self.children.get(parent, {}).pop(file.id, None)
                for parent in changes["parents"]:
                    self.children.setdefault(parent, {})[file.id] = None
                    parent_file = self.files.get(parent)
                    file.drive_id = parent_file.drive_id if parent_file else None
            if "data" in changes:
                file._hashes = None
            for key, value in changes.items():
                setattr(file, key, list(value) if key == "parents" else value)
            when = self.tick()
            file.modified = when
            self._log(file, before, when)
            return file

    def _descendants_visibility(self, folder: FakeFile) -> dict[str, frozenset[str]]:
        if not folder.is_folder:
            return {}
        return {f.id: self.visible_principals(f) for f in self.walk(folder.id) if f.id != folder.id}

    def _log_visibility_changes(self, before: dict[str, frozenset[str]], when: datetime) -> None:
        for file_id, seen_before in before.items():
            file = self.files.get(file_id)
            if file is not None and self.visible_principals(file) != seen_before:
                self._log(file, seen_before, when)

    def delete(self, file_id: str) -> None:
        """Deletes permanently, with every descendant; each one is logged as a change."""
        with self.lock:
            for file in list(self.walk(file_id)):
                before = self.visible_principals(file)
                for parent in file.parents:
                    self.children.get(parent, {}).pop(file.id, None)
                del self.files[file.id]
                self.children.pop(file.id, None)
                self._log(file, before, self.tick())

    def walk(self, file_id: str) -> Iterator[FakeFile]:
        """The file and, for a folder, everything below it (depth first, children first)."""
        file = self.files[file_id]
        for child_id in list(self.children.get(file_id, {})):
            if child_id in self.files:
                yield from self.walk(child_id)
        yield file

    def share(self, file_id: str, principal: str, role: str | None = "reader") -> None:
        """Gives ``principal`` a role on the file (``None`` takes it away)."""
        with self.lock:
            self.principals.add(principal)
            file = self.files[file_id]
            before = self.visible_principals(file)
            below = self._descendants_visibility(file)
            if role is None:
                file.permissions.pop(principal, None)
            else:
                file.permissions[principal] = role
            when = self.tick()
            self._log(file, before, when)
            self._log_visibility_changes(below, when)

    def add_shared_drive(self, name: str, members: dict[str, str]) -> SharedDrive:
        with self.lock:
            drive = SharedDrive(self.new_id("0A"), name, dict(members))
            self.drives[drive.id] = drive
            self.principals.update(members)
            root = FakeFile(
                drive.id, name, FOLDER, [], self.owner, self.tick(), self._clock, store=self
            )
            root.drive_id = drive.id
            self.files[drive.id] = root
            return drive

    def children_of(self, parents: Iterable[str]) -> Iterator[FakeFile]:
        for parent in parents:
            for child_id in self.children.get(parent, {}):
                child = self.files.get(child_id)
                if child is not None:
                    yield child
