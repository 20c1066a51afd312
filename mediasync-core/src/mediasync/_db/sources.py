"""Reading and writing ``sources`` rows: a small repository over SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from mediasync._db.schema import COUNT_ACTIVE_ON_SQLITE, media_items, sources
from mediasync._errors import UsageError

__all__ = ["SourceRecord", "add_source", "get_source", "item_counts", "list_sources"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timezone-aware columns back naive; they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@attrs.frozen(slots=True)
class SourceRecord:
    id: int
    name: str
    type: str
    root: str | None
    settings: Mapping[str, Any]
    enabled: bool
    interval_seconds: int | None
    strategy: str | None
    cursor: str | None
    root_identity: str | None
    created_at: datetime
    updated_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    next_due_at: datetime | None
    consecutive_failures: int

    @classmethod
    def from_row(cls, row: Any) -> SourceRecord:
        values = dict(row._mapping)
        for key in ("created_at", "updated_at", "lease_expires_at", "next_due_at"):
            values[key] = as_utc(values[key])
        values["settings"] = dict(values["settings"] or {})
        return cls(**values)


def add_source(
    connection: Connection,
    *,
    name: str,
    type: str,
    root: str | None,
    settings: Mapping[str, Any],
    interval_seconds: int | None = None,
    strategy: str | None = None,
    enabled: bool = True,
) -> SourceRecord:
    if connection.execute(select(sources.c.id).where(sources.c.name == name)).first():
        raise UsageError(f"a source named '{name}' already exists")
    now = utcnow()
    try:
        connection.execute(
            sources.insert().values(
                name=name,
                type=type,
                root=root,
                settings=dict(settings),
                enabled=enabled,
                interval_seconds=interval_seconds,
                strategy=strategy,
                created_at=now,
                updated_at=now,
                consecutive_failures=0,
            )
        )
    except IntegrityError:
        raise UsageError(f"a source named '{name}' already exists") from None
    return get_source(connection, name)


def find_source(connection: Connection, name: str) -> SourceRecord | None:
    row = connection.execute(select(sources).where(sources.c.name == name)).first()
    return None if row is None else SourceRecord.from_row(row)


def get_source(connection: Connection, name: str) -> SourceRecord:
    record = find_source(connection, name)
    if record is None:
        names = connection.execute(select(sources.c.name).order_by(sources.c.name)).scalars()
        known = ", ".join(names) or "none; add one with `mediasync sources add`"
        raise UsageError(f"no source named '{name}' (sources: {known})")
    return record


def list_sources(connection: Connection) -> list[SourceRecord]:
    rows = connection.execute(select(sources).order_by(sources.c.name))
    return [SourceRecord.from_row(row) for row in rows]


def set_enabled(connection: Connection, name: str, enabled: bool) -> SourceRecord:
    record = get_source(connection, name)
    connection.execute(
        sources.update()
        .where(sources.c.id == record.id)
        .values(enabled=enabled, updated_at=utcnow())
    )
    return get_source(connection, name)


def remove_source(connection: Connection, name: str) -> int:
    """Deletes the source and its index rows (the media themselves are untouched)."""
    record = get_source(connection, name)
    items = item_counts(connection, record.id)
    connection.execute(sources.delete().where(sources.c.id == record.id))
    return items["active"] + items["removed"]


def item_counts(connection: Connection, source_id: int) -> dict[str, int]:
    """Active and removed items of a source.

    On SQLite one statement (one snapshot) of two counts, each from an index alone (every
    item's, the active items' partial one): grouping by ``active`` read every row of the
    source, 470 ms for a million items against 140 ms. PostgreSQL keeps the grouped query.
    """
    if connection.dialect.name == "sqlite":
        every_item = "SELECT count(*) FROM media_items WHERE source_id = ?"
        both = f"SELECT ({every_item}), ({COUNT_ACTIVE_ON_SQLITE})"
        every, active = connection.exec_driver_sql(both, (source_id, source_id)).one()
        return {"active": int(active), "removed": int(every) - int(active)}
    rows = connection.execute(
        select(media_items.c.active, func.count())
        .where(media_items.c.source_id == source_id)
        .group_by(media_items.c.active)
    )
    counts = {"active": 0, "removed": 0}
    for active, count in rows:
        counts["active" if active else "removed"] = int(count)
    return counts
