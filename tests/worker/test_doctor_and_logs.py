"""``mediasync doctor`` findings and the worker's log lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from indexing import jpeg
from support import CliRun, json_output


def add(run: CliRun, database_url: str, name: str, root: Path) -> None:
    jpeg(root / "a.jpg")
    result = run(
        [
            "--db",
            database_url,
            "sources",
            "add",
            name,
            "--type",
            "local",
            "--root",
            str(root),
            "--interval",
            "60",
        ]
    )
    assert result.exit_code == 0, result.output


def test_doctor_all_good_exits_0(run: CliRun, tmp_path: Path, database_url: str) -> None:
    add(run, database_url, "pics", tmp_path / "pics")
    assert run(["--db", database_url, "sync", "pics"]).exit_code == 0
    result = run(["--db", database_url, "doctor", "--json"])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert {f["check"]: f["status"] for f in findings} == {
        "database": "ok",
        "plugins": "ok",
        "source pics": "ok",
    }


def test_doctor_reports_what_to_do(run: CliRun, tmp_path: Path, database_url: str) -> None:
    add(run, database_url, "gone", tmp_path / "gone")
    add(run, database_url, "fresh", tmp_path / "fresh")
    assert run(["--db", database_url, "sync", "gone"]).exit_code == 0
    shutil.rmtree(tmp_path / "gone")
    assert run(["--db", database_url, "sync", "gone"]).exit_code == 1
    result = run(["--db", database_url, "doctor", "--json"])
    assert result.exit_code == 1
    findings = {f["check"]: f for f in json.loads(result.stdout)}
    assert findings["source gone"]["status"] == "error"
    assert findings["source gone"]["fix"]
    assert findings["source fresh"]["status"] == "warning"
    assert "never synced" in findings["source fresh"]["message"]
    text = run(["--db", database_url, "doctor"])
    assert "FAIL  source gone" in text.stdout
    assert "->" in text.stdout


def test_doctor_database_from_the_future(run: CliRun, database_url: str) -> None:
    from sqlalchemy import create_engine, text

    assert run(["--db", database_url, "db", "upgrade"]).exit_code == 0
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    result = run(["--db", database_url, "doctor", "--json"])
    assert result.exit_code == 1
    database = json.loads(result.stdout)[0]
    assert database["status"] == "error"
    assert "newer mediasync" in database["message"]


def test_run_once_logs_one_json_line_per_run(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    add(run, database_url, "a", tmp_path / "a")
    add(run, database_url, "b", tmp_path / "b")
    result = run(
        ["--db", database_url, "run", "--once", "--log-format", "json", "--worker-id", "w1"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    finished = [line for line in lines if line.get("event") == "sync_finished"]
    assert sorted(line["source"] for line in finished) == ["a", "b"]
    assert all(line["status"] == "ok" and line["worker"] == "w1" for line in finished)
    assert finished[0]["counts"]["added"] == 1
    status = json_output(run(["--db", database_url, "status", "--json"]))
    assert all(entry["next_due_at"] for entry in status)
    assert all(entry["lease_owner"] is None for entry in status)


def test_run_once_text_log(run: CliRun, tmp_path: Path, database_url: str) -> None:
    add(run, database_url, "a", tmp_path / "a")
    result = run(["--db", database_url, "run", "--once"])
    assert result.exit_code == 0
    assert "sync a ok: +1 added" in result.stderr
