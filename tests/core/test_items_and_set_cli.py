"""``items list`` filters and streaming, ``sources set`` changing a source in place."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import CliRun
from indexing import jpeg


def indexed(run: CliRun, tmp_path: Path, database_url: str) -> Path:
    folder = tmp_path / "pics"
    for name in ("2023/old.jpg", "2024/a.jpg", "2024/b.jpg", "2024/sub/c.jpg"):
        jpeg(folder / name)
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    os.utime(folder / "2023" / "old.jpg", (1_600_000_000, 1_600_000_000))  # 2020-09-13
    assert run(["--db", database_url, "sync", str(folder)]).exit_code == 0
    return folder


def paths(run: CliRun, database_url: str, *args: str) -> list[str]:
    result = run(["--db", database_url, "items", "list", "--jsonl", *args])
    assert result.exit_code == 0, result.stderr
    return [json.loads(line)["path"] for line in result.stdout.splitlines()]


def test_items_list_filters_page_and_stream(run: CliRun, tmp_path: Path, database_url: str) -> None:
    indexed(run, tmp_path, database_url)
    every = paths(run, database_url, "--limit", "0")
    assert every == ["2023/old.jpg", "2024/a.jpg", "2024/b.jpg", "2024/sub/c.jpg", "clip.mp4"]
    assert paths(run, database_url, "--kind", "video") == ["clip.mp4"]
    assert paths(run, database_url, "--path", "2024/*") == [
        "2024/a.jpg",
        "2024/b.jpg",
        "2024/sub/c.jpg",
    ]
    assert paths(run, database_url, "--path", "2024/[a]*") == ["2024/a.jpg"]
    assert paths(run, database_url, "--until", "2021-01-01") == ["2023/old.jpg"]
    assert "2023/old.jpg" not in paths(run, database_url, "--since", "2021-01-01")
    first_two = run(
        ["--db", database_url, "items", "list", "--jsonl", "--after", "0", "--limit", "2"]
    )
    ids = [json.loads(line)["id"] for line in first_two.stdout.splitlines()]
    rest = run(["--db", database_url, "items", "list", "--jsonl", "--after", str(ids[-1])])
    more = [json.loads(line)["id"] for line in rest.stdout.splitlines()]
    assert (len(ids), len(more)) == (2, 3)
    assert min(more) > max(ids)
    bad = run(["--db", database_url, "items", "list", "--since", "last tuesday"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: ")
    assert "not a date" in bad.stderr


def test_sources_set_changes_a_source_and_keeps_its_items(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    folder = indexed(run, tmp_path, database_url)
    name = folder.name
    before = json.loads(run(["--db", database_url, "sources", "show", name, "--json"]).stdout)
    changed = run(
        [
            "--db",
            database_url,
            "sources",
            "set",
            name,
            "exclude=2023/*",
            "--interval",
            "600",
            "--json",
        ]
    )
    assert changed.exit_code == 0, changed.stderr
    data = json.loads(changed.stdout)
    assert data["interval_seconds"] == 600
    assert data["settings"]["exclude"] in (["2023/*"], "2023/*")
    after = json.loads(run(["--db", database_url, "sources", "show", name, "--json"]).stdout)
    assert after["items"] == before["items"]
    assert run(["--db", database_url, "sources", "set", name, "--interval", "0"]).exit_code == 0
    shown = json.loads(run(["--db", database_url, "sources", "show", name, "--json"]).stdout)
    assert shown["interval_seconds"] is None

    for bad, message in (
        ([name, "no_such_setting=1"], "no_such_setting"),
        ([name, "--root", str(tmp_path / "missing")], "does not exist"),
        ([name], "nothing to change"),
        (["nope", "--interval", "5"], "no source named 'nope'"),
    ):
        result = run(["--db", database_url, "sources", "set", *bad])
        assert result.exit_code != 0
        assert message in result.stderr
    unchanged = json.loads(run(["--db", database_url, "sources", "show", name, "--json"]).stdout)
    assert unchanged["root"] == before["root"]
