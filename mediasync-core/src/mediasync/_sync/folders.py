"""Per-folder fingerprints: how a re-sync skips the folders that did not change.

A source with ``FOLDER_FINGERPRINTS`` lists folder by folder, each with a digest of its files.
``source_folders`` keeps, per folder of a source, the digest as of the last time the index was
brought level with that folder. The invariant that makes skipping safe:

    a stored fingerprint means the folder's active items in the index are exactly the files
    the fingerprint describes.

It holds because every write to an item clears the fingerprint of the folders the item left
and entered, in the same transaction (``FolderStore.touch``), and a fingerprint is recorded
only after a complete scan has applied every change, removals included, and only for folders
where nothing failed (``FolderScan.record``). A matching folder's items therefore count as seen
without being read. Every folder holding an active item has a row (``touch`` creates it), so
the items of a folder that vanished are found by its row not being listed.
"""

from __future__ import annotations

import array
import posixpath
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, select

from mediasync._db.schema import media_items, source_folders
from mediasync._source import FolderListing
from mediasync._sync.idset import IdSet
from mediasync._sync.lookups import FAST_LOOKUPS, rows_where_in
from mediasync._sync.store import chunks as _chunks

__all__ = ["FileRow", "FolderScan", "FolderStore", "folder_of"]

FileRow = tuple[int, str, int | None, int, str | None]
"""(id, external_id, size, mtime_us) of an active item: what tells an unchanged file."""


def folder_of(path: str) -> str:
    """``MediaEntry.folder`` of a stored path."""
    return posixpath.dirname(path)


class FolderStore:
    """Queries and writes of one source's ``source_folders`` rows."""

    def __init__(self, source_id: int) -> None:
        self.source_id = source_id

    def states(
        self, connection: Connection, paths: Sequence[str]
    ) -> dict[str, tuple[int, str | None]]:
        """``{folder: (row id, fingerprint)}`` of those among ``paths`` that have a row."""
        found: dict[str, tuple[int, str | None]] = {}
        columns = (source_folders.c.folder, source_folders.c.id, source_folders.c.fingerprint)
        if connection.dialect.name in FAST_LOOKUPS:
            for folder, row_id, fingerprint in rows_where_in(
                connection, columns, self.source_id, source_folders.c.folder, paths
            ):
                found[folder] = (row_id, fingerprint)
            return found
        for chunk in _chunks(paths):
            query = select(*columns).where(
                and_(
                    source_folders.c.source_id == self.source_id,
                    source_folders.c.folder.in_(chunk),
                )
            )
            for folder, row_id, fingerprint in connection.execute(query).all():
                found[folder] = (row_id, fingerprint)
        return found

    def iter_rows(self, connection: Connection) -> Iterator[tuple[int, str]]:
        """(id, folder) of every row of the source, streamed."""
        query = (
            select(source_folders.c.id, source_folders.c.folder)
            .where(source_folders.c.source_id == self.source_id)
            .execution_options(yield_per=5000)
        )
        for row in connection.execute(query):
            yield row.id, row.folder

    def active_ids_in(self, connection: Connection, folders: Sequence[str]) -> Iterator[int]:
        """Ids of the source's active items in ``folders``."""
        for chunk in _chunks(folders):
            query = select(media_items.c.id).where(
                and_(
                    media_items.c.source_id == self.source_id,
                    media_items.c.folder.in_(chunk),
                    media_items.c.active.is_(True),
                )
            )
            yield from connection.execute(query).scalars().all()

    def active_files(
        self, connection: Connection, folders: Sequence[str]
    ) -> dict[str, dict[str, list[FileRow]]]:
        """``{folder: {name: [(id, external_id, size, mtime_us, revision), ...]}}`` of the
        active items in ``folders``: one query for many folders, instead of a lookup per listed
        path (only the columns that tell an unchanged file, so that the read stays cheap).

        A name maps to a list: after a held run an item moved onto another's path shares it
        with the one it displaced until the removal is applied, and both must be compared.
        """
        columns = (
            media_items.c.folder,
            media_items.c.name,
            media_items.c.id,
            media_items.c.external_id,
            media_items.c.size,
            media_items.c.mtime_us,
            media_items.c.revision,
        )
        found: dict[str, dict[str, list[FileRow]]] = {f: {} for f in folders}
        rows: Iterable[Sequence[Any]]
        if connection.dialect.name in FAST_LOOKUPS:
            # Half the time of SQLAlchemy's expanded ``IN`` and typed rows: after 1% churn of
            # 100k files, this reads the 50k files of the half of the folders it touched.
            rows = rows_where_in(
                connection, columns, self.source_id, media_items.c.folder, folders, active_only=True
            )
        else:
            rows = (
                row
                for chunk in _chunks(folders)
                for row in connection.execute(
                    select(*columns).where(
                        and_(
                            media_items.c.source_id == self.source_id,
                            media_items.c.folder.in_(chunk),
                            media_items.c.active.is_(True),
                        )
                    )
                ).all()
            )
        for folder, name, item_id, external_id, size, mtime, revision in rows:
            found[folder].setdefault(name, []).append((item_id, external_id, size, mtime, revision))
        return found

    def _upsert(self, connection: Connection, rows: list[dict[str, Any]], clear: bool) -> None:
        # Imported here: the PostgreSQL dialect costs 35 ms of start-up to SQLite users.
        statement: Any
        if connection.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            statement = postgresql.insert(source_folders)
        else:
            from sqlalchemy.dialects import sqlite

            statement = sqlite.insert(source_folders)
        fingerprint = None if clear else statement.excluded.fingerprint
        statement = statement.on_conflict_do_update(
            index_elements=[source_folders.c.source_id, source_folders.c.folder],
            set_={"fingerprint": fingerprint},
        )
        for chunk in _chunks(rows):
            connection.execute(statement, list(chunk))

    def touch(self, connection: Connection, folders: Iterable[str]) -> None:
        """Items in ``folders`` are being written: clear their fingerprints, make their rows."""
        rows = [
            {"source_id": self.source_id, "folder": folder, "fingerprint": None}
            for folder in sorted(set(folders))
        ]
        if rows:
            self._upsert(connection, rows, clear=True)

    def record(self, connection: Connection, fingerprints: Sequence[tuple[str, str]]) -> None:
        """Stores fingerprints of folders the index is now level with."""
        rows = [
            {"source_id": self.source_id, "folder": folder, "fingerprint": fingerprint}
            for folder, fingerprint in fingerprints
        ]
        if rows:
            self._upsert(connection, rows, clear=False)

    def forget_empty(self, connection: Connection, row_ids: Sequence[int]) -> None:
        """Deletes those rows whose folder holds no active item any more."""
        holds_items = exists().where(
            and_(
                media_items.c.source_id == self.source_id,
                media_items.c.folder == source_folders.c.folder,
                media_items.c.active.is_(True),
            )
        )
        for chunk in _chunks(row_ids):
            connection.execute(
                delete(source_folders).where(and_(source_folders.c.id.in_(chunk), ~holds_items))
            )


class FolderScan:
    """One scan's folder bookkeeping: which folders were listed, which changed, which failed."""

    def __init__(self, store: FolderStore, *, trust_fingerprints: bool) -> None:
        self.store = store
        self.trust_fingerprints = trust_fingerprints
        """False under ``--verify``: every folder is read, and its fingerprint recorded anew."""
        self._listed = IdSet()
        self._changed_known: list[str] = []
        self._read: array.array[int] = array.array("q")
        """Ids of active items of changed folders, read during the scan (``read``)."""
        self._new: set[str] = set()
        """Listed folders that had no row: rows made for them during the scan are not vanished."""
        self._emptied: list[int] = []
        self._fingerprints: list[tuple[str, str]] = []
        self._failed: set[str] = set()

    def changed(self, listing: FolderListing, state: tuple[int, str | None] | None) -> bool:
        """Whether ``listing`` must be read; remembers what ``sweep`` and ``record`` need."""
        if state is not None:
            row_id, fingerprint = state
            self._listed.add(row_id)
            if self.trust_fingerprints and fingerprint == listing.fingerprint:
                return False
            self._changed_known.append(listing.path)
            if listing.count == 0:
                self._emptied.append(row_id)
        else:
            self._new.add(listing.path)
        if listing.count:
            self._fingerprints.append((listing.path, listing.fingerprint))
        return True

    def read(self, folders: Sequence[str], item_ids: Iterable[int]) -> None:
        """The scan read ``folders``' active items (``item_ids``): the sweep need not again."""
        done = set(folders)
        self._changed_known = [path for path in self._changed_known if path not in done]
        self._read.extend(item_ids)

    def failed(self, path: str) -> None:
        """Something under ``path`` (a file's path) was not indexed as listed: no fingerprint."""
        self._failed.add(folder_of(path))

    def sweep(self, connection: Connection, is_seen: Callable[[int], bool]) -> list[int]:
        """Active items not seen by the scan: in changed folders, or in folders not listed.

        Items of unchanged folders are not read: their fingerprint vouches for them.
        """
        vanished: list[str] = []
        for row_id, folder in self.store.iter_rows(connection):
            if row_id not in self._listed and folder not in self._new:
                vanished.append(folder)
                self._emptied.append(row_id)
        folders = self._changed_known + vanished
        unseen = [i for i in self._read if not is_seen(i)]
        return unseen + [i for i in self.store.active_ids_in(connection, folders) if not is_seen(i)]

    def record(self, connection: Connection) -> None:
        """After a complete scan whose changes are all applied: the new fingerprints."""
        clean = [(path, fp) for path, fp in self._fingerprints if path not in self._failed]
        self.store.record(connection, clean)
        self.store.forget_empty(connection, self._emptied)
