"""The index as the sync engine reads and writes it: batched SQLAlchemy Core, no ORM.

Reads are keyed lookups for one batch of listing entries (by path, by source identifier);
writes are ``executemany`` statements, one transaction per batch together with the lease
renewal, so a crash leaves whole batches or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, and_, bindparam, func, literal, select, text, update

from mediasync._db.schema import (
    ACTIVE_IDS_ON_SQLITE,
    COUNT_ACTIVE_ON_SQLITE,
    media_events,
    media_items,
    source_id_as_filter,
)
from mediasync._db.sources import as_utc
from mediasync._db.times import mtime_us
from mediasync._facts.model import FACT_METADATA_KEYS, MediaFacts
from mediasync._models import MediaEntry
from mediasync._sync.bulk import BulkInsert
from mediasync._sync.lookups import FAST_LOOKUPS, rows_where_in

__all__ = [
    "ITEM_COLUMNS",
    "ItemRow",
    "ItemStore",
    "chunks",
    "entry_row",
    "entry_values",
]

# Keeps each IN (...) list and executemany chunk well inside every driver's limits.
LOOKUP_CHUNK = 900

_ROW_COLUMNS = (
    media_items.c.id,
    media_items.c.external_id,
    media_items.c.path,
    media_items.c.size,
    media_items.c.mtime_us,
    media_items.c.sha256,
    media_items.c.active,
    media_items.c.changed_at,
    media_items.c.revision,
    media_items.c.facts_version,
)


@attrs.frozen(slots=True)
class ItemRow:
    id: int
    external_id: str
    path: str
    size: int | None
    mtime_us: int
    sha256: str | None
    active: bool
    changed_at: datetime
    revision: str | None
    facts_version: int | None = None
    """The version of the readers that read the media facts of its bytes; ``None``: never."""


def _item_row(row: Any) -> ItemRow:
    """A row of ``_ROW_COLUMNS`` (more columns than SQLAlchemy's typed ``select`` spells out)."""
    return ItemRow(*row)


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of ``size``: each ``IN (...)`` list inside every driver's limits."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


ITEM_COLUMNS = (
    "external_id",
    "path",
    "folder",
    "name",
    "size",
    "mtime_us",
    "sha256",
    "native_hash",
    "mime_type",
    "kind",
)
"""The ``media_items`` columns that come from a listing entry's file facts."""
MEASURE_COLUMNS = ("width", "height", "duration")
"""Written when the entry gives one of them or says metadata, or the bytes were read: a local
file's listing knows none of them, and its rename must not forget what its bytes said."""
METADATA_COLUMNS = (
    "taken_at",
    "metadata",
    "revision",
    "group_id",
    "position",
    "provenance_type",
    "provenance_source",
    "provenance_id",
    "copied_at",
)
"""The columns of what a source says beside the file: written when the entry says something
(a ``revision`` or a provenance), kept as indexed otherwise (a copy's caption survives a
re-sync of a folder that cannot tell it)."""
_ALL_COLUMNS = (*ITEM_COLUMNS, *MEASURE_COLUMNS, *METADATA_COLUMNS, "facts_version")
_CONSTANTS = ("source_id", "active", "first_seen_at", "changed_at")
_INSERT_ITEM = BulkInsert(media_items, _ALL_COLUMNS, _CONSTANTS)
_INSERT_ITEM_WITH_ID = BulkInsert(media_items, ("id", *_ALL_COLUMNS), _CONSTANTS)
_STATE_COLUMNS = ("active", "removed_at", "changed_at", "identified_at")
_INSERT_EVENT = BulkInsert(
    media_events, ("item_id", "sync_run_id", "kind", "old_path", "new_path"), ("at",)
)
BULK_CHUNK = 5000
"""Rows per ``executemany``: plain statements, so no placeholder limit applies."""


def says_metadata(entry: MediaEntry) -> bool:
    """Whether the entry's metadata columns are written (see ``METADATA_COLUMNS``)."""
    return entry.revision is not None or entry.provenance is not None


def entry_row(
    entry: MediaEntry, sha256: str | None, external_id: str, facts: MediaFacts | None = None
) -> tuple[Any, ...]:
    """Every column of a new item, in ``_ALL_COLUMNS`` order. What the entry says wins over
    ``facts`` (read from the bytes), which fill in what it leaves unknown."""
    return (
        *_file_row(entry, sha256, external_id),
        *_measures(entry, facts),
        *_metadata_row(entry, facts),
        None if facts is None else facts.stored_version,
    )


def _first(said: Any, read: Any) -> Any:
    return said if said is not None else read


def _measures(entry: MediaEntry, facts: MediaFacts | None) -> tuple[Any, ...]:
    if facts is None:
        return (entry.width, entry.height, entry.duration)
    return (
        _first(entry.width, facts.width),
        _first(entry.height, facts.height),
        _first(entry.duration, facts.duration),
    )


def merged_metadata(
    kept: Mapping[str, Any] | None, facts: MediaFacts, said: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """An item's metadata once its bytes were read: what it had (``kept``), the keys that come
    from the bytes replaced by ``facts``, and what the source says (``said``) over both."""
    merged = facts.metadata()
    if kept:
        merged = {k: v for k, v in kept.items() if k not in FACT_METADATA_KEYS} | merged
    if said:
        merged.update(said)
    return merged or None


def _metadata_row(entry: MediaEntry, facts: MediaFacts | None = None) -> tuple[Any, ...]:
    provenance = entry.provenance
    if facts is None:
        metadata, taken_at = dict(entry.metadata) or None, entry.taken_at
    else:
        metadata = merged_metadata(None, facts, entry.metadata)
        taken_at = _first(entry.taken_at, facts.taken_at)
    return (
        taken_at,
        metadata,
        entry.revision,
        entry.group_id,
        entry.position,
        None if provenance is None else provenance.source_type,
        None if provenance is None else provenance.source,
        None if provenance is None else provenance.source_id,
        None if provenance is None else provenance.copied_at,
    )


def _file_row(entry: MediaEntry, sha256: str | None, external_id: str) -> tuple[Any, ...]:
    return (
        external_id,
        entry.path,
        entry.folder,
        entry.name,
        entry.size,
        mtime_us(entry.mtime),
        sha256,
        entry.native_hash,
        entry.mime_type,
        entry.kind.value,
    )


def entry_values(
    entry: MediaEntry,
    sha256: str | None,
    external_id: str,
    facts: MediaFacts | None = None,
    kept: tuple[Mapping[str, Any] | None, bool] | None = None,
) -> dict[str, Any]:
    """The columns an update of the item writes, by name: the file facts; the measures and the
    metadata when the entry says something about them; the facts when the bytes were read.

    ``kept`` is the item's metadata as indexed and whether its source ever said any (its
    ``revision``): the facts then replace only their own keys, and a capture time the source
    gave stays when the bytes know none.
    """
    says = says_metadata(entry)
    values = dict(zip(ITEM_COLUMNS, _file_row(entry, sha256, external_id), strict=True))
    measures = (entry.width, entry.height, entry.duration)
    if facts is not None or says or any(v is not None for v in measures):
        values.update(zip(MEASURE_COLUMNS, _measures(entry, facts), strict=True))
    if says:
        values.update(zip(METADATA_COLUMNS, _metadata_row(entry, facts), strict=True))
    if facts is not None:
        values["facts_version"] = facts.stored_version
        if not says:
            metadata, source_said = kept if kept is not None else (None, False)
            values["metadata"] = merged_metadata(metadata, facts)
            if facts.taken_at is not None or not source_said:
                values["taken_at"] = facts.taken_at
    return values


class ItemStore:
    """Queries and batched writes for one source's items."""

    def __init__(self, source_id: int) -> None:
        self.source_id = source_id
        self._updates: dict[tuple[str, ...], Any] = {}

    def _update_statement(self, columns: tuple[str, ...]) -> Any:
        """One ``UPDATE`` per set of columns written, built at first use."""
        statement = self._updates.get(columns)
        if statement is None:
            statement = self._updates[columns] = (
                update(media_items)
                .where(media_items.c.id == bindparam("b_id"))
                .values({column: bindparam(f"b_{column}") for column in columns})
            )
        return statement

    @staticmethod
    def kept_metadata(
        connection: Connection, item_ids: Sequence[int]
    ) -> dict[int, tuple[Mapping[str, Any] | None, bool]]:
        """``{id: (metadata, whether a source said any)}``: what an update that read the bytes
        merges their facts into (see ``entry_values``)."""
        found: dict[int, tuple[Mapping[str, Any] | None, bool]] = {}
        for chunk in chunks(item_ids):
            query = select(media_items.c.id, media_items.c.metadata, media_items.c.revision).where(
                media_items.c.id.in_(chunk)
            )
            for row in connection.execute(query).all():
                found[row.id] = (row.metadata, row.revision is not None)
        return found

    def rows_at_paths(
        self, connection: Connection, paths: Sequence[str]
    ) -> dict[str, list[ItemRow]]:
        found: dict[str, list[ItemRow]] = {}
        if connection.dialect.name in FAST_LOOKUPS:
            for row in rows_where_in(
                connection, _ROW_COLUMNS, self.source_id, media_items.c.path, paths
            ):
                found.setdefault(row[2], []).append(ItemRow(*row))
            return found
        for chunk in chunks(paths):
            query = select(*_ROW_COLUMNS).where(
                and_(media_items.c.source_id == self.source_id, media_items.c.path.in_(chunk))
            )
            # fetchall: cheaper than iterating the result row by row (one fetch per row).
            for row in connection.execute(query).all():
                found.setdefault(row.path, []).append(_item_row(row))
        return found

    def rows_by_external_id(
        self, connection: Connection, external_ids: Sequence[str]
    ) -> dict[str, ItemRow]:
        found: dict[str, ItemRow] = {}
        for item in self._rows_by_external_id(connection, external_ids):
            known = found.get(item.external_id)
            # The active item wins; among removed ones the latest (restores pick it).
            if known is None or not known.active:
                found[item.external_id] = item
        return found

    def _rows_by_external_id(
        self, connection: Connection, external_ids: Sequence[str]
    ) -> Iterator[ItemRow]:
        """Every item holding one of ``external_ids``, oldest first within each lookup."""
        if connection.dialect.name in FAST_LOOKUPS:
            key = media_items.c.external_id
            for row in rows_where_in(
                connection, _ROW_COLUMNS, self.source_id, key, external_ids, order_by_id=True
            ):
                yield ItemRow(*row)
            return
        for chunk in chunks(external_ids):
            query = select(*_ROW_COLUMNS).where(
                and_(
                    media_items.c.source_id == self.source_id,
                    media_items.c.external_id.in_(chunk),
                )
            )
            for row in connection.execute(query.order_by(media_items.c.id)).all():
                yield _item_row(row)

    def active_by_content(
        self, connection: Connection, sha256s: Iterable[str]
    ) -> dict[str, list[ItemRow]]:
        """The source's active items with these hashes (content twins), by hash."""
        found: dict[str, list[ItemRow]] = {}
        for chunk in chunks(sorted(sha256s)):
            query = select(*_ROW_COLUMNS).where(
                and_(
                    source_id_as_filter == self.source_id,
                    media_items.c.active.is_(True),
                    media_items.c.sha256.in_(chunk),
                )
            )
            for row in connection.execute(query).all():
                found.setdefault(row.sha256, []).append(_item_row(row))
        return found

    def copies_of(
        self, connection: Connection, source: str, source_ids: Sequence[str]
    ) -> dict[str, list[tuple[datetime | None, str | None]]]:
        """``{source_id: [(copied_at, sha256), ...]}`` of this source's active items copied
        from those identifiers of ``source``: one identifier may have passed from one item to
        another, so each copy is given with what tells whose it is (``copy`` asks this before
        copying a batch: one indexed query per chunk)."""
        found: dict[str, list[tuple[datetime | None, str | None]]] = {}
        for chunk in chunks(source_ids):
            query = select(
                media_items.c.provenance_id, media_items.c.copied_at, media_items.c.sha256
            ).where(
                and_(
                    media_items.c.source_id == self.source_id,
                    media_items.c.provenance_source == source,
                    media_items.c.provenance_id.in_(chunk),
                    media_items.c.active.is_(True),
                )
            )
            for row in connection.execute(query).all():
                copy = (as_utc(row.copied_at), row.sha256)
                found.setdefault(row.provenance_id, []).append(copy)
        return found

    @staticmethod
    def identified_at(connection: Connection, item_ids: Sequence[int]) -> dict[int, datetime]:
        """``{id: when it took its identifier}`` of those items that took it after their first
        sight (the others hold theirs since ``first_seen_at``)."""
        found: dict[int, datetime] = {}
        for chunk in chunks(item_ids):
            query = select(media_items.c.id, media_items.c.identified_at).where(
                and_(media_items.c.id.in_(chunk), media_items.c.identified_at.is_not(None))
            )
            for row in connection.execute(query).all():
                when = as_utc(row.identified_at)
                if when is not None:
                    found[row.id] = when
        return found

    def has_active(self, connection: Connection) -> bool:
        query = select(media_items.c.id).where(
            and_(media_items.c.source_id == self.source_id, media_items.c.active.is_(True))
        )
        return connection.execute(query.limit(1)).first() is not None

    def count_active(self, connection: Connection) -> int:
        """The source's active items (on SQLite, ``COUNT_ACTIVE_ON_SQLITE``): asked on each
        re-sync that removes anything."""
        if connection.dialect.name == "sqlite":
            found = connection.exec_driver_sql(COUNT_ACTIVE_ON_SQLITE, (self.source_id,))
            return int(found.scalar_one())
        query = select(func.count()).where(
            and_(media_items.c.source_id == self.source_id, media_items.c.active.is_(True))
        )
        return int(connection.execute(query).scalar_one())

    def iter_active(self, connection: Connection) -> Iterator[tuple[int, str, str]]:
        """(id, path, external_id) of every active item, streamed in id order."""
        query = (
            select(media_items.c.id, media_items.c.path, media_items.c.external_id)
            .where(and_(media_items.c.source_id == self.source_id, media_items.c.active.is_(True)))
            .order_by(media_items.c.id)
            .execution_options(yield_per=5000)
        )
        for row in connection.execute(query):
            yield row.id, row.path, row.external_id

    def iter_active_ids(self, connection: Connection) -> Iterator[int]:
        """The id of every active item, streamed (the end-of-scan sweep; in id order except
        on SQLite, where the partial index of active items gives them without a sort: 1M ids
        in 346 ms instead of 708 ms through a temporary B-tree)."""
        if connection.dialect.name == "sqlite":
            for (item_id,) in connection.exec_driver_sql(ACTIVE_IDS_ON_SQLITE, (self.source_id,)):
                yield item_id
            return
        query = (
            select(media_items.c.id)
            .where(and_(media_items.c.source_id == self.source_id, media_items.c.active.is_(True)))
            .order_by(media_items.c.id)
            .execution_options(yield_per=20000)
        )
        yield from connection.execute(query).scalars()

    @staticmethod
    def estimated_rows(connection: Connection) -> int | None:
        """The planner's row count for ``media_items`` on PostgreSQL; ``None`` elsewhere."""
        if connection.dialect.name != "postgresql":
            return None
        query = text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)")
        name = connection.dialect.identifier_preparer.format_table(media_items)
        estimate = connection.execute(query, {"table": name}).scalar()
        return max(0, int(estimate or 0))

    @staticmethod
    def analyze(connection: Connection) -> None:
        """Refreshes PostgreSQL's statistics of ``media_items``; skipped if another holds them.

        Without statistics (a table filled since the last ``ANALYZE``, autovacuum off or not
        yet run) the planner expects a handful of rows per source and reads the whole source
        for every batch lookup, which makes a sync quadratic in the number of items.
        """
        name = connection.dialect.identifier_preparer.format_table(media_items)
        version = connection.dialect.server_version_info or (0,)
        skip_locked = "(SKIP_LOCKED) " if version >= (12,) else ""
        connection.execute(text(f"ANALYZE {skip_locked}{name}"))

    def insert_items(
        self, connection: Connection, rows: Sequence[tuple[Any, ...]], now: datetime
    ) -> list[int]:
        """Inserts new items (``entry_row`` tuples); returns their ids in the order given."""
        ids: list[int] = []
        constants = (self.source_id, True, now, now)
        postgres = connection.dialect.name == "postgresql"
        for chunk in chunks(rows, BULK_CHUNK):
            if postgres:
                new_ids = self._next_ids(connection, len(chunk))
                rows_with_ids = [(i, *row) for i, row in zip(new_ids, chunk, strict=True)]
                _INSERT_ITEM_WITH_ID.execute(connection, rows_with_ids, constants)
                ids.extend(new_ids)
                continue
            _INSERT_ITEM.execute(connection, chunk, constants)
            if connection.dialect.name == "sqlite":
                ids.extend(self._consecutive_ids(connection, chunk))
            else:
                ids.extend(self._read_ids(connection, [row[0] for row in chunk]))
        return ids

    @staticmethod
    def _next_ids(connection: Connection, count: int) -> list[int]:
        """PostgreSQL: ``count`` ids taken from the table's own sequence, for ``COPY``."""
        query = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        name = connection.dialect.identifier_preparer.format_table(media_items)
        return [int(i) for i in connection.execute(query, {"table": name, "n": count}).scalars()]

    def _consecutive_ids(
        self, connection: Connection, rows: Sequence[tuple[Any, ...]]
    ) -> list[int]:
        """SQLite: the rows just inserted, under this transaction's write lock, took the ids
        after the largest one, in order; checked by reading their identifiers back by id."""
        last = int(connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        first = last - len(rows) + 1
        query = (
            select(media_items.c.external_id)
            .where(media_items.c.id.between(first, last))
            .order_by(media_items.c.id)
        )
        if list(connection.execute(query).scalars()) == [row[0] for row in rows]:
            return list(range(first, last + 1))
        return self._read_ids(connection, [row[0] for row in rows])

    def _read_ids(self, connection: Connection, wanted: Sequence[str]) -> list[int]:
        """The ids of items just inserted, read back by identifier.

        Exact: a source has one active item per identifier (the partial unique index), and
        these rows were just inserted active in this transaction. (``INSERT ... RETURNING`` of
        many rows would be one long statement that psycopg parses anew for every batch.)
        """
        found: dict[str, int] = {}
        for chunk in chunks(wanted):
            query = select(media_items.c.external_id, media_items.c.id).where(
                and_(
                    media_items.c.source_id == self.source_id,
                    media_items.c.active.is_(True),
                    media_items.c.external_id.in_(chunk),
                )
            )
            found.update((row.external_id, row.id) for row in connection.execute(query).all())
        return [found[external_id] for external_id in wanted]

    def update_items(self, connection: Connection, rows: Iterable[dict[str, Any]]) -> None:
        """Rewrites items; each dict holds the columns of ``entry_values`` plus id and state."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            columns = tuple(key for key in row if key != "id")
            by_columns.setdefault(columns, []).append({f"b_{k}": v for k, v in row.items()})
        for columns, params in by_columns.items():
            statement = self._update_statement(tuple(sorted(columns, key=self._column_order)))
            for chunk in chunks(params):
                connection.execute(statement, chunk)

    @staticmethod
    def _column_order(column: str) -> int:
        return (*_ALL_COLUMNS, *_STATE_COLUMNS).index(column)

    @staticmethod
    def release_identifiers(connection: Connection, rows: Sequence[ItemRow]) -> None:
        """Gives up the identifiers of items that proved not to be the file now holding them
        (a recycled inode), so that file can take it. Each becomes ``"<old>#<item id>"``, unique
        and never listed; only while the item still holds the old one (it may already have
        been matched by path and taken its file's identifier)."""
        for row in rows:
            connection.execute(
                update(media_items)
                .where(
                    and_(media_items.c.id == row.id, media_items.c.external_id == row.external_id)
                )
                .values(external_id=f"{row.external_id}#{row.id}")
            )

    @staticmethod
    def adopt_copy(connection: Connection, item_id: int, entry: MediaEntry) -> bool:
        """Writes the entry's metadata and provenance on an item that has no provenance yet
        (a file ``copy`` found indexed already, by a sync that could not tell where it came
        from); False when the item has one (it is a copy of something else)."""
        values: dict[str, Any] = dict(zip(METADATA_COLUMNS, _metadata_row(entry), strict=True))
        # A capture time read from the file's bytes stays when the copy's source knows none.
        taken = literal(values["taken_at"], media_items.c.taken_at.type)
        values["taken_at"] = func.coalesce(taken, media_items.c.taken_at)
        result = connection.execute(
            update(media_items)
            .where(and_(media_items.c.id == item_id, media_items.c.provenance_source.is_(None)))
            .values(values)
        )
        return bool(result.rowcount == 1)

    def mark_removed(self, connection: Connection, item_ids: Sequence[int], now: datetime) -> None:
        for chunk in chunks(item_ids):
            connection.execute(
                update(media_items)
                .where(media_items.c.id.in_(chunk))
                .values(active=False, removed_at=now, changed_at=now)
            )

    @staticmethod
    def insert_events(
        connection: Connection, events: Sequence[tuple[Any, ...]], now: datetime
    ) -> None:
        """Inserts ``(item_id, sync_run_id, kind, old_path, new_path)`` events, all at ``now``."""
        for chunk in chunks(events, BULK_CHUNK):
            _INSERT_EVENT.execute(connection, chunk, (now,))
