"""On SQLite, the index of items by content is built once after a first index, not row by row.

``ix_media_items_sha256`` is keyed by a hash: each new item lands on a random page of it, so
every transaction dirties most of its pages and SQLite writes them all to the WAL, then again
to the database at each checkpoint; past a few thousand items that is a page written per row.
A first index of 100k tiny files spent 2.6 s of its 6 s of inserting on this one index, the
other eight together 0.6 s; built afterwards from the table it takes 0.3 s.

It is left out only while the whole table is empty when the run starts (a new index: its
first sync): nobody can be looking up content then, and the run itself never does (it pairs
files by content only with items the source had before it). A sync of another source started
meanwhile works without it, only slower. The run builds it again however it ends; a run that
is killed leaves a note (``plugin_state``) naming its lease, and the next run of any source
builds the index once that lease is no longer held.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Index, select, text
from sqlalchemy.schema import CreateIndex, DropIndex

from mediasync._db.schema import media_items, sources
from mediasync._db.sources import as_utc, utcnow
from mediasync._db.state import get_state, set_state
from mediasync._sync.lease import Lease, is_held

__all__ = ["CONTENT_INDEX", "ContentIndexDeferral", "content_index_deferral", "restore_abandoned"]

CONTENT_INDEX: Index = next(i for i in media_items.indexes if i.name == "ix_media_items_sha256")
_NOTE = ("mediasync", "schema", "content_index_deferred")


class ContentIndexDeferral:
    """One run's say over the content index: asked once, before the run's first new item is
    written (a run that adds nothing never looks at the table), and closed when the run ends."""

    def __init__(self, engine: Engine, lease: Lease) -> None:
        self.engine, self.lease = engine, lease
        self.deferred = False
        self._asked = False

    def before_first_insert(self) -> None:
        if not self._asked:
            self._asked = True
            self.deferred = _defer(self.engine, self.lease)

    def close(self) -> None:
        """Builds the index again if this run left it out."""
        if self.deferred:
            _restore(self.engine)
            self.deferred = False


@contextmanager
def content_index_deferral(
    engine: Engine, lease: Lease, *, writes: bool = True
) -> Iterator[ContentIndexDeferral | None]:
    """A run's ``ContentIndexDeferral``, closed however the run ends; an index a killed run
    left out is built first. ``None`` but on SQLite, and for a run that ``writes`` nothing (a
    dry run leaves the database as it found it)."""
    if not writes or engine.dialect.name != "sqlite":
        yield None
        return
    restore_abandoned(engine)
    deferral = ContentIndexDeferral(engine, lease)
    try:
        yield deferral
    finally:
        deferral.close()


def _exists(connection: Connection) -> bool:
    query = text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name")
    return connection.execute(query, {"name": CONTENT_INDEX.name}).first() is not None


def _empty(connection: Connection) -> bool:
    return connection.execute(select(media_items.c.id).limit(1)).first() is None


def _defer(engine: Engine, lease: Lease) -> bool:
    """Drops the index and notes who did, in one transaction, if no item exists at all.

    The note is written first: its insert takes the write lock, so no item can be added
    between the check and the drop, and it opens the transaction the drop then joins (see
    ``_restore``). A table holding items is seen without taking that lock.
    """
    with engine.connect() as connection:
        if not _empty(connection):
            return False
        connection.rollback()  # the read's own transaction, before the writing one
        transaction = connection.begin()
        set_state(connection, *_NOTE, {"source_id": lease.source_id, "owner": lease.owner})
        if not (_empty(connection) and _exists(connection)):
            transaction.rollback()
            return False
        connection.execute(DropIndex(CONTENT_INDEX, if_exists=True))
        transaction.commit()
    return True


def _restore(engine: Engine) -> None:
    """Builds the index and deletes the note in one transaction.

    The note goes first: Python's ``sqlite3`` opens a transaction before a data statement but
    runs a ``CREATE INDEX`` that comes first on its own, committed at once, which a kill before
    the commit left as an index with its note still standing (the kill proof found it).
    """
    with engine.begin() as connection:
        set_state(connection, *_NOTE, None)
        connection.execute(CreateIndex(CONTENT_INDEX, if_not_exists=True))


def restore_abandoned(engine: Engine) -> bool:
    """Builds the index again if it is missing and whoever left it out no longer holds its
    lease (a killed run); returns whether it did."""
    with engine.connect() as connection:
        if _exists(connection):
            return False
        note = get_state(connection, *_NOTE)
        if isinstance(note, dict) and _still_held(connection, note):
            return False
    _restore(engine)
    return True


def _still_held(connection: Connection, note: dict[str, object]) -> bool:
    row = connection.execute(
        select(sources.c.lease_owner, sources.c.lease_expires_at).where(
            sources.c.id == note.get("source_id")
        )
    ).first()
    if row is None or row.lease_owner != note.get("owner"):
        return False
    return is_held(row.lease_owner, as_utc(row.lease_expires_at), utcnow())
