"""Groups of active items with the same bytes: one query, largest waste first.

The groups are found by one aggregate over the active items' hashes (``min(source_id) <>
max(source_id)`` for groups across sources, which keeps it a hash aggregate where a
``count(DISTINCT …)`` would sort), joined back to their items through the hash index, and
ordered so that each group's items come together: the rows stream, a group at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from mediasync._db.items import item_columns, item_of
from mediasync._db.schema import media_items, sources
from mediasync._media_results import DuplicateGroup

__all__ = ["duplicate_groups"]

_CHUNK = 2000


def _scope(source_ids: Sequence[int] | None) -> Any:
    active = and_(media_items.c.active.is_(True), media_items.c.sha256.is_not(None))
    if source_ids is None:
        return active
    return and_(active, media_items.c.source_id.in_(source_ids))


def duplicate_groups(
    connection: Connection,
    *,
    source_ids: Sequence[int] | None = None,
    across_sources: bool = False,
) -> Iterator[DuplicateGroup]:
    """Streams the groups of active items (of these sources) sharing a SHA-256, the most
    wasted bytes first; ``across_sources``: only groups held by two sources or more."""
    copies = func.count().label("copies")
    size = func.max(media_items.c.size).label("size")
    groups = (
        select(media_items.c.sha256.label("sha256"), copies, size)
        .where(_scope(source_ids))
        .group_by(media_items.c.sha256)
        .having(func.count() > 1)
    )
    if across_sources:
        spread = func.min(media_items.c.source_id) != func.max(media_items.c.source_id)
        groups = groups.having(spread)
    found = groups.cte("duplicate_groups")
    wasted = (func.coalesce(found.c.size, 0) * (found.c.copies - 1)).label("wasted")
    query = (
        select(wasted, found.c.size, *item_columns())
        .select_from(found)
        .join(media_items, media_items.c.sha256 == found.c.sha256)
        .join(sources, sources.c.id == media_items.c.source_id)
        .where(_scope(source_ids))
        .order_by(wasted.desc(), media_items.c.sha256, sources.c.name, media_items.c.path)
    )
    group: list[Any] = []
    head: tuple[int, int | None] = (0, None)
    for row in connection.execute(query.execution_options(yield_per=_CHUNK)):
        item = item_of(row[2:])
        if group and item.sha256 != group[0].sha256:
            yield DuplicateGroup(group[0].sha256 or "", head[1], head[0], tuple(group))
            group = []
        if not group:
            head = (int(row[0] or 0), row[1])
        group.append(item)
    if group:
        yield DuplicateGroup(group[0].sha256 or "", head[1], head[0], tuple(group))
