"""Many-row inserts straight through the driver: ``executemany``, or ``COPY`` on PostgreSQL.

SQLAlchemy lends its bind processors, but no longer handles each row: for a first index that
per-row work (parameter dicts, ``construct_params``, a datetime formatted per column per row)
took more of the main thread than SQLite itself did. Values that are the same for every row of a
batch (a timestamp, the source) are processed once. On PostgreSQL rows are streamed with
``COPY ... FROM STDIN``, which the server parses far faster than an ``INSERT`` per row.

Elsewhere a column that is ``None`` in every row of a call is left out of the statement: the
``sqlite3`` module binds only exact ints, floats and strings directly and sends everything else,
``None`` included, through its adapter lookup, and a local file's new item has a dozen such
columns (no revision, no provenance, no capture time...): binding them took more time than
SQLite took to store the row (100k rows of 30 columns, 13 of them ``None``: 1.6-2.2 s -> 0.6-0.8 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert

__all__ = ["BulkInsert"]


class BulkInsert:
    """``INSERT INTO table (columns..., constants...)`` for rows given as tuples.

    Each row holds ``columns`` in order, as Python values (processed here, column by column,
    only where the dialect needs it: JSON, say); ``constants`` are given once per call.
    """

    def __init__(self, table: Table, columns: Sequence[str], constants: Sequence[str] = ()) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.constants = tuple(constants)
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, bool]] = {}
        self._omissible = frozenset(
            name for name in self.columns if table.c[name].server_default is None
        )
        """Columns whose value when left out is ``NULL``, as when given as ``None``."""

    def _statement(self, connection: Connection, names: tuple[str, ...]) -> tuple[str, bool]:
        """(SQL, whether its parameters are positional) for ``names`` in that order."""
        dialect = connection.dialect
        key = (f"{dialect.name}:{dialect.paramstyle}", names)
        cached = self._compiled.get(key)
        if cached is None:
            marker = {"qmark": "?", "format": "%s"}.get(dialect.paramstyle)
            if marker is None:  # named styles: let SQLAlchemy write the placeholders
                statement = insert(self.table).values({name: bindparam(name) for name in names})
                cached = (str(statement.compile(dialect=dialect)), False)
            else:
                quote = dialect.identifier_preparer.quote
                table = dialect.identifier_preparer.format_table(self.table)
                columns = ", ".join(quote(name) for name in names)
                markers = ", ".join([marker] * len(names))
                cached = (f"INSERT INTO {table} ({columns}) VALUES ({markers})", True)
            self._compiled[key] = cached
        return cached

    def execute(
        self, connection: Connection, rows: Sequence[tuple[Any, ...]], constants: tuple[Any, ...]
    ) -> None:
        if not rows:
            return
        dialect = connection.dialect
        if dialect.name == "postgresql":
            self._copy(connection, self._processed(connection, rows, constants))
            return
        params = self._processed(connection, rows, constants)
        names, params = self._without_nulls(params)
        sql, positional = self._statement(connection, names)
        if not positional:
            connection.exec_driver_sql(sql, [dict(zip(names, row, strict=True)) for row in params])
        else:
            connection.exec_driver_sql(sql, params)

    def _without_nulls(
        self, params: list[tuple[Any, ...]]
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """The column names and rows without the columns that are ``None`` in every row."""
        names = self.columns + self.constants
        columns = list(zip(*params, strict=True))
        keep = [
            index
            for index, (name, values) in enumerate(zip(names, columns, strict=True))
            if name not in self._omissible or values.count(None) != len(values)
        ]
        if len(keep) == len(names):
            return names, params
        kept = [columns[index] for index in keep]
        return tuple(names[index] for index in keep), list(zip(*kept, strict=True))

    def _copy(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL (psycopg 3): the rows through ``COPY``, in this connection's transaction."""
        preparer = connection.dialect.identifier_preparer
        table = preparer.format_table(self.table)
        columns = ", ".join(preparer.quote(name) for name in self.columns + self.constants)
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _processed(
        self, connection: Connection, rows: Sequence[tuple[Any, ...]], constants: tuple[Any, ...]
    ) -> list[tuple[Any, ...]]:
        """Rows with the dialect's bind processors applied, the constants appended."""
        dialect = connection.dialect
        processors = [
            (index, processor, processor(None))
            for index, name in enumerate(self.columns)
            if (processor := self.table.c[name].type._cached_bind_processor(dialect)) is not None
        ]
        fixed = tuple(
            processor(value) if processor is not None else value
            for name, value in zip(self.constants, constants, strict=True)
            for processor in (self.table.c[name].type._cached_bind_processor(dialect),)
        )
        params: list[tuple[Any, ...]] = []
        for row in rows:
            if processors:
                values = list(row)
                for index, processor, none in processors:
                    value = values[index]
                    values[index] = none if value is None else processor(value)
                row = tuple(values)
            params.append(row + fixed)
        return params
