"""``mediasync instagram backfill``: the account copied into a local folder, then only what is
new, against the fake Graph API through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.instagram import Account, FakeGraph
from instagram.helpers import SOURCE
from support import CliRun

from mediasync import Workspace


@pytest.fixture
def backup(tmp_path: Path, workspace: Workspace) -> Path:
    folder = tmp_path / "backup"
    folder.mkdir()
    workspace.add_source("backup", "local", root=str(folder), settings={})
    return folder


@pytest.fixture
def cli(run: CliRun, database_url: str, workspace: Workspace) -> CliRun:
    def invoke(*args: str) -> object:
        return run(["--db", database_url, *args])

    return invoke  # type: ignore[return-value]


CAPTION = "two of them \u2728\n\u05e0\u05d5\u05e3\u200f \U0001f30a"
"""Emoji, a newline, right-to-left text and a right-to-left mark."""


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def expected_files(account: Account) -> int:
    return sum(len(m.children) or 1 for m in account.media)


def test_a_backfill_copies_every_post_into_the_folder(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path, workspace: Workspace
) -> None:
    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["copied"] == expected_files(account)
    copied = files(backup)
    assert len(copied) == expected_files(account)
    post = next(m for m in account.media if not m.children)
    (name,) = [path for path in copied if f"_{post.id}." in path]
    assert copied[name] == post.data
    assert name.startswith(f"{name[:4]}/{name[5:7]}/{name[:4]}{name[5:7]}")
    copy = next(i for i in workspace.items(source="backup") if i.path == name)
    assert copy.metadata["caption"] == post.caption
    assert copy.provenance is not None
    assert copy.provenance.source_id == post.id


def test_a_run_with_nothing_new_costs_one_call_and_copies_nothing(
    cli: CliRun, graph: FakeGraph, backup: Path
) -> None:
    assert cli("instagram", "backfill", SOURCE, "--to", "backup").exit_code == 0
    before = files(backup)
    graph.reset_counts()

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["copied"] == 0
    assert graph.api_calls() == 1
    assert graph.downloads() == []
    assert files(backup) == before


def test_ten_new_posts_cost_at_most_three_calls(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path
) -> None:
    assert cli("instagram", "backfill", SOURCE, "--to", "backup").exit_code == 0
    for number in range(10):
        graph.post_image(account, f"new {number}")
    graph.reset_counts()

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    assert json.loads(result.stdout)["copied"] == 10
    assert graph.api_calls() <= 3
    assert len(files(backup)) == expected_files(account)


def test_media_without_a_file_are_counted_not_copied(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path
) -> None:
    graph.post_reel(account, "licensed song", copyrighted=True)

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    report = json.loads(result.stdout)
    assert report["unavailable"] == 1
    assert report["failed"] == 0
    assert len(files(backup)) == expected_files(account) - 1


def test_a_dropped_download_is_resumed(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path
) -> None:
    graph.fail_next("cdn", kind="drop")

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["copied"] == expected_files(account)
    post = next(m for m in account.media if not m.children)
    assert [d for p, d in files(backup).items() if f"_{post.id}." in p] == [post.data]


def test_downloads_that_keep_failing_fail_their_items_alone_and_a_rerun_finishes(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path
) -> None:
    graph.fail_next("cdn", kind="drop", times=1000)

    first = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")
    graph.faults.clear()
    second = cli("instagram", "backfill", SOURCE, "--to", "backup", "--json")

    report = json.loads(first.stdout)
    assert first.exit_code == 1
    assert report["error"] is None, "a file that cannot be read does not stop the run"
    assert report["failed"] == expected_files(account)
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["copied"] == expected_files(account)
    assert len(files(backup)) == expected_files(account)
    assert not [p for p in backup.rglob("*") if p.name.endswith((".part", ".tmp"))]


def test_a_dead_token_stops_with_reconnect(
    cli: CliRun, graph: FakeGraph, backup: Path, token: str
) -> None:
    graph.fail_next("user.media", code=190, subcode=460, times=3)

    result = cli("instagram", "backfill", SOURCE, "--to", "backup")

    assert result.exit_code == 1
    assert "reconnect" in result.stderr
    assert token not in result.stdout + result.stderr
    assert files(backup) == {}


def test_sidecars_describe_each_post(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path
) -> None:
    album = graph.post_carousel(account, ("IMAGE", "VIDEO"), CAPTION)

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--sidecars", "--json")

    assert result.exit_code == 0, result.stderr
    sidecars = {p: d for p, d in files(backup).items() if p.endswith(".json")}
    assert len(sidecars) == len(account.media)
    (mine,) = [json.loads(d) for p, d in sidecars.items() if album.id in p]
    assert mine["caption"] == CAPTION
    assert [c["id"] for c in mine["children"]] == [c.id for c in album.children]
    again = cli("instagram", "backfill", SOURCE, "--to", "backup", "--sidecars")
    assert again.exit_code == 0
    assert len([p for p in files(backup) if p.endswith(".json")]) == len(account.media)


def test_dry_run_and_limit(cli: CliRun, account: Account, backup: Path) -> None:
    dry = cli("instagram", "backfill", SOURCE, "--to", "backup", "--dry-run", "--json")
    assert json.loads(dry.stdout)["copied"] == expected_files(account)
    assert files(backup) == {}

    limited = cli("instagram", "backfill", SOURCE, "--to", "backup", "--limit", "3", "--json")
    assert json.loads(limited.stdout)["copied"] == 3
    assert len(files(backup)) == 3


def test_stories_only(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path, workspace: Workspace
) -> None:
    workspace.update_settings(SOURCE, {"capture_stories": "true"})
    graph.post_story(account)
    graph.post_story(account, "VIDEO")

    result = cli("instagram", "backfill", SOURCE, "--to", "backup", "--media-type", "stories",
                 "--json")  # fmt: skip

    assert json.loads(result.stdout)["copied"] == 2
    assert len(files(backup)) == 2


def test_backfill_status_and_aliases(cli: CliRun, backup: Path) -> None:
    assert cli("backfill-instagram", SOURCE, "--to", "backup").exit_code == 0

    status = cli("backfill-status", SOURCE, "--json")

    assert status.exit_code == 0, status.stderr
    (run,) = json.loads(status.stdout)[SOURCE]
    assert run["destination"] == "backup"
    assert run["error"] is None
    text = cli("instagram", "backfill-status")
    assert "1 backfill runs" in text.stdout


@pytest.mark.parametrize("bad", [["--to", "nowhere"], ["--to", SOURCE], ["--since", "yesterday"]])
def test_bad_input_is_one_line(cli: CliRun, bad: list[str], backup: Path) -> None:
    result = cli("instagram", "backfill", SOURCE, *bad)

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert files(backup) == {}


def test_the_story_service_captures_due_accounts_into_their_backfill_destination(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path, workspace: Workspace
) -> None:
    from datetime import UTC, datetime, timedelta

    from mediasync_instagram._stories import capture_due

    assert capture_due(workspace) == [], "no capture_stories, no destination yet"
    workspace.update_settings(SOURCE, {"capture_stories": "true"})
    assert cli("instagram", "backfill", SOURCE, "--to", "backup").exit_code == 0
    graph.post_story(account)
    now = datetime.now(UTC)

    assert capture_due(workspace, now) == [SOURCE]
    assert capture_due(workspace, now + timedelta(hours=1)) == [], "not due for 6 hours"
    graph.post_story(account, "VIDEO")
    assert capture_due(workspace, now + timedelta(hours=7)) == [SOURCE]

    stories = [
        i
        for i in workspace.items(source="backup")
        if i.metadata.get("media_product_type") == "STORY"
    ]
    assert len(stories) == 2
    status = json.loads(cli("instagram", "status", SOURCE, "--json").stdout)
    assert status[0]["last_story_capture"]["copied"] == 1


def test_mediasync_run_hosts_the_story_service(
    cli: CliRun, graph: FakeGraph, account: Account, backup: Path, workspace: Workspace
) -> None:
    workspace.update_settings(SOURCE, {"capture_stories": "true"})
    assert (
        cli("instagram", "backfill", SOURCE, "--to", "backup", "--media-type", "feed").exit_code
        == 0
    )
    graph.post_story(account)

    result = cli("run", "--once", "--with-instagram-stories")

    assert result.exit_code == 0, result.stderr
    assert any(p.name.endswith(".jpg") for p in backup.rglob("*"))
    stories = [
        i
        for i in workspace.items(source="backup")
        if i.metadata.get("media_product_type") == "STORY"
    ]
    assert len(stories) == 1
