"""The destination's index during a ``copy``: which items it holds copies of, and the new ones.

A copied file is indexed the moment it is written, exactly as a sync would index it: a row
made by ``entry_row`` from the entry ``upload`` returned (the file facts the listing will show,
so the next sync of the destination finds the file unchanged and keeps the item), an ``added``
event, and its folder's fingerprint cleared in the same transaction (``FolderStore.touch``), so
that the next scan reads that folder instead of trusting a digest of what it held before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from mediasync._db.sources import utcnow
from mediasync._models import ChangeKind, ItemChange, MediaEntry
from mediasync._sync.folders import FolderStore, folder_of
from mediasync._sync.lease import Lease
from mediasync._sync.store import ItemRow, ItemStore, entry_row

__all__ = ["CopyIndex"]


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

    def copied(self, source: str, source_ids: Sequence[str]) -> dict[str, int]:
        """``{source_id: item id}`` of those items of ``source`` the destination holds a copy
        of, by the provenance its items carry (one indexed query per batch)."""
        with self.engine.connect() as connection:
            return self.store.copies_of(connection, source, source_ids)

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
