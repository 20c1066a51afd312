"""The command line end to end, and a kill -9 in the middle of a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from indexing import Library, jpeg
from sqlalchemy import create_engine, func, select
from support import CliRun, json_output

from mediasync._db.schema import media_items, sync_runs


def _engine(database_url: str):  # type: ignore[no-untyped-def]
    return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))


def test_sync_path_registers_then_reuses_a_local_source(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "Holiday Pics"
    jpeg(folder / "a.jpg")
    first = run(["--db", database_url, "sync", str(folder)])
    assert first.exit_code == 0, first.output
    assert "registered local source 'Holiday-Pics'" in first.stderr
    assert first.stdout.startswith("Holiday-Pics: +1 added, 0 moved, 0 renamed, 0 removed")
    again = json_output(run(["--db", database_url, "sync", str(folder), "--json"]))
    assert again[0]["source"] == "Holiday-Pics"
    assert again[0]["counts"]["unchanged"] == 1
    sources = json_output(run(["--db", database_url, "sources", "list", "--json"]))
    assert [s["name"] for s in sources] == ["Holiday-Pics"]
    by_alias = run(["--db", database_url, "sync-media", "Holiday-Pics"])
    assert by_alias.exit_code == 0


def test_status_and_items_commands(run: CliRun, tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "pics"
    jpeg(folder / "a.jpg")
    jpeg(folder / "sub" / "b.jpg")
    assert run(["--db", database_url, "sync", str(folder)]).exit_code == 0
    (folder / "a.jpg").rename(folder / "c.jpg")
    assert run(["--db", database_url, "sync", "pics"]).exit_code == 0
    status = json_output(run(["--db", database_url, "status", "--json"]))
    assert status[0]["health"] == "ok"
    assert status[0]["items"] == {"active": 2, "removed": 0}
    assert status[0]["last_run"]["counts"]["renamed"] == 1
    alias = json_output(run(["--db", database_url, "sync-status", "pics", "--json"]))
    assert alias[0]["name"] == "pics"
    items = json_output(run(["--db", database_url, "items", "list", "--json"]))
    assert sorted(i["path"] for i in items) == ["c.jpg", "sub/b.jpg"]
    fields = {
        "id",
        "source",
        "source_id",
        "path",
        "name",
        "size",
        "mtime",
        "sha256",
        "mime_type",
        "kind",
        "active",
        "first_seen",
        "changed_at",
        "removed_at",
    }
    assert fields <= set(items[0])
    renamed = next(i for i in items if i["path"] == "c.jpg")
    shown = json_output(run(["--db", database_url, "items", "show", str(renamed["id"]), "--json"]))
    assert [e["kind"] for e in shown["events"]] == ["added", "renamed"]
    assert shown["events"][1]["old_path"] == "a.jpg"
    missing = run(["--db", database_url, "items", "show", "99999"])
    assert missing.exit_code == 2


def test_unknown_source_and_no_target(run: CliRun, database_url: str) -> None:
    result = run(["--db", database_url, "sync", "nope"])
    assert result.exit_code == 2
    assert "no source named 'nope'" in result.stderr
    result = run(["--db", database_url, "sync"])
    assert result.exit_code == 2
    result = run(["--db", database_url, "sync", "./does/not/exist"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_failed_sync_exits_1_with_one_line(run: CliRun, tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "gone"
    jpeg(folder / "a.jpg")
    assert run(["--db", database_url, "sync", str(folder)]).exit_code == 0
    (folder / "a.jpg").unlink()
    folder.rmdir()
    result = run(["--db", database_url, "sync", "gone"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: gone: ")
    items = json_output(run(["--db", database_url, "items", "list", "--json"]))
    assert len(items) == 1


@pytest.mark.slow
def test_kill_9_mid_run_then_a_clean_run_converges(tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "big"
    for i in range(6000):
        jpeg(folder / f"d{i % 30}" / f"{i:05}.jpg", size=4096, seed=i)
    env = {**os.environ, "MEDIASYNC_DATABASE_URL": database_url, "MEDIASYNC_SYNC_HASH_WORKERS": "1"}
    command = [sys.executable, "-m", "mediasync", "sync", str(folder)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    engine = _engine(database_url)
    try:
        deadline = time.monotonic() + 60
        committed = 0
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with engine.connect() as connection:
                    committed = connection.execute(
                        select(func.count()).select_from(media_items)
                    ).scalar_one()
            except Exception:
                committed = 0
            if committed > 0:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the run finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert 0 < committed < 6000
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with engine.connect() as connection:
            rows = connection.execute(
                select(media_items.c.path, media_items.c.external_id, media_items.c.active)
            ).all()
            runs = connection.execute(
                select(sync_runs.c.status, sync_runs.c.error).order_by(sync_runs.c.id)
            ).all()
        assert len(rows) == 6000
        assert len({r.path for r in rows}) == 6000
        assert len({r.external_id for r in rows}) == 6000
        assert all(r.active for r in rows)
        assert runs[0].status == "failed"
        assert "interrupted" in runs[0].error
        assert runs[-1].status == "ok"
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()


def test_two_concurrent_syncs_of_one_source(tmp_path: Path, database_url: str) -> None:
    """The second refuses while the first runs; with --wait it runs after it, never alongside."""
    folder = tmp_path / "shared"
    for i in range(15000):  # enough work that the first run is still going when the others start
        jpeg(folder / f"d{i % 30}" / f"{i:05}.jpg", size=512, seed=i)
    env = {
        **os.environ,
        "MEDIASYNC_DATABASE_URL": database_url,
        "MEDIASYNC_SYNC_HASH_WORKERS": "1",
        "MEDIASYNC_SYNC_BATCH_SIZE": "100",
    }
    base = [sys.executable, "-m", "mediasync"]
    subprocess.run(
        [*base, "sources", "add", "shared", "--type", "local", "--root", str(folder)],
        env=env,
        check=True,
        capture_output=True,
    )
    first = subprocess.Popen(
        [*base, "sync", "shared"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine = _engine(database_url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                running = connection.execute(
                    select(func.count())
                    .select_from(sync_runs)
                    .where(sync_runs.c.status == "running")
                ).scalar_one()
            if running:
                break
            time.sleep(0.01)
        refused = subprocess.run(
            [*base, "sync", "shared"], env=env, capture_output=True, text=True, timeout=60
        )
        waited = subprocess.run(
            [*base, "sync", "shared", "--wait", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    finally:
        if first.poll() is None:
            first.kill()
    assert refused.returncode == 1
    assert "already running" in refused.stderr
    assert waited.returncode == 0, waited.stderr
    with engine.connect() as connection:
        runs = connection.execute(
            select(sync_runs.c.started_at, sync_runs.c.finished_at).order_by(sync_runs.c.id)
        ).all()
    engine.dispose()
    assert len(runs) == 2
    assert runs[1].started_at >= runs[0].finished_at, "the waiting sync overlapped the first"


def test_ctrl_c_during_the_listing_is_a_cancelled_run_recorded_at_once(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a failure (health stays ok), recorded without waiting on a lock, due again at once;
    the whole batches written before it stay, and the next sync finishes the job."""
    from mediasync_local import LocalSource

    for folder in range(20):
        for i in range(100):
            jpeg(library.root / f"d{folder:02}" / f"{i:03}.jpg", size=64, seed=i)
    real_list = LocalSource.list_folders

    def interrupted(self: LocalSource) -> Any:
        for number, listing in enumerate(real_list(self)):
            if number == 12:
                raise KeyboardInterrupt
            yield listing

    monkeypatch.setattr(LocalSource, "list_folders", interrupted)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        library.sync(batch_size=100)
    assert time.monotonic() - started < 5, "the run's record waited on a lock"
    with library.app.engine.connect() as connection:
        run = connection.exec_driver_sql("SELECT status, error FROM sync_runs").one()
        failures = connection.exec_driver_sql("SELECT consecutive_failures FROM sources").scalar()
    assert run.status == "cancelled"
    assert "Ctrl-C" in run.error
    assert failures == 0
    kept = len(library.items())
    assert kept < 2000
    monkeypatch.setattr(LocalSource, "list_folders", real_list)
    assert library.sync().run.counts.added == 2000 - kept
