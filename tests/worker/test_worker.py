"""The scheduled worker: due sources, backoff, the seed's settings, leases, signals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from indexing import jpeg
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from support import CliRun, json_output

from mediasync import RunStatus
from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import sources, sync_runs
from mediasync._db.sources import add_source, get_source, utcnow
from mediasync._plugins import load_plugins
from mediasync._sync import schedule
from mediasync._sync import worker as worker_module
from mediasync._sync.lease import Lease
from mediasync._sync.runner import sync_source
from mediasync._sync.worker import Worker


def make_app(database_url: str, **environ: str) -> App:
    return App(
        load_config(environ={**environ}, overrides={"database_url": database_url}),
        load_plugins(),
    )


def add_folder(app: App, name: str, root: Path, files: int = 2, interval: int = 60) -> None:
    for i in range(files):
        jpeg(root / f"{i}.jpg", size=64, seed=i)
    with app.engine.begin() as connection:
        add_source(
            connection,
            name=name,
            type="local",
            root=str(root),
            settings={},
            interval_seconds=interval,
        )


def runs(app: App) -> list[tuple[str, str]]:
    query = (
        select(sources.c.name, sync_runs.c.status)
        .join(sources, sources.c.id == sync_runs.c.source_id)
        .order_by(sync_runs.c.id)
    )
    with app.engine.connect() as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]


def test_once_syncs_what_is_due_then_nothing(tmp_path: Path, database_url: str) -> None:
    app = make_app(database_url)
    add_folder(app, "a", tmp_path / "a")
    add_folder(app, "b", tmp_path / "b")
    assert Worker(app, "w1", once=True).run() == 2
    assert sorted(runs(app)) == [("a", "ok"), ("b", "ok")]
    assert Worker(app, "w1", once=True).run() == 0, "nothing is due again before the interval"
    with app.engine.connect() as connection:
        record = get_source(connection, "a")
    assert record.next_due_at is not None
    assert timedelta(seconds=50) < record.next_due_at - utcnow() < timedelta(seconds=70)
    assert record.lease_owner is None


def test_failing_source_backs_off_and_others_are_unaffected(
    tmp_path: Path, database_url: str
) -> None:
    app = make_app(database_url)
    add_folder(app, "good", tmp_path / "good", interval=10)
    add_folder(app, "bad", tmp_path / "bad", interval=10)
    for file in (tmp_path / "bad").iterdir():
        file.unlink()
    (tmp_path / "bad").rmdir()
    delays = []
    for _ in range(3):
        with app.engine.begin() as connection:
            connection.execute(update(sources).values(next_due_at=utcnow()))
        Worker(app, "w", once=True).run()
        with app.engine.connect() as connection:
            bad = get_source(connection, "bad")
            good = get_source(connection, "good")
        assert bad.next_due_at is not None
        delays.append((bad.next_due_at - utcnow()).total_seconds())
        assert good.consecutive_failures == 0
    assert bad.consecutive_failures == 3
    assert delays[0] < delays[1] < delays[2]
    assert 30 < delays[2] < 50  # 10 s doubled twice, +-10% jitter
    assert [s for n, s in runs(app) if n == "good"] == ["ok"] * 3
    status = make_status(app, database_url)
    assert status["bad"]["consecutive_failures"] == 3
    assert status["bad"]["health"] == "failing (3 in a row)"


def make_status(app: App, database_url: str) -> dict[str, Any]:
    from click.testing import CliRunner

    from mediasync._cli.main import build_cli

    result = CliRunner().invoke(build_cli(app.plugins), ["--db", database_url, "status", "--json"])
    return {entry["name"]: entry for entry in json_output(result)}


def test_seed_settings_describe_a_default_source(tmp_path: Path, database_url: str) -> None:
    root = tmp_path / "seed"
    jpeg(root / "x.jpg")
    seed = {"MEDIA_SOURCE_TYPE": "local", "MEDIA_SOURCE_ROOT": str(root)}
    app = make_app(database_url, **seed)
    assert Worker(app, "w", once=True).run() == 0, "MEDIA_SYNC_ENABLED is not set: do nothing"
    with app.engine.connect() as connection:
        assert get_source(connection, "default").enabled is False
    app = make_app(database_url, **seed, MEDIA_SYNC_ENABLED="true", MEDIA_SYNC_INTERVAL_SECONDS="7")
    assert Worker(app, "w", once=True).run() == 1
    with app.engine.connect() as connection:
        record = get_source(connection, "default")
    assert record.enabled is True
    assert record.next_due_at is not None
    assert (record.next_due_at - utcnow()).total_seconds() < 8


@pytest.mark.parametrize("value", ["0", "-1"])
def test_interval_must_be_positive(run: CliRun, value: str, database_url: str) -> None:
    result = run(["--db", database_url, "run", "--once"], MEDIA_SYNC_INTERVAL_SECONDS=value)
    assert result.exit_code == 2
    assert "interval_seconds must be greater than zero" in result.stderr


def test_stolen_lease_stops_writing(tmp_path: Path, database_url: str) -> None:
    app = make_app(database_url)
    add_folder(app, "a", tmp_path / "a", files=3)
    with app.engine.connect() as connection:
        record = get_source(connection, "a")
    lease = Lease(record.id, "old-worker", timedelta(seconds=60), utcnow())
    with app.engine.begin() as connection:
        connection.execute(
            update(sources).values(
                lease_owner="new-worker", lease_expires_at=utcnow() + timedelta(seconds=60)
            )
        )
    report = sync_source(app, "a", lease=lease)
    assert report.run.status is RunStatus.FAILED
    assert "lost the lease" in (report.run.error or "")
    with app.engine.connect() as connection:
        after = get_source(connection, "a")
        items = connection.exec_driver_sql("SELECT count(*) FROM media_items").scalar_one()
    assert items == 0
    assert after.lease_owner == "new-worker"
    assert after.consecutive_failures == 0


def test_database_outage_is_logged_and_retried(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(database_url)
    add_folder(app, "a", tmp_path / "a")
    real_claim = schedule.claim_due
    failures = {"left": 2}

    def flaky_claim(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(worker_module, "claim_due", flaky_claim)
    monkeypatch.setattr(worker_module, "MAX_DB_BACKOFF_SECONDS", 0.01)
    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    worker_logger = logging.getLogger("mediasync.worker")
    worker_logger.addHandler(handler)
    try:
        assert Worker(app, "w", once=True).run() == 1
    finally:
        worker_logger.removeHandler(handler)
    outages = [m for m in messages if "database unavailable" in m]
    assert outages == ["database unavailable (server closed the connection); retrying in 0s"] * 2


def _wait_for(predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_sigterm_stops_between_batches_and_releases_the_lease(
    tmp_path: Path, database_url: str
) -> None:
    app = make_app(database_url)
    add_folder(app, "big", tmp_path / "big", files=0)
    for i in range(8000):
        jpeg(tmp_path / "big" / f"d{i % 20}" / f"{i}.jpg", size=2048, seed=i)
    env = {**os.environ, "MEDIASYNC_DATABASE_URL": database_url, "MEDIASYNC_SYNC_HASH_WORKERS": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediasync",
            "run",
            "--worker-id",
            "sig-worker",
            "--log-format",
            "json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def items_committed() -> bool:
            with app.engine.connect() as connection:
                return bool(connection.exec_driver_sql("SELECT count(*) FROM media_items").scalar())

        _wait_for(items_committed)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopping after the current batch" in err
    with app.engine.connect() as connection:
        record = get_source(connection, "big")
        status = connection.execute(select(sync_runs.c.status)).scalar_one()
    assert record.lease_owner is None
    assert status == "cancelled"


def test_second_signal_exits_at_once() -> None:
    """The first signal asks for a clean stop; the second leaves without waiting for it."""
    from mediasync._cli.run_cmd import stop_handler

    stop = threading.Event()
    exits: list[int] = []
    handle = stop_handler(stop, exit_now=exits.append)
    handle(signal.SIGTERM, None)
    assert stop.is_set()
    assert exits == []
    handle(signal.SIGINT, None)
    assert exits == [128 + signal.SIGINT]


def test_worker_restarted_after_abrupt_exit_converges(tmp_path: Path, database_url: str) -> None:
    app = make_app(database_url)
    add_folder(app, "big", tmp_path / "big", files=0)
    for i in range(6000):
        jpeg(tmp_path / "big" / f"{i}.jpg", size=2048, seed=i)
    env = {
        **os.environ,
        "MEDIASYNC_DATABASE_URL": database_url,
        "MEDIASYNC_SYNC_HASH_WORKERS": "1",
        "MEDIASYNC_SYNC_BATCH_SIZE": "500",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mediasync", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: _count(app, "SELECT count(*) FROM media_items") > 0)
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    after = subprocess.run(
        [sys.executable, "-m", "mediasync", "run", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert after.returncode == 0, after.stderr
    assert _count(app, "SELECT count(*) FROM media_items WHERE active") == 6000
    assert _count(app, "SELECT count(DISTINCT path) FROM media_items WHERE active") == 6000
    statuses = [s for _, s in runs(app)]
    assert statuses == ["failed", "ok"]


def _count(app: App, sql: str) -> int:
    with app.engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def _has_run(app: App) -> bool:
    with app.engine.connect() as connection:
        return bool(connection.exec_driver_sql("SELECT count(*) FROM sync_runs").scalar())


def test_idle_worker_sleeps_until_a_held_lease_lapses(tmp_path: Path, database_url: str) -> None:
    """An overdue source that another worker holds is due when its lease lapses: no busy polling."""
    app = make_app(database_url)
    add_folder(app, "held", tmp_path / "held")
    add_folder(app, "later", tmp_path / "later")
    now = utcnow()
    with app.engine.begin() as connection:
        connection.execute(
            update(sources)
            .where(sources.c.name == "held")
            .values(
                next_due_at=now - timedelta(seconds=1),
                lease_owner="other-worker",
                lease_expires_at=now + timedelta(seconds=3),
            )
        )
        connection.execute(
            update(sources)
            .where(sources.c.name == "later")
            .values(next_due_at=now + timedelta(seconds=4))
        )
    assert 2 < Worker(app, "w")._idle_seconds() <= 3
    with app.engine.begin() as connection:
        connection.execute(
            update(sources)
            .where(sources.c.name == "held")
            .values(lease_expires_at=now + timedelta(seconds=60))
        )
    assert 3 < Worker(app, "w")._idle_seconds() <= 4, "then the next source due wakes it"
    with app.engine.begin() as connection:
        connection.execute(
            update(sources)
            .where(sources.c.name == "held")
            .values(lease_owner=None, lease_expires_at=None)
        )
    assert Worker(app, "w")._idle_seconds() == 0.05, "free and overdue: claim it at once"
