"""Migration 0002: an index written before folders existed is upgraded in place, and syncs on."""

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

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_upgrade_fills_folders_and_the_next_sync_is_exact(
    tmp_path: Path, database_url: str
) -> None:
    root = tmp_path / "media"
    kept = jpeg(root / "trip" / "day 1" / "a.jpg")
    jpeg(root / "top.jpg")
    engine = connect(database_url)
    try:
        migrate.upgrade(engine, "0001_initial")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO sources (id, name, type, root, settings, enabled, created_at, "
                    "updated_at, consecutive_failures) VALUES (1, 'photos', 'local', :root, "
                    "'{}', true, :now, :now, 0)"
                ),
                {"root": str(root), "now": NOW},
            )
            stat = kept.stat()
            for item_id, path, external_id, active in (
                (1, "trip/day 1/a.jpg", f"{stat.st_dev}:{stat.st_ino}", True),
                (2, "top.jpg", "0:1", True),  # its inode differs now: confirmed by hash
                (3, "gone/old.jpg", "0:2", False),
            ):
                connection.execute(
                    text(
                        "INSERT INTO media_items (id, source_id, external_id, path, name, size, "
                        "mtime_us, kind, active, first_seen_at, changed_at) VALUES (:id, 1, "
                        ":external_id, :path, :name, 1, 0, 'image', :active, :now, :now)"
                    ),
                    {
                        "id": item_id,
                        "external_id": external_id,
                        "path": path,
                        "name": path.rsplit("/", 1)[-1],
                        "active": active,
                        "now": NOW,
                    },
                )
        before, after = migrate.upgrade(engine)
        assert (before, after) == ("0001_initial", migrate.HEAD)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT path, folder FROM media_items"))
            folders = {row.path: row.folder for row in rows}
            rows = connection.execute(text("SELECT folder, fingerprint FROM source_folders"))
            fingerprints = {row.folder: row.fingerprint for row in rows}
        assert folders == {"trip/day 1/a.jpg": "trip/day 1", "top.jpg": "", "gone/old.jpg": "gone"}
        assert fingerprints == {"trip/day 1": None, "": None}, "active items' folders only"
    finally:
        engine.dispose()

    app = App(load_config(overrides={"database_url": database_url}), load_plugins())
    try:
        library = Library(root, app)
        report = library.sync()
        assert report.run.counts.removed == 0
        assert set(library.items()) == {"trip/day 1/a.jpg", "top.jpg"}
        assert library.sync().run.counts.changes == 0
    finally:
        app.close()
