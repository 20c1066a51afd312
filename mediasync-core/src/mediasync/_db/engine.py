"""Engines for the index: SQLite tuned for one writer and many readers, PostgreSQL via psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from mediasync._errors import DatabaseError

__all__ = ["connect", "redact_url"]


def redact_url(url: str | URL) -> str:
    """The URL with its password hidden, safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _normalise(url: URL) -> URL:
    if url.drivername in {"postgresql", "postgres"}:
        return url.set(drivername="postgresql+psycopg")
    return url


WAL_CHECKPOINT_PAGES = 10_000
"""Pages the write-ahead log may hold before a commit copies them into the database (SQLite's
default is 1,000). A first index of 100k files commits a 2,000-row batch at a time, and each
batch's index pages went past 1,000: every commit checkpointed, writing the same pages again
and syncing the file (measured, 7 interleaved rounds of 100k tiny files: 0.4-1.6 s less
each, of 12.7-14.9 s). 10,000
pages is 40 MB of log at most between checkpoints; ``journal_size_limit`` gives the space
back after one."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
    cursor.close()


def _sqlite_folder(url: URL, shown: str, create: bool) -> None:
    """SQLite makes the file but not its folder.

    A folder the user named that is missing is most likely a typo, or a disk that is not
    mounted: creating it would hide the mistake behind an empty index, so it is refused. Only
    mediasync's own data folder (``create``) is made.
    """
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return
    folder = Path(url.database).absolute().parent
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create {folder} for {shown}: {exc.strerror}") from None
    elif not folder.exists():
        raise DatabaseError(f"cannot open {shown}: folder {folder} does not exist")
    elif not folder.is_dir():
        raise DatabaseError(f"cannot open {shown}: {folder} is not a folder")


def connect(database_url: str, create_folder: bool = False) -> Engine:
    """Creates the engine and proves it can connect, or raises one readable ``DatabaseError``.

    ``create_folder``: make a SQLite file's missing folder (only for mediasync's own data dir).
    """
    try:
        url = _normalise(make_url(database_url))
    except ArgumentError:
        raise DatabaseError(
            "cannot parse the database URL (expected e.g. sqlite:///path/index.db or "
            "postgresql://user@host/db)"
        ) from None
    shown = redact_url(url)
    options: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        _sqlite_folder(url, shown, create_folder)
    else:
        from mediasync._db.schema import add_postgresql_options

        add_postgresql_options()
        options.update(pool_pre_ping=True, connect_args={"connect_timeout": 10})
    try:
        engine = create_engine(url, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = " (pip install 'mediasync-core[postgres]')" if "postgres" in url.drivername else ""
        raise DatabaseError(f"no driver for {shown}: {exc}{hint}") from None
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseError(f"cannot connect to {shown}: {reason}") from None
    return engine
