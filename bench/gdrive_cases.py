"""The Drive bench's plumbing and scenarios: an app on a temporary SQLite index, syncs counted
at the fake, and the changes each case makes (see ``gdrive_bench``)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import attrs

SETTINGS = {"retry_initial_wait": "0.001", "retry_max_wait": "0.01", "timeout": "30"}


@attrs.frozen
class Synced:
    calls: int
    seconds: float
    counts: Any
    by_endpoint: dict[str, int]


def open_app(workdir: Path) -> Any:
    os.environ["XDG_DATA_HOME"] = str(workdir / "data")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    from mediasync._app import App
    from mediasync._config import load_config
    from mediasync._plugins import load_plugins

    url = f"sqlite:///{workdir / 'index.db'}"
    return App(load_config(overrides={"database_url": url}), load_plugins())


def add_source(app: Any, name: str, root: str, key: dict[str, Any], endpoint: str) -> None:
    from mediasync import Workspace

    settings = {"credentials": json.dumps(key), "api_endpoint": endpoint, **SETTINGS}
    Workspace(app).add_source(name, "gdrive", root=root, settings=settings)


def sync(app: Any, drive: Any, name: str, *, allow_mass_removal: bool = True) -> Synced:
    """One sync of ``name``, its Drive API calls counted at the fake (token endpoint not)."""
    from mediasync._sync.index import SyncOptions
    from mediasync._sync.runner import sync_source

    drive.reset_counts()
    options = SyncOptions(allow_mass_removal=allow_mass_removal)
    report = sync_source(app, name, options=options)
    if report.run.status.value != "ok":
        raise SystemExit(f"sync of {name} failed: {report.run.error}")
    calls = {k: v for k, v in drive.calls.items() if k != "token"}
    return Synced(drive.api_calls(), report.duration, report.run.counts, calls)


def index(app: Any, name: str) -> set[tuple[str, str]]:
    """(Drive id, path) of the source's active items."""
    from sqlalchemy import select

    from mediasync._db.schema import media_items, sources

    query = (
        select(media_items.c.external_id, media_items.c.path)
        .join(sources, sources.c.id == media_items.c.source_id)
        .where(sources.c.name == name, media_items.c.active.is_(True))
    )
    with app.engine.connect() as connection:
        return {(row.external_id, row.path) for row in connection.execute(query)}


def listing(drive: Any, root: str, key: dict[str, Any]) -> set[tuple[str, str]]:
    """What a full listing of the tree gives now, for the paths check (not counted)."""
    from mediasync import Secret
    from mediasync_gdrive import GDriveSettings, GDriveSource

    settings = GDriveSettings(
        credentials=Secret(json.dumps(key)), api_endpoint=drive.api_endpoint, timeout=30.0
    )
    with GDriveSource("check", root, settings) as source:
        return {(entry.source_id, entry.path) for entry in source.list_entries()}


def chain(drive: Any, root: str, levels: int, files_per_level: int) -> tuple[int, int]:
    """A chain of ``levels`` nested folders, each with some files: (folders, files)."""
    from fakes.drive import FOLDER, sample_bytes

    parent = root
    with drive.store.lock:
        for level in range(levels):
            parent = drive.store.add(f"level {level:02}", parent, FOLDER, log=False).id
            for number in range(files_per_level):
                data = sample_bytes(level * 1000 + number)
                drive.store.add(f"{number:04}.jpg", parent, "image/jpeg", data=data, log=False)
    return levels, levels * files_per_level


def album(drive: Any, root: str, files: int) -> str:
    """A folder of ``files`` photos in four sub-folders (the folder cases move it)."""
    from fakes.drive import FOLDER, sample_bytes

    with drive.store.lock:
        top: str = drive.store.add("Big album", root, FOLDER, log=False).id
        parts = [drive.store.add(f"part {n}", top, FOLDER, log=False).id for n in range(4)]
        for number in range(files):
            data = sample_bytes(900_000 + number)
            parent = parts[number % 4]
            drive.store.add(f"DSC_{number:05}.jpg", parent, "image/jpeg", data=data, log=False)
    return top


def file_changes(drive: Any, tree: Any, count: int, seed: int) -> dict[str, int]:
    """``count`` changes of six kinds on distinct random files: renamed, moved within the
    tree, trashed, deleted, edited, added (a sixth each)."""
    rng = random.Random(seed)
    sixth = count // 6
    picked = rng.sample(tree.files, 5 * sixth)
    kinds = ("renamed", "moved", "trashed", "deleted", "edited")
    groups = {kind: picked[n * sixth : (n + 1) * sixth] for n, kind in enumerate(kinds)}
    for number, file_id in enumerate(groups["renamed"]):
        drive.rename(file_id, f"renamed {number:05}.jpg")
    for file_id in groups["moved"]:
        drive.move(file_id, rng.choice(tree.folders))
    for file_id in groups["trashed"]:
        drive.trash(file_id)
    for file_id in groups["deleted"]:
        drive.delete(file_id)
    for file_id in groups["edited"]:
        drive.write(file_id, b"\xff\xd8edited " + file_id.encode())
    added = count - 5 * sixth
    for number in range(added):
        drive.add_file(f"new {number:05}.jpg", under=rng.choice(tree.folders))
    return {**{kind: len(ids) for kind, ids in groups.items()}, "added": added}
