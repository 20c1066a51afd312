"""``BulkInsert`` leaves out of the statement the columns that are ``None`` in every row, and
the rows read back exactly as given."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    select,
    text,
)

from mediasync._sync.bulk import BulkInsert

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("note", Text),
    Column("tag", Text, server_default=text("'untagged'")),
    Column("extra", JSON(none_as_null=True)),
    Column("batch", Integer),
)


def _insert(rows: list[tuple[Any, ...]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    bulk = BulkInsert(things, ("id", "name", "note", "tag", "extra"), ("batch",))
    with engine.begin() as connection:
        bulk.execute(connection, rows, (7,))
    with engine.connect() as connection:
        query = select(things).order_by(things.c.id)
        stored = [tuple(row) for row in connection.execute(query)]
    return [statement for statement in sent if statement.startswith("INSERT")], stored


def test_columns_none_in_every_row_are_left_out_and_read_back_as_null() -> None:
    rows = [(1, "a", None, None, None), (2, None, None, None, None)]
    sent, stored = _insert(rows)
    assert sent == ["INSERT INTO things (id, name, tag, batch) VALUES (?, ?, ?, ?)"]
    # ``tag`` has a server default: left out it would not be NULL, so it is always sent
    assert stored == [(1, "a", None, None, None, 7), (2, None, None, None, None, 7)]


def test_a_column_with_a_value_in_any_row_is_sent_for_every_row() -> None:
    rows = [(1, None, "n", "t", {"k": 1}), (2, "b", None, None, None)]
    sent, stored = _insert(rows)
    assert len(sent) == 1
    assert "note" in sent[0]
    assert "extra" in sent[0]
    assert stored == [(1, None, "n", "t", {"k": 1}, 7), (2, "b", None, None, None, 7)]


def test_nothing_left_out_when_every_column_has_a_value() -> None:
    rows = [(n, f"x{n}", "n", "t", [n]) for n in range(1, 4)]
    sent, stored = _insert(rows)
    assert sent[0].count("?") == 6
    assert stored == [(*row, 7) for row in rows]
