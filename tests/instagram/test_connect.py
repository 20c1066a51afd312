"""``mediasync instagram connect | status | refresh-token | set`` against the fake Graph API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fakes.instagram import DAY, Account, FakeGraph
from support import CliRun

from mediasync import Workspace


@pytest.fixture
def db(database_url: str) -> list[str]:
    return ["--db", database_url]


def connect(run: CliRun, db: list[str], graph: FakeGraph, *extra: str, **env: str) -> object:
    return run(
        [*db, "instagram", "connect", "insta", "--graph-url", graph.base_url,
         "--api-version", graph.version, *extra],
        **env,
    )  # fmt: skip


def test_connect_checks_the_token_and_stores_it_sealed(
    run: CliRun, db: list[str], graph: FakeGraph, account: Account, token: str, database_url: str
) -> None:
    result = run(
        [*db, "instagram", "connect", "insta", "--token", token, "--graph-url", graph.base_url,
         "--api-version", graph.version, "--json"]
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["user_id"] == account.id
    assert data["username"] == "blue.bottle"
    assert 59 <= data["token_days_left"] <= 60, "a token old enough is refreshed at once"
    assert token not in result.stdout
    with Workspace.open(database_url=database_url) as workspace:
        stored = workspace.source("insta").settings
        assert token not in json.dumps(stored)
        assert stored["user_id"] == account.id
        assert workspace.source("insta").strategy in (None, "newest-first")

    synced = run([*db, "sync", "insta", "--json"])
    assert synced.exit_code == 0, synced.stderr


def test_a_young_token_is_kept_and_counted_from_now(
    run: CliRun, db: list[str], graph: FakeGraph, account: Account
) -> None:
    young = graph.issue_token(account, age=3600)

    result = run(
        [*db, "instagram", "connect", "insta", "--token", young, "--graph-url", graph.base_url,
         "--api-version", graph.version, "--json"]
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["token_days_left"] == pytest.approx(60, abs=0.1)


@pytest.mark.parametrize("problem", ["wrong", "expired"])
def test_a_bad_token_stores_nothing(
    run: CliRun, db: list[str], graph: FakeGraph, account: Account, problem: str
) -> None:
    bad = "IGnotatoken" if problem == "wrong" else graph.issue_token(account, expires_in=-10)

    result = run(
        [*db, "instagram", "connect", "insta", "--token", bad, "--graph-url", graph.base_url,
         "--api-version", graph.version]
    )  # fmt: skip

    assert result.exit_code == 1
    assert "reconnect" in result.stderr or "refused" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert bad not in result.stderr
    assert run([*db, "sources", "list", "--json"]).stdout.strip() == "[]"


def test_an_account_id_that_is_not_the_tokens_is_refused(
    run: CliRun, db: list[str], graph: FakeGraph, token: str
) -> None:
    result = run(
        [*db, "instagram", "connect", "insta", "--token", token, "--user-id", "17841499999999999",
         "--graph-url", graph.base_url, "--api-version", graph.version]
    )  # fmt: skip

    assert result.exit_code == 2
    assert "not 17841499999999999" in result.stderr
    assert run([*db, "sources", "list", "--json"]).stdout.strip() == "[]"


def test_facebook_login_finds_the_pages_account(
    run: CliRun, db: list[str], graph: FakeGraph, account: Account
) -> None:
    person = graph.issue_token(account, flavour="facebook", age=2 * DAY)

    result = run(
        [*db, "instagram", "connect", "insta", "--token", person, "--api", "facebook",
         "--graph-url", graph.facebook_url, "--api-version", graph.version, "--json"]
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["user_id"] == account.id
    synced = run([*db, "sync", "insta", "--json"])
    assert synced.exit_code == 0, synced.stderr
    counts = json.loads(synced.stdout)[0]["counts"]
    assert counts["added"] == sum(len(m.children) or 1 for m in account.media)


def test_status_and_refresh_token(
    run: CliRun, db: list[str], graph: FakeGraph, account: Account, token: str, database_url: str
) -> None:
    assert connect(run, db, graph, "--token", token).exit_code == 0  # type: ignore[attr-defined]

    status = run([*db, "instagram", "status", "--json"])
    assert status.exit_code == 0, status.stderr
    (entry,) = json.loads(status.stdout)
    assert entry["username"] == "blue.bottle"
    assert entry["access"]["ok"] is True
    assert token not in status.stdout

    young = run([*db, "instagram", "refresh-token", "insta"])
    assert young.exit_code == 2, "just refreshed at connect: less than 24 hours old"
    assert "24 hours" in young.stderr

    graph.advance(2 * DAY)
    with Workspace.open(database_url=database_url) as workspace:
        workspace.update_settings(
            "insta", {"token_issued_at": datetime(2020, 1, 1, tzinfo=UTC).isoformat()}
        )
    graph.reset_counts()
    refreshed = run([*db, "instagram", "refresh-token", "insta", "--json"])
    assert refreshed.exit_code == 0, refreshed.stderr
    assert graph.calls["refresh_access_token"] == 1
    assert json.loads(refreshed.stdout)["token_days_left"] == pytest.approx(60, abs=0.1)
    assert run([*db, "sync", "insta"]).exit_code == 0
    assert graph.calls["refresh_access_token"] == 1, "fresh again: a sync does not refresh it"


def test_a_sync_refreshes_a_token_with_less_than_a_week_left(
    run: CliRun, db: list[str], graph: FakeGraph, token: str, database_url: str
) -> None:
    assert connect(run, db, graph, "--token", token).exit_code == 0  # type: ignore[attr-defined]
    graph.advance(54 * DAY)  # the token stored at connect has six days left now
    now = datetime.now(UTC)
    with Workspace.open(database_url=database_url) as workspace:
        workspace.update_settings(
            "insta",
            {
                "token_issued_at": (now - timedelta(days=54)).isoformat(),
                "token_expires_at": (now + timedelta(days=6)).isoformat(),
            },
        )
    graph.reset_counts()

    synced = run([*db, "sync", "insta"])
    assert synced.exit_code == 0, synced.stdout + synced.stderr

    assert graph.calls["refresh_access_token"] == 1
    status = json.loads(run([*db, "instagram", "status", "--json"]).stdout)
    assert status[0]["token_days_left"] == pytest.approx(60, abs=0.1)


def test_set_changes_settings_but_never_the_token(
    run: CliRun, db: list[str], graph: FakeGraph, token: str
) -> None:
    assert connect(run, db, graph, "--token", token).exit_code == 0  # type: ignore[attr-defined]

    assert run([*db, "instagram", "set", "insta", "capture_stories=true"]).exit_code == 0
    refused = run([*db, "instagram", "set", "insta", "token=abc"])
    assert refused.exit_code == 2
    bad = run([*db, "instagram", "set", "insta", "page_size=0"])
    assert bad.exit_code == 2
    assert "page_size" in bad.stderr


def test_a_refresh_that_fails_does_not_fail_the_sync(
    run: CliRun, db: list[str], graph: FakeGraph, token: str, database_url: str
) -> None:
    assert connect(run, db, graph, "--token", token).exit_code == 0  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with Workspace.open(database_url=database_url) as workspace:
        changes = {
            "token_expires_at": (now + timedelta(days=2)).isoformat(),
            "token_issued_at": (now - timedelta(days=58)).isoformat(),
        }
        workspace.update_settings("insta", changes)
    graph.fail_next("refresh_access_token", code=100)

    synced = run([*db, "sync", "insta"])

    assert synced.exit_code == 0, synced.stderr


def test_doctor_warns_before_the_token_expires(
    run: CliRun, db: list[str], graph: FakeGraph, token: str, database_url: str
) -> None:
    assert connect(run, db, graph, "--token", token).exit_code == 0  # type: ignore[attr-defined]
    with Workspace.open(database_url=database_url) as workspace:
        soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        workspace.update_settings("insta", {"token_expires_at": soon})

    result = run([*db, "doctor"])

    assert "credentials expire" in result.stdout + result.stderr
    assert "mediasync instagram refresh-token insta" in result.stdout + result.stderr
    assert token not in result.stdout + result.stderr
