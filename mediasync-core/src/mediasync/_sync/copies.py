"""The destination's index during a ``copy``: which items it holds copies of, and the new ones.

A copied file is indexed the moment it is written, exactly as a sync would index it: a row
made by ``entry_row`` from the entry ``upload`` returned (the file facts the listing will show,
so the next sync of the destination finds the file unchanged and keeps the item), an ``added``
event, and its folder's fingerprint cleared in the same transaction (``FolderStore.touch``), so
that the next scan reads that folder instead of trusting a digest of what it held before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from mediasync._db.sources import utcnow
from mediasync._models import ChangeKind, ItemChange, MediaEntry
from mediasync._results import Item
from mediasync._sync.folders import FolderStore, folder_of
from mediasync._sync.lease import Lease
from mediasync._sync.store import ItemRow, ItemStore, entry_row

__all__ = ["CopyIndex", "is_copy_of"]


def is_copy_of(
    copied_at: datetime | None, sha256: str | None, item: Item, since: datetime | None = None
) -> bool:
    """Whether a copy made at ``copied_at`` from ``item``'s source identifier, holding bytes
    ``sha256``, is a copy of ``item``, which has held that identifier since ``since`` (``None``:
    since it was first seen).

    An identifier may pass from one item to another (a local folder's ``device:inode``: a new
    file on the inode of a deleted one, a file edited and moved before the next sync), an item
    may take another identifier (a file replaced at its path), and the copy's provenance names
    the identifier only. A copy is of the item when it was made once the item held the
    identifier (a copy of an item edited since stays its copy: an edit is not copied again),
    or when it holds the item's bytes (nothing would be missing). A copy made before, with
    other bytes, was of an earlier item on that identifier. A copy whose time is unknown (a
    marker written before copies had one) is taken as the item's, as it always was.
    """
    if copied_at is None or copied_at >= (since or item.first_seen):
        return True
    return sha256 is not None and sha256 == item.sha256


class CopyIndex:
    """One destination's items, as one ``copy`` run reads and writes them."""

    def __init__(
        self,
        engine: Engine,
        destination_id: int,
        destination: str,
        lease: Lease | None,
        on_change: Callable[[ItemChange], None] | None = None,
    ) -> None:
        self.engine = engine
        self.destination = destination
        self.store = ItemStore(destination_id)
        self.folders = FolderStore(destination_id)
        self.lease = lease
        self._on_change = on_change

    def copied(
        self, source: str, items: Sequence[Item], since: Mapping[int, datetime] | None
    ) -> set[int]:
        """The ids of those items of ``source`` the destination holds a copy of, by the
        provenance its items carry (one indexed query per batch). ``since`` (from
        ``identified``) for a source whose identifiers may pass from one item to another: a
        copy of the identifier then counts if ``is_copy_of`` says so; ``None`` for a source
        with stable identifiers (one item's for ever): any copy of it counts."""
        with self.engine.connect() as connection:
            copies = self.store.copies_of(connection, source, [item.source_id for item in items])
        return {
            item.id
            for item in items
            if any(
                since is None or is_copy_of(at, sha, item, since.get(item.id))
                for at, sha in copies.get(item.source_id, ())
            )
        }

    def identified(self, items: Sequence[Item]) -> dict[int, datetime]:
        """``{id: since when it holds its identifier}`` of the items (of any source) that took
        it after their first sight."""
        with self.engine.connect() as connection:
            return ItemStore.identified_at(connection, [item.id for item in items])

    def renew_lease(self) -> None:
        """While uploads run: a long one must not let the lease lapse under it."""
        if self.lease is not None:
            self.lease.renew_if_due(self.engine)

    def write(self, entries: Sequence[MediaEntry]) -> list[int | None]:
        """Indexes copied files (each with its provenance), in one transaction; the item id
        of each, or ``None`` for a file an item copied from elsewhere holds already.

        A file the index holds already at that path with that size (the destination had these
        bytes under this name, or a sync indexed a copy after the index was lost) keeps its
        item, and gets the provenance if it had none. An active item holding the file's
        identifier elsewhere is stale (its file is gone, the identifier reused): it gives the
        identifier up, as the sync engine does, and the next sync marks it removed.
        """
        if not entries:
            return []
        now = utcnow()
        slots: list[int | None] = []
        new: list[int] = []  # positions in ``entries`` of the files to insert
        releases: list[ItemRow] = []
        placed: set[str] = set()
        with self.engine.connect() as connection, connection.begin():
            if self.lease is not None:
                self.lease.renew(connection)
            known = self.store.rows_by_external_id(connection, [e.source_id for e in entries])
            for position, entry in enumerate(entries):
                slots.append(None)
                if entry.source_id in placed:  # two items copied to one file (same bytes)
                    continue
                placed.add(entry.source_id)
                row = known.get(entry.source_id)
                if row is not None and row.active:
                    if row.path == entry.path and row.size == entry.size:
                        if ItemStore.adopt_copy(connection, row.id, entry):
                            slots[position] = row.id
                        continue
                    releases.append(row)
                new.append(position)
            ItemStore.release_identifiers(connection, releases)
            inserted = [entries[position] for position in new]
            rows = [entry_row(entry, entry.sha256, entry.source_id) for entry in inserted]
            new_ids = self.store.insert_items(connection, rows, now)
            events: list[tuple[Any, ...]] = []
            for position, entry, item_id in zip(new, inserted, new_ids, strict=True):
                slots[position] = item_id
                events.append((item_id, None, ChangeKind.ADDED.value, None, entry.path))
            ItemStore.insert_events(connection, events, now)
            touched = {entry.folder for entry in inserted}
            touched.update(folder_of(row.path) for row in releases)
            self.folders.touch(connection, touched)
        if self._on_change is not None:
            for entry, item_id in zip(inserted, new_ids, strict=True):
                self._on_change(ItemChange(ChangeKind.ADDED, self.destination, item_id, entry.path))
        return slots
