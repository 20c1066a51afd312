"""Test helpers for sync tests: a folder indexed as the local source ``photos``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import select

from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import media_events, media_items
from mediasync._db.sources import add_source
from mediasync._plugins import load_plugins
from mediasync._sync.index import SyncOptions
from mediasync._sync.runner import SyncReport, sync_source

JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def jpeg(path: Path, size: int = 2048, seed: int | None = None) -> Path:
    """Writes a small file that starts like a JPEG; random (or seeded) bytes after the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (
        os.urandom(max(0, size - len(JPEG_HEADER)))
        if seed is None
        else (bytes([seed % 256]) * max(0, size - len(JPEG_HEADER)))
    )
    path.write_bytes(JPEG_HEADER + body)
    return path


def refuse_hashing(library: Library, monkeypatch: Any, path: str) -> None:
    """Makes the local source's hashing fail for ``path`` as an unreadable file would."""
    source_type = library.app.plugins.source_type("local")
    real_hash_content = source_type.hash_content

    def hash_content(self: Any, entry: Any) -> Any:
        if entry.path == path:
            raise PermissionError(13, "Permission denied")
        return real_hash_content(self, entry)

    monkeypatch.setattr(source_type, "hash_content", hash_content)


def counts(report: SyncReport) -> dict[str, int]:
    """The run's non-zero change counts."""
    values = attrs.asdict(report.run.counts)
    return {k: v for k, v in values.items() if v and k != "unchanged"}


@attrs.define
class Library:
    root: Path
    app: App
    name: str = "photos"

    def sync(self, **options: Any) -> SyncReport:
        extra = {k: options.pop(k) for k in ("wait", "accept_root_change") if k in options}
        return sync_source(self.app, self.name, options=SyncOptions(**options), **extra)

    def items(self, active: bool | None = True) -> dict[str, Any]:
        """path → row of this source's items (active only by default)."""
        query = select(media_items)
        if active is not None:
            query = query.where(media_items.c.active.is_(active))
        with self.app.engine.connect() as connection:
            return {row.path: row for row in connection.execute(query)}

    def history(self, item_id: int) -> list[tuple[str, str | None, str | None]]:
        query = (
            select(media_events.c.kind, media_events.c.old_path, media_events.c.new_path)
            .where(media_events.c.item_id == item_id)
            .order_by(media_events.c.id)
        )
        with self.app.engine.connect() as connection:
            return [(row.kind, row.old_path, row.new_path) for row in connection.execute(query)]


@contextmanager
def open_library(
    tmp_path: Path,
    database_url: str,
    *,
    source_type: str = "local",
    builtins: list[tuple[str, object]] | None = None,
) -> Iterator[Library]:
    """A folder ``media`` indexed as source ``photos`` of ``source_type`` (``builtins`` adds
    in-process plugins, such as the relabelled source of ``relabelled``)."""
    root = tmp_path / "media"
    root.mkdir()
    app = App(
        load_config(overrides={"database_url": database_url}), load_plugins(builtins=builtins)
    )
    with app.engine.begin() as connection:
        add_source(connection, name="photos", type=source_type, root=str(root), settings={})
    yield Library(root, app)
    app.close()
