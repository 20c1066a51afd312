"""``mediasync sync --list``: which files changed, not only how many."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CliRun
from indexing import jpeg


def test_sync_lists_each_change_for_real_and_dry_runs(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "pics"
    for name in ("2024/a.jpg", "2024/gone.jpg", "keep.jpg"):
        jpeg(folder / name)
    first = run(["--db", database_url, "sync", str(folder), "--list"])
    assert first.exit_code == 0, first.stderr
    assert sorted(first.stdout.splitlines()[:3]) == [
        "added     2024/a.jpg",
        "added     2024/gone.jpg",
        "added     keep.jpg",
    ]
    (folder / "2024" / "a.jpg").rename(folder / "2024" / "b.jpg")
    (folder / "2024" / "gone.jpg").unlink()

    dry = run(["--db", database_url, "sync", "pics", "--dry-run", "-v"])
    lines = dry.stdout.splitlines()
    assert sorted(lines[:2]) == ["removed   2024/gone.jpg", "renamed   2024/a.jpg -> 2024/b.jpg"]
    assert lines[2].startswith("(dry run) pics: +0 added")

    limited = run(["--db", database_url, "sync", "pics", "--json", "--list-limit", "1"])
    (report,) = json.loads(limited.stdout)
    assert len(report["changes"]) == 1
    assert report["more_changes"] == 1
    assert {report["changes"][0]["kind"]} <= {"renamed", "removed"}
    quiet = run(["--db", database_url, "sync", "pics"])
    assert quiet.stdout.splitlines() == [quiet.stdout.splitlines()[-1]]
