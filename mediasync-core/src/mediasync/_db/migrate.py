"""Schema versions: check cheaply on every command, migrate with Alembic on request.

Checking reads the ``alembic_version`` table directly against ``KNOWN_REVISIONS`` so that
ordinary commands never import Alembic; a test keeps those constants equal to the scripts.
A fresh, empty database is created at the head on first use; a database that is behind is
left alone with a message to run ``mediasync db upgrade`` (several workers may share it, so
upgrading is an explicit act); one from a newer mediasync is refused, never downgraded.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from mediasync._errors import SchemaAhead, SchemaBehind

__all__ = ["HEAD", "KNOWN_REVISIONS", "current_revision", "ensure_schema", "upgrade"]

# Oldest first. Add each new migration's revision id here (tests/core/test_migrations.py checks).
KNOWN_REVISIONS: tuple[str, ...] = (
    "0001_initial",
    "0002_folders",
    "0003_media_metadata",
    "0004_media_facts",
    "0005_identified_at",
)
HEAD = KNOWN_REVISIONS[-1]


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "mediasync._db:migrations")
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Migrates to ``target``; returns (before, after). Refuses a database from a newer version."""
    from alembic import command

    with engine.begin() as connection:
        before = current_revision(connection)
        if before is not None and before not in KNOWN_REVISIONS:
            raise _ahead(before)
        command.upgrade(_alembic_config(connection), target)
        after = current_revision(connection)
    return before, after


def ensure_schema(engine: Engine) -> None:
    """Makes an empty database current; raises when an existing one is not at ``HEAD``."""
    with engine.connect() as connection:
        revision = current_revision(connection)
        empty = revision is None and not inspect(connection).get_table_names()
    if empty:
        upgrade(engine)
        return
    if revision == HEAD:
        return
    if revision is None:
        raise SchemaBehind(
            "the database has tables but no mediasync schema version; "
            "is it mediasync's? Point --db at an empty or mediasync database"
        )
    if revision not in KNOWN_REVISIONS:
        raise _ahead(revision)
    raise SchemaBehind(
        f"the database schema is at {revision}, this mediasync needs {HEAD}: "
        "run `mediasync db upgrade`"
    )


def _ahead(revision: str) -> SchemaAhead:
    return SchemaAhead(
        f"the database schema ({revision}) was written by a newer mediasync; "
        "refusing to use it (never downgraded): upgrade mediasync"
    )
