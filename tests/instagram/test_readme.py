"""The plugin README's commands, run as written (pointed at the fake Graph API)."""

from __future__ import annotations

import json
from pathlib import Path

from fakes.instagram import Account, FakeGraph
from support import CliRun


def test_the_readme_commands(
    run: CliRun,
    graph: FakeGraph,
    account: Account,
    token: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    db = ["--db", database_url]
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    connected = run([*db, "instagram", "connect", "insta", "--token", token, *fake])
    assert connected.exit_code == 0, connected.stderr
    assert connected.stdout.startswith("connected 'insta' to Instagram account @blue.bottle")
    assert "token valid for 60 days" in connected.stdout

    first = run([*db, "sync", "insta", "--json"])
    graph.reset_counts()
    second = run([*db, "sync", "insta", "--json"])
    status = run([*db, "instagram", "status", "insta"])
    refreshed = run([*db, "instagram", "refresh-token", "insta"])
    photos = tmp_path / "photos"
    photos.mkdir()
    added = run([*db, "sources", "add", "photos", "--type", "local", "--root", str(photos)])
    assert added.exit_code == 0, added.stderr
    backfilled = run([*db, "instagram", "backfill", "insta", "--to", "photos"])
    graph.reset_counts()
    again = run([*db, "instagram", "backfill", "insta", "--to", "photos", "--json"])
    history = run([*db, "instagram", "backfill-status", "insta"])

    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)[0]["counts"]["added"] == sum(
        len(m.children) or 1 for m in account.media
    )
    assert json.loads(second.stdout)[0]["counts"]["added"] == 0
    assert status.exit_code == 0, status.stderr
    assert "60 days left" in status.stdout
    assert refreshed.exit_code == 2, "refreshed at connect: Meta refuses until 24 hours later"
    assert backfilled.exit_code == 0, backfilled.stderr
    assert len([p for p in photos.rglob("*.*") if not p.name.startswith(".")]) == sum(
        len(m.children) or 1 for m in account.media
    )
    assert json.loads(again.stdout)["copied"] == 0
    assert graph.api_calls() == 1
    assert "2 backfill runs" in history.stdout
    for result in (connected, first, second, status, refreshed, backfilled, again, history):
        assert token not in result.stdout + result.stderr


def test_a_token_reference_is_stored_as_the_reference(
    run: CliRun, graph: FakeGraph, account: Account, database_url: str
) -> None:
    young = graph.issue_token(account, age=60)
    db = ["--db", database_url]
    result = run(
        [*db, "instagram", "connect", "insta", "--token", "$env:IG_TOKEN", "--graph-url",
         graph.base_url, "--api-version", graph.version, "--json"],
        IG_TOKEN=young,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shown = run([*db, "sources", "show", "insta", "--json"])
    assert "$env:IG_TOKEN" in shown.stdout
    assert run([*db, "sync", "insta"], IG_TOKEN=young).exit_code == 0
