"""The items whose media facts were never read (or by an older reader), and writing them.

What ``items refresh-metadata`` reads and writes: pages by id, so a run stopped anywhere goes
on where it stopped (the items written no longer match), and each page is written in one
``executemany`` transaction, guarded by the size and time that were read, so an item a sync
changed in between keeps what the sync wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from mediasync._db.schema import media_items
from mediasync._facts.model import FACTS_VERSION, MediaFacts
from mediasync._sync.store import merged_metadata

__all__ = ["PendingItem", "count_pending", "pending_items", "write_facts"]


@attrs.frozen(slots=True)
class PendingItem:
    id: int
    external_id: str
    path: str
    size: int | None
    mtime_us: int
    width: int | None
    height: int | None
    duration: float | None
    taken_at: datetime | None
    metadata: Mapping[str, Any] | None
    source_said: bool
    """The source gave metadata (a ``revision``): its capture time stays if the bytes have none."""


def _pending(source_id: int) -> Any:
    return and_(
        media_items.c.source_id == source_id,
        media_items.c.active.is_(True),
        or_(media_items.c.facts_version.is_(None), media_items.c.facts_version < FACTS_VERSION),
    )


def count_pending(connection: Connection, source_id: int) -> int:
    query = select(func.count()).where(_pending(source_id))
    return int(connection.execute(query).scalar_one())


def pending_items(
    connection: Connection, source_id: int, after_id: int, limit: int
) -> list[PendingItem]:
    """The next ``limit`` active items without current facts, by id, after ``after_id``."""
    c = media_items.c
    columns = (c.id, c.external_id, c.path, c.size, c.mtime_us, c.width, c.height, c.duration)
    query = (
        select(*columns, c.taken_at, c.metadata, c.revision.is_not(None))
        .where(and_(_pending(source_id), c.id > after_id))
        .order_by(c.id)
        .limit(limit)
    )
    return [PendingItem(*row) for row in connection.execute(query).all()]


def _first(read: Any, indexed: Any) -> Any:
    return read if read is not None else indexed


def write_facts(connection: Connection, found: Sequence[tuple[PendingItem, MediaFacts]]) -> None:
    """Writes each item's facts, unless its size or time changed since it was read."""
    if not found:
        return
    c = media_items.c
    statement = (
        update(media_items)
        .where(and_(c.id == bindparam("b_id"), c.mtime_us == bindparam("b_mtime_us")))
        .values(
            width=bindparam("b_width"),
            height=bindparam("b_height"),
            duration=bindparam("b_duration"),
            taken_at=bindparam("b_taken_at", type_=c.taken_at.type),
            metadata=bindparam("b_metadata", type_=c.metadata.type),
            facts_version=bindparam("b_facts_version"),
        )
    )
    rows = []
    for item, facts in found:
        taken = facts.taken_at
        if taken is None and item.source_said:
            taken = item.taken_at
        rows.append(
            {
                "b_id": item.id,
                "b_mtime_us": item.mtime_us,
                "b_width": _first(facts.width, item.width),
                "b_height": _first(facts.height, item.height),
                "b_duration": _first(facts.duration, item.duration),
                "b_taken_at": taken,
                "b_metadata": merged_metadata(item.metadata, facts),
                "b_facts_version": facts.stored_version,
            }
        )
    connection.execute(statement, rows)
