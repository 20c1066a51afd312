"""New items go in through the driver; their ids come back right on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from indexing import Library, jpeg
from sqlalchemy import select

from mediasync import MediaEntry
from mediasync._db.schema import media_items
from mediasync._sync.store import ItemStore, entry_row

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def entry(name: str) -> MediaEntry:
    return MediaEntry(source_id=f"1:{name}", path=f"f/{name}", size=3, mtime=NOW)


def source_id(library: Library) -> int:
    with library.app.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT id FROM sources").scalar_one())


def test_inserted_ids_match_their_rows_and_values_round_trip(library: Library) -> None:
    store = ItemStore(source_id(library))
    rows = [entry_row(entry(name), None, f"1:{name}") for name in ("a", "b", "c")]
    with library.app.engine.begin() as connection:
        ids = store.insert_items(connection, rows, NOW)
    with library.app.engine.connect() as connection:
        stored = {
            row.id: row
            for row in connection.execute(select(media_items).where(media_items.c.id.in_(ids)))
        }
    assert [stored[i].external_id for i in ids] == ["1:a", "1:b", "1:c"]
    first = stored[ids[0]]
    assert (first.folder, first.name, first.active) == ("f", "a", True)
    assert first.first_seen_at.astimezone(UTC) == NOW


def test_sqlite_ids_fall_back_to_reading_them_back(library: Library) -> None:
    """If the rowids just taken were not the rows' own (they are, under SQLite's write lock),
    the ids are read back by identifier rather than guessed."""
    store = ItemStore(source_id(library))
    rows = [entry_row(entry(name), None, f"1:{name}") for name in ("x", "y")]
    with library.app.engine.begin() as connection:
        ids = store.insert_items(connection, rows, NOW)
        if connection.dialect.name == "sqlite":
            # The same rows in another order no longer match the last rowids: read back.
            assert store._consecutive_ids(connection, rows[::-1]) == ids[::-1]


def test_a_first_index_in_small_batches_stores_every_hash(library: Library) -> None:
    for i in range(30):
        jpeg(library.root / f"d{i % 3}" / f"{i}.jpg")
    assert library.sync(batch_size=7).run.counts.added == 30
    assert all(row.sha256 for row in library.items().values())
