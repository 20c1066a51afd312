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

from mediasync import Workspace
from mediasync._db.schema import ACTIVE_IDS_ON_SQLITE
from mediasync._sync.store import ItemStore


@contextmanager
def statements_by_hash(workspace: Workspace) -> Iterator[list[tuple[str, Any]]]:
    caught: list[tuple[str, Any]] = []
    engine = workspace.app.engine

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if re.search(r"\bsha256 IN \(", statement):
            caught.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield caught
    finally:
        event.remove(engine, "before_cursor_execute", note)


def plans(workspace: Workspace, caught: list[tuple[str, Any]]) -> list[str]:
    found = []
    with workspace.app.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        for statement, parameters in caught:
            rows = driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            found.append(" / ".join(row[-1] for row in rows if "media_items" in row[-1]))
    return found


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
        with statements_by_hash(workspace) as caught:
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
    folder = tmp_path / "pics"
    for n in range(50):
        write_jpeg(folder / f"{n % 5}" / f"IMG_{n}.jpg", 200, seed=n)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        (folder / "4" / "copy.jpg").write_bytes((folder / "1" / "IMG_1.jpg").read_bytes())
        os.unlink(folder / "1" / "IMG_1.jpg")  # after the copy: not an inode given again
        with statements_by_hash(workspace) as caught:
            report = workspace.sync("pics")
        assert report.run.counts.moved == 1
        found = plans(workspace, caught)
        assert found, "the sync looked up no twins"
        assert all("ix_media_items_sha256" in plan for plan in found), found


def test_active_items_are_counted_in_the_index_of_active_items(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    for n in range(30):
        write_jpeg(folder / f"IMG_{n}.jpg", 200, seed=n)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        (folder / "IMG_3.jpg").unlink()
        caught: list[tuple[str, Any]] = []

        def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "count(" in statement.lower() and "media_items" in statement:
                caught.append((statement, parameters))

        engine = workspace.app.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            report = workspace.sync("pics")
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert report.run.counts.removed == 1
        found = plans(workspace, caught)
        assert found, "nothing was counted"
        assert all("uq_media_items_active_external_id" in plan for plan in found), found
        with engine.connect() as connection:
            assert ItemStore(1).count_active(connection) == 29
        caught.clear()
        event.listen(engine, "before_cursor_execute", note)
        try:
            (info,) = workspace.sources()
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert (info.items_active, info.items_removed) == (29, 1)
        found = plans(workspace, caught)
        assert len(found) == 1, found  # one statement: one snapshot of both counts
        assert "TEMP B-TREE" not in found[0]
        every, active = found[0].split(" / ")
        assert "COVERING INDEX" in every
        assert "uq_media_items_active_external_id" in active


def test_the_sweep_of_a_full_scan_reads_the_index_of_active_items(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    for n in range(20):
        write_jpeg(folder / f"IMG_{n}.jpg", 200, seed=n)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.sync("pics")
        (folder / "IMG_7.jpg").unlink()
        workspace.sync("pics")
        engine = workspace.app.engine
        with engine.connect() as connection:
            ids = sorted(ItemStore(1).iter_active_ids(connection))
            driver = connection.connection.driver_connection
            assert driver is not None
            plan = driver.execute(f"EXPLAIN QUERY PLAN {ACTIVE_IDS_ON_SQLITE}", (1,)).fetchall()
        assert len(ids) == 19
        assert all(item.id in ids for item in workspace.items(source="pics"))
        assert "uq_media_items_active_external_id" in plan[-1][-1]
        assert "TEMP B-TREE" not in str(plan)
