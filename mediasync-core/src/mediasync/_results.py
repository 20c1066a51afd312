"""What ``Workspace`` hands back: typed values, never rows or dicts.

A bot, a web handler or a script reads these, so they are plain frozen attrs classes with
documented fields, and ``attrs.asdict`` gives their JSON shape (see docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mediasync._models import ChangeKind, ItemChange, Provenance, SyncRun

__all__ = ["DatabaseState", "Item", "ItemEvent", "SourceStatus", "SyncProgress", "SyncReport"]


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
