"""Items are looked up by hash, and counted, through the right index on SQLite, not by walking
a whole source.

SQLite keeps no statistics here, and for ``source_id = ? AND sha256 IN (...)`` it took an index
led by ``source_id``: every item of the source read to find a few content twins, on each
re-sync that pairs new files with vanished ones, and for ``duplicates --source``. Each case runs
the real code, catches the statements it sends, and asks SQLite for their plans.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from media_factory import write_jpeg
from sqlalchemy import event

from mediasync import SyncReport, Workspace
from mediasync._db.schema import ACTIVE_IDS_ON_SQLITE
from mediasync._db.sources import as_utc
from mediasync._sync.store import ItemStore


@contextmanager
def statements(workspace: Workspace, pattern: str) -> Iterator[list[tuple[str, Any]]]:
    """The statements sent meanwhile that match ``pattern``, with their parameters."""
    caught: list[tuple[str, Any]] = []
    engine = workspace.app.engine

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if re.search(pattern, statement, re.IGNORECASE):
            caught.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield caught
    finally:
        event.remove(engine, "before_cursor_execute", note)


BY_HASH = r"\bsha256 IN \("
COUNTS = r"count\(.*media_items"


@contextmanager
def one_removed(tmp_path: Path, files: int) -> Iterator[Workspace]:
    """A source of ``files`` photos, indexed, then one of them deleted (not synced yet)."""
    folder = tmp_path / "pics"
    for n in range(files):
        write_jpeg(folder / f"IMG_{n}.jpg", 200, seed=n)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        (folder / "IMG_3.jpg").unlink()
        yield workspace


@contextmanager
def indexed(tmp_path: Path, files: int, folders: int) -> Iterator[tuple[Workspace, Path]]:
    """A source of ``files`` photos spread over ``folders`` folders, indexed once."""
    folder = tmp_path / "pics"
    for n in range(files):
        write_jpeg(folder / f"{n % folders}" / f"IMG_{n}.jpg", 200, seed=n)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        yield workspace, folder


def plans(workspace: Workspace, caught: list[tuple[str, Any]]) -> list[str]:
    found = []
    with workspace.app.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        for statement, parameters in caught:
            rows = driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            found.append(" / ".join(row[-1] for row in rows if "media_items" in row[-1]))
    return found


def sync_and_plans(workspace: Workspace, pattern: str) -> tuple[SyncReport, list[str]]:
    """Syncs the source; the plans of the statements it sent that match ``pattern``."""
    with statements(workspace, pattern) as caught:
        report = workspace.sync("pics")
    return report, plans(workspace, caught)


def test_content_twins_and_duplicates_are_read_through_the_hash_index(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    for n in range(300):
        write_jpeg(folder / f"{n % 10}" / f"IMG_{n}.jpg", 200, seed=n)
    write_jpeg(folder / "again" / "IMG_0.jpg", 200, seed=0)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        hashes = [item.sha256 or "" for item in workspace.items(source="pics", limit=5)]
        with statements(workspace, BY_HASH) as caught:
            with workspace.app.engine.connect() as connection:
                twins = ItemStore(1).active_by_content(connection, hashes)
            groups = list(workspace.duplicates(["pics"]))
        assert len(twins) == 5
        assert [len(group.items) for group in groups] == [2]
        found = plans(workspace, caught)
        assert len(found) == 2
        for plan in found:
            assert "USING COVERING INDEX ix_media_items_sha256" in plan or (
                "USING INDEX ix_media_items_sha256" in plan
            ), plan


def test_a_churned_resync_pairs_through_the_hash_index(tmp_path: Path) -> None:
    """The sync's own lookup of twins, for a file copied elsewhere and its original deleted."""
    with indexed(tmp_path, 50, 5) as (workspace, folder):
        (folder / "4" / "copy.jpg").write_bytes((folder / "1" / "IMG_1.jpg").read_bytes())
        os.unlink(folder / "1" / "IMG_1.jpg")  # after the copy: not an inode given again
        report, found = sync_and_plans(workspace, BY_HASH)
        assert report.run.counts.moved == 1
        assert found, "the sync looked up no twins"
        assert all("ix_media_items_sha256" in plan for plan in found), found


def test_active_items_are_counted_in_the_index_of_active_items(tmp_path: Path) -> None:
    with one_removed(tmp_path, 30) as workspace:
        report, found = sync_and_plans(workspace, COUNTS)
        assert report.run.counts.removed == 1
        assert found, "nothing was counted"
        assert all("uq_media_items_active_external_id" in plan for plan in found), found
        with workspace.app.engine.connect() as connection:
            assert ItemStore(1).count_active(connection) == 29
        with statements(workspace, COUNTS) as caught:
            (info,) = workspace.sources()
        assert (info.items_active, info.items_removed) == (29, 1)
        found = plans(workspace, caught)
        assert len(found) == 1, found  # one statement: one snapshot of both counts
        assert "TEMP B-TREE" not in found[0]
        every, active = found[0].split(" / ")
        assert "COVERING INDEX" in every
        assert "uq_media_items_active_external_id" in active


def test_the_sweep_of_a_full_scan_reads_the_index_of_active_items(tmp_path: Path) -> None:
    with one_removed(tmp_path, 20) as workspace:
        workspace.sync("pics")
        with workspace.app.engine.connect() as connection:
            ids = sorted(ItemStore(1).iter_active_ids(connection))
            driver = connection.connection.driver_connection
            assert driver is not None
            plan = driver.execute(f"EXPLAIN QUERY PLAN {ACTIVE_IDS_ON_SQLITE}", (1,)).fetchall()
        assert len(ids) == 19
        assert all(item.id in ids for item in workspace.items(source="pics"))
        assert "uq_media_items_active_external_id" in plan[-1][-1]
        assert "TEMP B-TREE" not in str(plan)


def test_a_batch_is_looked_up_by_path_and_identifier_in_one_indexed_statement_each(
    tmp_path: Path,
) -> None:
    """2,000 keys, one statement each (not three of 900 bound parameters), index searches, and
    the rows read back as the items they are, a removed one too."""
    with indexed(tmp_path, 2_000, 20) as (workspace, folder):
        (folder / "3" / "IMG_3.jpg").unlink()
        workspace.sync("pics")
        items = {item.path: item for item in workspace.items(source="pics", active=None)}
        paths = sorted(items)
        assert len(paths) == 2_000
        with (
            statements(workspace, r"json_each") as caught,
            workspace.app.engine.connect() as connection,
        ):
            by_path = ItemStore(1).rows_at_paths(connection, [*paths, "nowhere.jpg"])
            by_id = ItemStore(1).rows_by_external_id(
                connection, [row.external_id for rows in by_path.values() for row in rows]
            )
        assert len(caught) == 2
        found = plans(workspace, caught)
        assert "USING INDEX ix_media_items_source_path (source_id=? AND path=?)" in found[0]
        assert "USING INDEX ix_media_items_source_external_id" in found[1]
        assert sorted(by_path) == paths
        removed = by_path["3/IMG_3.jpg"][0]
        assert removed.active is False
        assert as_utc(removed.changed_at) == items["3/IMG_3.jpg"].changed_at
        for path, (row,) in by_path.items():
            assert (row.id, row.sha256, row.size) == (
                items[path].id,
                items[path].sha256,
                items[path].size,
            )
            assert by_id[row.external_id] == row
