"""A batch's item lookups: one statement, its keys passed as one value (SQLite, PostgreSQL).

``select(...).where(column.in_(chunk))`` has SQLAlchemy expand and bind up to 900 parameters
per statement, three statements per batch of 2,000, then type every value of every row it
reads back; for the lookups of a first index, which find nothing, that was nearly all of their
cost. Here the statement is fixed text, ``IN (SELECT value FROM json_each(?))`` (SQLite plans
it as the same index search, ``EXPLAIN QUERY PLAN``: ``SEARCH media_items USING INDEX
ix_media_items_source_path (source_id=? AND path=?)``), and only the columns whose driver
values differ from Python's (a boolean, a timestamp) are converted. The JSON functions are
built into SQLite since 3.38 (and in every earlier build Python ships).

On PostgreSQL the keys go as one array, ``= ANY(%s)``: the server parsed and planned 900
parameters per statement before (a first index of 100k files spent 3.7 s of its main thread
in these lookups, a quarter of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Connection

__all__ = ["FAST_LOOKUPS", "rows_where_in"]

FAST_LOOKUPS = frozenset({"sqlite", "postgresql"})
"""The dialects ``rows_where_in`` speaks; others take SQLAlchemy's ``IN``."""

_Converters = list[tuple[int, Callable[[Any], Any]]]
_converters: dict[tuple[str, tuple[str, ...]], _Converters] = {}


def _converters_for(connection: Connection, columns: Sequence[Column[Any]]) -> _Converters:
    dialect = connection.dialect
    key = (dialect.name, tuple(column.name for column in columns))
    found = _converters.get(key)
    if found is None:
        found = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := column.type._cached_result_processor(dialect, None)) is not None
        ]
        _converters[key] = found
    return found


def rows_where_in(
    connection: Connection,
    columns: Sequence[Column[Any]],
    source_id: int,
    key: Column[Any],
    values: Sequence[str],
    order_by_id: bool = False,
    active_only: bool = False,
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``source_id`` whose ``key`` is in ``values`` (SQLite and
    PostgreSQL only), as Python values; with ``active_only``, of the active ones alone. The
    table is ``key``'s: ``media_items``, or ``source_folders`` for folder states."""
    if not values:
        return []
    names = ", ".join(column.name for column in columns)
    table = key.table
    order = f" ORDER BY {table.c.id.name}" if order_by_id else ""
    keys: Any
    if connection.dialect.name == "postgresql":
        where, keys = f"source_id = %s AND {key.name} = ANY(%s)", list(values)
    else:
        where = f"source_id = ? AND {key.name} IN (SELECT value FROM json_each(?))"
        keys = json.dumps(list(values))
    if active_only:
        where += f" AND {table.c.active.name}"
    sql = f"SELECT {names} FROM {table.name} WHERE {where}{order}"
    result = connection.exec_driver_sql(sql, (source_id, keys))
    # The driver's own tuples: SQLAlchemy's rows cost as much again as the query (50k rows
    # of seven columns: 46-55 ms from the cursor, 100-125 ms as rows then tuples).
    rows: list[tuple[Any, ...]] = list(result.cursor.fetchall())
    result.close()
    converters = _converters_for(connection, columns)
    if not converters:
        return rows
    converted: list[tuple[Any, ...]] = []
    for row in rows:
        values_out = list(row)
        for index, convert in converters:
            values_out[index] = convert(values_out[index])
        converted.append(tuple(values_out))
    return converted
