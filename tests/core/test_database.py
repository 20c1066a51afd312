from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from support import CliRun, json_output

from mediasync._db import migrate
from mediasync._db.engine import connect, redact_url
from mediasync._errors import DatabaseError, SchemaAhead, SchemaBehind

MIGRATIONS = Path(migrate.__file__).parent / "migrations" / "versions"
TABLES = {"sources", "media_items", "media_events", "sync_runs", "publications", "plugin_state"}


def test_known_revisions_match_the_migration_scripts() -> None:
    """KNOWN_REVISIONS lets commands check the schema without importing Alembic: keep it true."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "mediasync._db:migrations")
    scripts = ScriptDirectory.from_config(config)
    ordered = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(ordered) == migrate.KNOWN_REVISIONS
    assert scripts.get_current_head() == migrate.HEAD
    assert {p.stem for p in MIGRATIONS.glob("*.py")} == set(migrate.KNOWN_REVISIONS)


def test_fresh_database_is_created_on_first_use(database_url: str) -> None:
    engine = connect(database_url)
    try:
        migrate.ensure_schema(engine)
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) >= TABLES
            assert migrate.current_revision(connection) == migrate.HEAD
        migrate.ensure_schema(engine)  # idempotent
    finally:
        engine.dispose()


def test_schema_matches_the_models(database_url: str) -> None:
    """The migrations and schema.py must describe the same tables (autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mediasync._db.schema import metadata

    engine = connect(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert diff == []
    finally:
        engine.dispose()


def _set_revision(database_url: str, revision: str) -> None:
    engine = connect(database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def test_database_from_a_newer_mediasync_is_refused(database_url: str) -> None:
    _set_revision(database_url, "9999_from_the_future")
    engine = connect(database_url)
    try:
        with pytest.raises(SchemaAhead, match="newer mediasync"):
            migrate.ensure_schema(engine)
        with pytest.raises(SchemaAhead):
            migrate.upgrade(engine)
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == "9999_from_the_future"
    finally:
        engine.dispose()


def test_database_behind_asks_for_upgrade(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_revision(database_url, migrate.HEAD)
    monkeypatch.setattr(migrate, "KNOWN_REVISIONS", (*migrate.KNOWN_REVISIONS, "0002_next"))
    monkeypatch.setattr(migrate, "HEAD", "0002_next")
    engine = connect(database_url)
    try:
        with pytest.raises(SchemaBehind, match="run `mediasync db upgrade`"):
            migrate.ensure_schema(engine)
    finally:
        engine.dispose()


def test_unreachable_postgres_is_one_line_with_the_password_hidden() -> None:
    url = "postgresql://alice:hunter2@127.0.0.1:1/nowhere"
    with pytest.raises(DatabaseError) as info:
        connect(url)
    message = str(info.value)
    assert message.startswith("cannot connect to postgresql+psycopg://alice:***@127.0.0.1:1/")
    assert "hunter2" not in message
    assert "\n" not in message


def test_unparseable_url() -> None:
    with pytest.raises(DatabaseError, match="cannot parse the database URL"):
        connect("not a url")


def test_redact_url_hides_password() -> None:
    assert "s3cret" not in redact_url("postgresql://u:s3cret@h/db")


def test_db_commands(run: CliRun, database_url: str) -> None:
    current = json_output(run(["--db", database_url, "db", "current", "--json"]))
    assert current["state"] == "empty"
    upgraded = json_output(run(["--db", database_url, "db", "upgrade", "--json"]))
    assert (upgraded["from"], upgraded["to"]) == (None, migrate.HEAD)
    again = run(["--db", database_url, "db", "upgrade"])
    assert "already at" in again.stdout
    current = json_output(run(["--db", database_url, "db", "current", "--json"]))
    assert current["state"] == "current"
    assert current["revision"] == migrate.HEAD


def test_every_command_refuses_a_newer_database(run: CliRun, database_url: str) -> None:
    _set_revision(database_url, "9999_from_the_future")
    result = run(["--db", database_url, "sources", "list"])
    assert result.exit_code == 1
    assert re.match(
        r"error: the database schema \(9999_from_the_future\) was written by a newer", result.stderr
    )
    result = run(["--db", database_url, "db", "upgrade"])
    assert result.exit_code == 1
    assert json.loads(run(["--db", database_url, "db", "current", "--json"]).stdout)["state"] == (
        "ahead"
    )


def test_cli_unreachable_database_exit_1(run: CliRun) -> None:
    result = run(["--db", "postgresql://bob:pw123@127.0.0.1:1/x", "sources", "list"])
    assert result.exit_code == 1
    assert "pw123" not in result.output
    assert result.stderr.startswith("error: cannot connect to")


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_tables_not_ours_are_not_touched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    other = create_engine(url)
    with other.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER)"))
    other.dispose()
    engine = connect(url)
    try:
        with pytest.raises(SchemaBehind, match="no mediasync schema version"):
            migrate.ensure_schema(engine)
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"invoices"}
    finally:
        engine.dispose()
