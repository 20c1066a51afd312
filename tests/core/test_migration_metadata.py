"""Migration 0003: items keep what earlier versions stored, now as metadata and copy times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from indexing import Library, jpeg
from sqlalchemy import text

from mediasync._app import App
from mediasync._config import load_config
from mediasync._db import migrate
from mediasync._db.engine import connect
from mediasync._plugins import load_plugins
from mediasync._workspace import Workspace

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_upgrade_keeps_origin_as_metadata_and_syncs_on(tmp_path: Path, database_url: str) -> None:
    root = tmp_path / "media"
    kept = jpeg(root / "a.jpg")
    engine = connect(database_url)
    try:
        migrate.upgrade(engine, "0002_folders")
        stat = kept.stat()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO sources (id, name, type, root, settings, enabled, created_at, "
                    "updated_at, consecutive_failures) VALUES (1, 'photos', 'local', :root, "
                    "'{}', true, :now, :now, 0)"
                ),
                {"root": str(root), "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO media_items (id, source_id, external_id, path, folder, name, "
                    "size, mtime_us, kind, active, first_seen_at, changed_at, origin, origin_id, "
                    "backfilled_at) VALUES (1, 1, :external_id, 'a.jpg', '', 'a.jpg', :size, "
                    ":mtime, 'image', true, :now, :now, :origin, '17', :now)"
                ),
                {
                    "external_id": f"{stat.st_dev}:{stat.st_ino}",
                    "size": stat.st_size,
                    "mtime": stat.st_mtime_ns // 1000,
                    "origin": '{"id": "17", "caption": "at the beach"}',
                    "now": NOW,
                },
            )
        before, after = migrate.upgrade(engine)
        assert (before, after) == ("0002_folders", migrate.HEAD)
        with engine.begin() as connection:
            # Sizes may be unknown now (a feed's media before download).
            connection.execute(
                text(
                    "INSERT INTO media_items (id, source_id, external_id, path, folder, name, "
                    "mtime_us, kind, active, first_seen_at, changed_at) VALUES (2, 1, 'x', "
                    "'gone.jpg', '', 'gone.jpg', 0, 'image', false, :now, :now)"
                ),
                {"now": NOW},
            )
    finally:
        engine.dispose()

    with Workspace.open(database_url=database_url) as workspace:
        item = workspace.item(1)
        assert item.metadata == {"id": "17", "caption": "at the beach"}
        assert item.provenance is None
        assert item.revision is None, "a local folder says nothing beside the file"

    app = App(load_config(overrides={"database_url": database_url}), load_plugins())
    try:
        library = Library(root, app)
        report = library.sync()
        assert report.run.counts.changes == 0
        assert report.run.counts.metadata == 0
    finally:
        app.close()
    with Workspace.open(database_url=database_url) as workspace:
        assert workspace.item(1).metadata["caption"] == "at the beach", "a re-sync keeps it"
