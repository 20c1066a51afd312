"""Fixtures for the Instagram plugin: the fake Graph API, an account on it, a workspace whose
index knows the account as a source, through the plugin's public names only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import DAY, Account, FakeGraph
from instagram.helpers import PUBLISHER, SOURCE, Photos, publisher_settings, source_settings

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


@pytest.fixture
def photos(workspace: Workspace, tmp_path: Path) -> Photos:
    """A local folder source ``photos`` to publish from: ``photos.add(name, data)`` indexes a
    file and gives its item id."""
    root = tmp_path / "photos"
    root.mkdir()
    workspace.add_source("photos", "local", root=str(root), settings={})
    return Photos(workspace, root)


@pytest.fixture
def publisher_account(workspace: Workspace, cloud: FakeCloudinary) -> Iterator[str]:
    """Publisher account ``ig`` posting as source ``insta``, staging on the fake Cloudinary;
    the workspace is current (as inside a command)."""
    workspace.add_publisher(PUBLISHER, "instagram", settings=publisher_settings(cloud))
    restore = workspace.make_current()
    yield PUBLISHER
    restore()
