"""The plugin README's commands, run as written (pointed at the fake Graph API)."""

from __future__ import annotations

import json

from fakes.instagram import Account, FakeGraph
from support import CliRun


def test_the_readme_commands(
    run: CliRun, graph: FakeGraph, account: Account, token: str, database_url: str
) -> None:
    db = ["--db", database_url]
    added = run(
        [
            *db,
            "sources",
            "add",
            "insta",
            "--type",
            "instagram",
            "--set",
            "token=$env:IG_TOKEN",
            "--set",
            f"user_id={account.id}",
            "--set",
            f"graph_url={graph.base_url}",
            "--set",
            f"api_version={graph.version}",
        ],
        IG_TOKEN=token,
    )
    assert added.exit_code == 0, added.stderr

    first = run([*db, "sync", "insta", "--json"], IG_TOKEN=token)
    graph.reset_counts()
    second = run([*db, "sync", "insta", "--json"], IG_TOKEN=token)

    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)[0]["counts"]["added"] == sum(
        len(m.children) or 1 for m in account.media
    )
    assert json.loads(second.stdout)[0]["counts"]["added"] == 0
    assert graph.api_calls() == 1
    for result in (added, first, second):
        assert token not in result.stdout + result.stderr
