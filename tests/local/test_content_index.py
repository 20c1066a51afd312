"""A first index into an empty SQLite index builds the content index once, at the end.

Each case runs real syncs and catches the statements they send: the index is dropped before
the first item is written and created again after the last, only when the table was empty,
and it is back however the run ends, or at the next run when the one that left it out died.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from media_factory import write_jpeg
from sqlalchemy import Engine, event, select, text, update

from mediasync import SyncProgress, Workspace
from mediasync._db.schema import sources
from mediasync._db.sources import utcnow
from mediasync._db.state import get_state
from mediasync._sync.content_index import CONTENT_INDEX, _defer, restore_abandoned
from mediasync._sync.lease import Lease

INDEX = str(CONTENT_INDEX.name)
NOTE = ("mediasync", "schema", "content_index_deferred")


@contextmanager
def statements(workspace: Workspace) -> Iterator[list[str]]:
    caught: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        caught.append(" ".join(statement.split()))

    engine = workspace.app.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield caught
    finally:
        event.remove(engine, "before_cursor_execute", note)


def index_exists(engine: Engine) -> bool:
    with engine.connect() as connection:
        query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
        return connection.execute(query, {"name": INDEX}).first() is not None


def note(engine: Engine) -> Any:
    with engine.connect() as connection:
        return get_state(connection, *NOTE)


def positions(caught: list[str], pattern: str) -> list[int]:
    return [n for n, statement in enumerate(caught) if re.search(pattern, statement)]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    for name in ("pics", "more"):
        for n in range(30):
            write_jpeg(tmp_path / name / f"{n // 10}" / f"IMG_{n}.jpg", 300, seed=f"{name}-{n}")
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as opened:
        for name in ("pics", "more"):
            opened.add_source(name, "local", root=str(tmp_path / name), settings={})
        yield opened


def test_a_first_index_writes_its_items_without_the_content_index_then_builds_it(
    workspace: Workspace,
) -> None:
    engine = workspace.app.engine
    with statements(workspace) as caught:
        report = workspace.sync("pics", list_changes=100)
    assert report.run.counts.added == 30
    dropped = positions(caught, rf"^DROP INDEX (IF EXISTS )?{INDEX}")
    created = positions(caught, rf"^CREATE INDEX (IF NOT EXISTS )?{INDEX}")
    inserts = positions(caught, r"^INSERT INTO media_items")
    assert len(dropped) == len(created) == 1
    assert inserts
    assert dropped[0] < min(inserts) <= max(inserts) < created[0]
    assert index_exists(engine)
    assert note(engine) is None
    with engine.connect() as connection:  # the index it built is the one lookups use
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM media_items WHERE sha256 = 'x'")
        ).fetchall()
    assert INDEX in " ".join(str(row[-1]) for row in plan)


def test_an_index_holding_items_keeps_the_content_index_through_every_sync(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.sync("pics")
    write_jpeg(tmp_path / "pics" / "new.jpg", 300, seed="new")
    with statements(workspace) as caught:
        assert workspace.sync("more").run.counts.added == 30  # another source's first index
        assert workspace.sync("pics").run.counts.added == 1
    assert not positions(caught, rf"(DROP|CREATE) INDEX .*{INDEX}")
    assert index_exists(workspace.app.engine)


def test_a_dry_run_never_drops_it(workspace: Workspace) -> None:
    with statements(workspace) as caught:
        assert workspace.sync("pics", dry_run=True).run.counts.added == 30
    assert not positions(caught, rf"DROP INDEX .*{INDEX}")
    assert index_exists(workspace.app.engine)


def test_a_run_stopped_half_way_builds_it_again(workspace: Workspace) -> None:
    def interrupt(progress: SyncProgress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        workspace.sync("pics", on_progress=interrupt)
    engine = workspace.app.engine
    assert index_exists(engine)
    assert note(engine) is None


def _dead_owner() -> str:
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def _left_out_by(engine: Engine, owner: str) -> None:
    """The state a run killed after leaving the index out leaves: its lease, its note."""
    with engine.begin() as connection:
        source_id = connection.execute(select(sources.c.id).where(sources.c.name == "pics"))
        pics = source_id.scalar_one()
        expires = utcnow() + timedelta(minutes=2)
        connection.execute(
            update(sources)
            .where(sources.c.id == pics)
            .values(lease_owner=owner, lease_expires_at=expires)
        )
    assert _defer(engine, Lease(pics, owner, timedelta(minutes=2), expires))
    assert not index_exists(engine)
    assert note(engine) == {"source_id": pics, "owner": owner}


def test_a_killed_runs_missing_index_is_built_by_the_next_run_of_any_source(
    workspace: Workspace,
) -> None:
    engine = workspace.app.engine
    _left_out_by(engine, _dead_owner())
    with statements(workspace) as caught:
        assert workspace.sync("more").run.counts.added == 30
    # built at once, then left out again: the table is still empty when this run starts
    created = positions(caught, rf"^CREATE INDEX (IF NOT EXISTS )?{INDEX}")
    dropped = positions(caught, rf"^DROP INDEX (IF EXISTS )?{INDEX}")
    inserts = positions(caught, r"^INSERT INTO media_items")
    assert len(created) == 2
    assert len(dropped) == 1
    assert created[0] < dropped[0] < min(inserts) <= max(inserts) < created[1]
    assert index_exists(engine)
    assert note(engine) is None


def test_an_index_left_out_by_a_live_run_is_left_to_it(workspace: Workspace) -> None:
    engine = workspace.app.engine
    _left_out_by(engine, f"{socket.gethostname()}:1")  # pid 1 lives; not ours to judge dead
    assert not restore_abandoned(engine)
    assert not index_exists(engine)
    # its lease expires: the holder is gone, whatever the process
    with engine.begin() as connection:
        connection.execute(update(sources).values(lease_expires_at=utcnow()))
    assert restore_abandoned(engine)
    assert index_exists(engine)
    assert note(engine) is None
