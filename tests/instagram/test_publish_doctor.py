"""``mediasync doctor`` on an Instagram publisher account: core runs ``Publisher.check()``,
which reads the account through its source and pings Cloudinary; each problem is one line."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import FakeGraph
from support import CliRun

from mediasync import Workspace

# What is checked here happens before or beside the journal, the same on either index
# database: SQLite only keeps the suite fast (the journal's paths run on both elsewhere).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def publisher_line(run: CliRun, database_url: str) -> tuple[int, list[str], str | None]:
    """``mediasync doctor``'s exit code, its lines about publisher ``ig``, and its fix."""
    done = run(["--db", database_url, "doctor"])
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "publisher ig:" in line)
    mine = [lines[at]]
    fix = lines[at + 1].strip() if at + 1 < len(lines) and "->" in lines[at + 1] else None
    return done.exit_code, mine, fix


def test_a_good_account_passes_with_its_account_and_cloud(
    run: CliRun, database_url: str, workspace: Workspace, publisher_account: str
) -> None:
    workspace.sync("insta")  # the source is fresh too, so doctor has nothing to say

    code, [line], fix = publisher_line(run, database_url)

    assert code == 0
    assert line.startswith("ok    publisher ig: @blue.bottle")
    assert "staging on Cloudinary cloud 'mediasync-fake'" in line
    assert fix is None


@pytest.mark.parametrize(
    ("break_it", "problem", "fixed_by"),
    [
        (
            lambda workspace, graph, token: workspace.update_publisher(
                "ig", settings={"api_secret": "not-the-secret"}
            ),
            "FAIL  publisher ig: Cloudinary refused the credentials of cloud 'mediasync-fake' "
            "(Error 401 - api_secret mismatch)",
            "-> mediasync publishers set ig api_key=KEY api_secret=SECRET",
        ),
        (
            lambda workspace, graph, token: graph.invalidate_token(token),
            "FAIL  publisher ig: posts as Instagram source 'insta': Instagram refused the "
            "access token: Error validating access token: The session has been invalidated",
            "-> mediasync instagram connect insta --token NEW_TOKEN",
        ),
    ],
    ids=["cloudinary-credentials", "dead-token"],
)
def test_a_broken_account_is_one_line_with_its_fix(
    run: CliRun,
    database_url: str,
    workspace: Workspace,
    publisher_account: str,
    graph: FakeGraph,
    token: str,
    cloud: FakeCloudinary,
    break_it: Any,
    problem: str,
    fixed_by: str,
) -> None:
    break_it(workspace, graph, token)

    code, [line], fix = publisher_line(run, database_url)

    assert code == 1
    assert line.startswith(problem)
    assert cloud.api_secret not in line
    assert token not in line
    assert fix == fixed_by
