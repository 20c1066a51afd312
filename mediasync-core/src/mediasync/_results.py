"""What ``Workspace`` hands back: typed values, never rows or dicts.

A bot, a web handler or a script reads these, so they are plain frozen attrs classes with
documented fields, and ``attrs.asdict`` gives their JSON shape (see docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from mediasync._models import ChangeKind, ItemChange, Provenance, SyncRun

__all__ = [
    "CopiedItem",
    "CopyOutcome",
    "CopyProgress",
    "CopyReport",
    "DatabaseState",
    "Item",
    "ItemEvent",
    "SourceStatus",
    "SyncProgress",
    "SyncReport",
]


@attrs.frozen(slots=True)
class ItemEvent:
    """One line of an item's history."""

    kind: ChangeKind
    at: datetime
    old_path: str | None
    new_path: str | None
    sync_run_id: int | None


@attrs.frozen(slots=True)
class Item:
    """An indexed media item; ``events`` is filled by ``Workspace.item`` only.

    The fields after ``removed_at`` are what the source says beside the file (see
    ``MediaEntry``), and where copied bytes came from (``provenance``, with ``copied_at``).
    """

    id: int
    source: str
    source_id: str
    """The source's identifier of the file (Drive file id; ``device:inode`` for a local file)."""
    path: str
    name: str
    size: int | None
    mtime: datetime
    sha256: str | None
    native_hash: str | None
    mime_type: str | None
    kind: str
    width: int | None
    height: int | None
    duration: float | None
    active: bool
    first_seen: datetime
    changed_at: datetime
    removed_at: datetime | None
    taken_at: datetime | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    revision: str | None = None
    group_id: str | None = None
    position: int | None = None
    provenance: Provenance | None = None
    events: tuple[ItemEvent, ...] = ()


@attrs.frozen(slots=True)
class SourceStatus:
    """A source's state as ``mediasync status`` shows it."""

    name: str
    type: str
    root: str | None
    enabled: bool
    health: str
    """``ok``, ``held``, ``failing (N in a row)``, ``never synced`` or ``disabled``."""
    consecutive_failures: int
    items_active: int
    items_removed: int
    last_run: SyncRun | None
    next_due_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None


@attrs.frozen(slots=True)
class SyncReport:
    """What one sync did: the recorded run, how long it took, the files it could not read."""

    run: SyncRun
    duration: float
    errors: tuple[str, ...] = ()
    dry_run: bool = False
    changes: tuple[ItemChange, ...] = ()
    """The first changes, in the order written, when asked for (``list_changes``)."""
    unlisted_changes: int = 0
    """Changes made past that limit."""

    def summary(self) -> str:
        """``+12 added, 3 moved, 1 renamed, 2 removed, 0 errors in 1.4s``: the one line that
        the command line prints and the worker logs ("modified", "restored" and "metadata"
        when not 0)."""
        counts = self.run.counts
        parts = [f"+{counts.added:,} added"]
        if counts.modified:
            parts.append(f"{counts.modified:,} modified")
        parts += [
            f"{counts.moved:,} moved",
            f"{counts.renamed:,} renamed",
            f"{counts.removed:,} removed",
        ]
        if counts.restored:
            parts.append(f"{counts.restored:,} restored")
        if counts.metadata:
            parts.append(f"{counts.metadata:,} metadata")
        parts.append(f"{counts.errors:,} errors in {self.duration:.1f}s")
        return ", ".join(parts)


@attrs.frozen(slots=True)
class DatabaseState:
    """The index database's schema, as ``mediasync db`` reports it."""

    url: str
    """Password hidden."""
    revision: str | None
    """The schema revision it is at; ``None`` for an empty database."""
    head: str
    """The revision this mediasync needs."""
    state: str
    """``current``, ``empty``, ``behind`` or ``ahead``."""


@attrs.frozen(slots=True)
class SyncProgress:
    """Where a running sync is, as ``on_progress`` hears it (after each batch).

    The files to hash are known only as the listing reaches them, so the remaining time is
    that of the work known so far.
    """

    listed: int
    to_hash: int
    hashed: int
    bytes_to_hash: int
    bytes_hashed: int
    seconds: float
    """Since the sync started."""

    @property
    def bytes_per_second(self) -> float | None:
        return self.bytes_hashed / self.seconds if self.bytes_hashed and self.seconds else None

    @property
    def seconds_left(self) -> float | None:
        rate = self.bytes_per_second
        return None if rate is None else (self.bytes_to_hash - self.bytes_hashed) / rate


CopyOutcome = Literal["copied", "planned", "found", "failed"]
"""``copied``; ``planned``: would be copied (a dry run); ``found``: already in the destination
by its marker, missing from the destination's index, indexed now; ``failed``."""


@attrs.frozen(slots=True)
class CopiedItem:
    """What ``copy`` did with one item of the source, as ``on_item`` hears it (``--list``).

    Items already in the destination's index are not reported one by one: on a re-run they are
    nearly all of them, and only their count (``CopyReport.skipped``) says anything.
    """

    outcome: CopyOutcome
    item_id: int
    """The item in the source's index."""
    path: str
    """Its path in the source."""
    destination_path: str
    """Where it is in the destination (for ``planned``: the folder and name asked for; the
    destination may still number the name)."""
    size: int | None
    new_item_id: int | None = None
    """The item in the destination's index, once it is indexed there."""
    error: str | None = None


@attrs.frozen(slots=True)
class CopyProgress:
    """Where a running copy is, as ``on_progress`` hears it (after each item)."""

    total: int
    """Active items of the source of the kind asked for, before the date filters."""
    considered: int
    copied: int
    skipped: int
    failed: int
    bytes_copied: int
    seconds: float

    @property
    def bytes_per_second(self) -> float | None:
        return self.bytes_copied / self.seconds if self.bytes_copied and self.seconds else None


@attrs.frozen(slots=True)
class CopyReport:
    """What one ``copy`` did. In a dry run, ``copied`` and ``bytes`` are what would be."""

    source: str
    destination: str
    copied: int
    skipped: int
    """Already in the destination: by its index, or by the marker the destination keeps."""
    found: int
    """Of ``skipped``, those found by the marker only, and indexed by this run."""
    failed: int
    bytes: int
    seconds: float
    dry_run: bool = False
    errors: tuple[str, ...] = ()
    """Why items failed, the first 20 (an unreadable file, a name the destination refused)."""
    error: str | None = None
    """Why the run stopped before the end (the destination full, read-only or unreachable);
    what was copied until then is indexed, and a re-run goes on from there."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.failed == 0
