"""Several real ``mediasync run`` processes on one PostgreSQL, one of them killed with SIGKILL.

Forty small local sources due every three seconds, three workers, about 25 seconds: every source
is synced on schedule, never by two workers at once, the dead worker's source is taken over once
its lease lapses (and not before), the survivors exit 0 on SIGTERM, and the index ends with every
file exactly once. ``bench/worker_scale.py`` is the same scene at the issue's size, with numbers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import attrs
import pytest
from indexing import jpeg
from sqlalchemy import Engine, func, select

from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import media_events, media_items, sources, sync_runs
from mediasync._db.sources import add_source, as_utc, utcnow
from mediasync._plugins import load_plugins

WORKERS = 3
SOURCES = 40
FILES = 30
INTERVAL = 3
LEASE_SECONDS = 5
KILL_AFTER = 10.0  # seconds after the workers started
STOP_AFTER = 24.0
SLACK = timedelta(seconds=4)
"""How late a start may be on a busy two-core CI machine: the other xdist worker runs tests
that fork processes of their own meanwhile; one start came 3.006 s late there (2026-12-03)."""
LATEST_NEXT_DUE = timedelta(seconds=INTERVAL * 1.1 + 0.01)  # the interval, +10% jitter

Processes = dict[str, subprocess.Popen[bytes]]


@attrs.frozen(slots=True)
class Run:
    id: int
    source_id: int
    worker: str
    status: str
    due_at: datetime | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None


@attrs.frozen(slots=True)
class Kill:
    worker: str
    at: datetime
    leases: dict[int, datetime]  # source id → when its lease lapses


def make_sources(app: App, media: Path) -> dict[int, Path]:
    folders = {}
    with app.engine.begin() as connection:
        for i in range(SOURCES):
            folder = media / f"s{i:02d}"
            for j in range(FILES):
                jpeg(folder / f"{j:02d}.jpg", size=512)
            record = add_source(
                connection,
                name=folder.name,
                type="local",
                root=str(folder),
                settings={},
                interval_seconds=INTERVAL,
            )
            folders[record.id] = folder
    return folders


def start_workers(database_url: str, logs: Path) -> Processes:
    env = {
        **os.environ,
        "MEDIASYNC_DATABASE_URL": database_url,
        "MEDIASYNC_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    processes = {}
    for n in range(1, WORKERS + 1):
        worker = f"w{n}"
        with (logs / f"{worker}.log").open("wb") as log:
            processes[worker] = subprocess.Popen(
                [sys.executable, "-m", "mediasync", "run", "--worker-id", worker],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    return processes


def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def every_source_synced(engine: Engine) -> bool:
    with engine.connect() as connection:
        synced = connection.execute(
            select(func.count(func.distinct(sync_runs.c.source_id))).where(
                sync_runs.c.status == "ok"
            )
        ).scalar_one()
    return bool(synced == SOURCES)


def kill_while_holding_a_lease(
    worker: str, process: subprocess.Popen[bytes], engine: Engine
) -> Kill:
    """SIGKILLs the worker at a moment it holds a lease: froze it with SIGSTOP to look first."""
    deadline = time.monotonic() + 10
    while True:
        process.send_signal(signal.SIGSTOP)
        with engine.connect() as connection:
            held = connection.execute(
                select(sources.c.id, sources.c.lease_expires_at).where(
                    sources.c.lease_owner == worker
                )
            ).all()
        if held or time.monotonic() > deadline:
            at = utcnow()
            process.kill()
            process.wait()
            return Kill(worker, at, {row.id: as_utc(row.lease_expires_at) for row in held})  # type: ignore[misc]
        process.send_signal(signal.SIGCONT)
        time.sleep(0.03)


def read_runs(engine: Engine) -> dict[int, list[Run]]:
    """Each source's runs, in the order they started."""
    query = select(
        sync_runs.c.id,
        sync_runs.c.source_id,
        sync_runs.c.worker,
        sync_runs.c.status,
        sync_runs.c.due_at,
        sync_runs.c.started_at,
        sync_runs.c.finished_at,
        sync_runs.c.error,
    ).order_by(sync_runs.c.started_at, sync_runs.c.id)
    found: dict[int, list[Run]] = defaultdict(list)
    with engine.connect() as connection:
        for row in connection.execute(query):
            found[row.source_id].append(
                Run(
                    row.id,
                    row.source_id,
                    row.worker,
                    row.status,
                    as_utc(row.due_at),
                    as_utc(row.started_at),  # type: ignore[arg-type]
                    as_utc(row.finished_at),
                    row.error,
                )
            )
    return found


def overlapping_runs(runs: dict[int, list[Run]]) -> list[tuple[Run, Run]]:
    """Pairs of runs of one source whose [started_at, finished_at] intersect.

    A run interrupted by SIGKILL never records its own end: the next run of its source closes it
    with that run's start, so it counts as lasting until then and cannot overlap it by
    construction. What proves it had really ended (its worker was gone) is that the next run
    started only after the dead worker's lease lapsed, which the test checks on its own: a worker
    that merely stalled looks the same from the database, and the lease is all that protects it.
    A run still open now (every worker has stopped) overlaps whatever came after it.
    """
    found = []
    for own in runs.values():
        for before, after in pairwise(own):
            if before.finished_at is None or before.finished_at > after.started_at:
                found.append((before, after))
    return found


def ended(run: Run) -> datetime:
    assert run.finished_at is not None, f"run {run.id} is still open"
    return run.finished_at


def late_runs(runs: dict[int, list[Run]], kill: Kill, stopped: datetime) -> list[str]:
    """Runs due later than the interval after the last, or started more than ``SLACK`` late."""
    problems = []
    for source_id, own in runs.items():
        for before, run in pairwise(own):
            assert run.due_at is not None, f"run {run.id}: a scheduled run without a due time"
            allowed = SLACK
            if source_id in kill.leases and before.started_at < kill.at < run.started_at:
                allowed += kill.leases[source_id] - run.due_at  # the dead worker's lease first
            elif run.due_at - ended(before) > LATEST_NEXT_DUE:
                problems.append(f"run {run.id} was due {run.due_at - ended(before)} after the last")
            if run.started_at - run.due_at > allowed:
                problems.append(f"run {run.id} started {run.started_at - run.due_at} after due")
        if stopped - own[-1].started_at > LATEST_NEXT_DUE + SLACK:
            problems.append(f"source {source_id}: not synced since {own[-1].started_at}")
    return problems


def index_counts(engine: Engine) -> dict[int, tuple[int, int, int]]:
    """source id → (items, active items, distinct paths of active items)."""
    active = media_items.c.active.is_(True)
    query = select(
        media_items.c.source_id,
        func.count(),
        func.count().filter(active),
        func.count(func.distinct(media_items.c.path)).filter(active),
    ).group_by(media_items.c.source_id)
    with engine.connect() as connection:
        return {row[0]: (row[1], row[2], row[3]) for row in connection.execute(query)}


@pytest.fixture
def app(postgres_url: str) -> Iterator[App]:
    app = App(load_config(overrides={"database_url": postgres_url}), load_plugins())
    yield app
    app.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_share_sources_on_schedule_and_survive_a_sigkill(
    tmp_path: Path, postgres_url: str, app: App
) -> None:
    folders = make_sources(app, tmp_path / "media")
    launched = time.monotonic()
    processes = start_workers(postgres_url, tmp_path)
    try:
        wait_for(lambda: every_source_synced(app.engine), timeout=KILL_AFTER)
        time.sleep(max(0.0, launched + KILL_AFTER - time.monotonic()))
        for folder in folders.values():
            jpeg(folder / "late.jpg", size=512)  # so that runs after the kill have work to do
        kill = kill_while_holding_a_lease("w1", processes["w1"], app.engine)
        time.sleep(max(0.0, launched + STOP_AFTER - time.monotonic()))
        stopped = utcnow()
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {worker: process.wait(timeout=30) for worker, process in processes.items()}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    logs = {w: (tmp_path / f"{w}.log").read_text(errors="replace")[-2000:] for w in processes}

    assert codes == {"w1": -signal.SIGKILL, "w2": 0, "w3": 0}, logs
    runs = read_runs(app.engine)
    assert sorted(runs) == sorted(folders), "a source was never synced"

    # No source was ever synced by two workers at once.
    overlaps = overlapping_runs(runs)
    assert not overlaps, overlaps[:5]

    # The dead worker's source went to another worker, once its lease had lapsed; the run it
    # was in the middle of (if any: it may have died just before or after one) was closed.
    assert kill.leases, "w1 was to die holding a lease"
    for source_id, lapsed in kill.leases.items():
        taken = next(r for r in runs[source_id] if r.started_at > kill.at)
        assert taken.worker != "w1"
        assert lapsed <= taken.started_at <= lapsed + SLACK, (kill, taken)
        for run in runs[source_id]:
            if run.worker == "w1" and run.started_at < kill.at < ended(run):
                assert (run.status, ended(run)) == ("failed", taken.started_at)
                assert (run.error or "").startswith("interrupted"), run.error

    # Every source kept being synced on its interval, before and after the kill.
    problems = late_runs(runs, kill, stopped)
    assert not problems, problems[:10]
    assert min(len(own) for own in runs.values()) >= 4

    # Nothing left behind: no lease, no open run, no failure but an interrupted run of w1.
    with app.engine.connect() as connection:
        leased = connection.execute(
            select(sources.c.name).where(sources.c.lease_owner.is_not(None))
        ).all()
    assert leased == []
    failed = [r for own in runs.values() for r in own if r.status not in {"ok", "cancelled"}]
    assert all(r.worker == "w1" and r.status == "failed" for r in failed), failed
    assert len(failed) <= 1

    # Each file indexed exactly once, with one event: nothing duplicated, nothing lost.
    expected = FILES + 1
    assert index_counts(app.engine) == dict.fromkeys(folders, (expected, expected, expected))
    with app.engine.connect() as connection:
        events = connection.execute(
            select(
                media_events.c.kind, func.count(), func.count(func.distinct(media_events.c.item_id))
            ).group_by(media_events.c.kind)
        ).all()
    assert [tuple(row) for row in events] == [("added", SOURCES * expected, SOURCES * expected)]
