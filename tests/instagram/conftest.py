"""Fixtures for the Instagram plugin: the fake Graph API, an account on it, a workspace whose
index knows the account as a source, through the plugin's public names only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.instagram import DAY, Account, FakeGraph
from instagram.helpers import SOURCE, source_settings

from mediasync import Workspace
from mediasync_instagram import _graph


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def account(graph: FakeGraph) -> Account:
    return graph.account("blue.bottle", posts=12)


@pytest.fixture
def token(graph: FakeGraph, account: Account) -> str:
    return graph.issue_token(account, age=2 * DAY)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch, graph: FakeGraph) -> list[float]:
    """Every pause the client takes (throttling, retries): instant, but the fake's clock moves
    on by as much, as the real one would."""
    taken: list[float] = []

    def sleep(seconds: float) -> None:
        taken.append(seconds)
        graph.advance(seconds)

    monkeypatch.setattr(_graph, "_sleep", sleep)
    return taken


@pytest.fixture
def workspace(
    database_url: str, graph: FakeGraph, account: Account, token: str, waits: list[float]
) -> Iterator[Workspace]:
    with Workspace.open(database_url=database_url) as opened:
        opened.add_source(
            SOURCE, "instagram", root=None, settings=source_settings(graph, account, token)
        )
        yield opened
