"""``kill -9`` of ``mediasync publish`` at its commits and at its requests to Cloudinary and the
Graph API (each one killed before it is served, and after: the service acted, the client never
heard), then the same publication resumed: posted exactly once, and once the sweeper ran
nothing is left on Cloudinary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.cloudinary._faults import Fault as CloudFault
from fakes.instagram import DAY, FakeGraph
from fakes.instagram._faults import Fault as GraphFault
from instagram.helpers import photo, publisher_settings, source_settings
from proofs.killing import Fake, RequestKiller, database, prove

from mediasync import PublicationStatus, Workspace
from mediasync_instagram import _graph
from mediasync_instagram._publisher import InstagramPublisher


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_graph, "_sleep", lambda _seconds: None)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        fake.set_publishing_quota(10_000)
        yield fake


def test_a_publish_killed_anywhere_then_resumed_posts_once_and_leaves_nothing_staged(
    tmp_path: Path, graph: FakeGraph, cloud: FakeCloudinary
) -> None:
    account = graph.account("blue.bottle", posts=2)
    token = graph.issue_token(account, age=2 * DAY)
    killer = RequestKiller(
        [Fake(graph.faults, GraphFault("drop")), Fake(cloud.faults, CloudFault("drop"))]
    )
    staged_after_kill: list[int] = []

    def prepare(folder: Path) -> None:
        (folder / "photos").mkdir()
        (folder / "photos" / "a.jpg").write_bytes(photo(seed=len(staged_after_kill)))
        with Workspace.open(database_url=database(folder)) as workspace:
            workspace.add_source(
                "insta", "instagram", root=None, settings=source_settings(graph, account, token)
            )
            workspace.add_source("photos", "local", root=str(folder / "photos"), settings={})
            workspace.add_publisher(
                "ig", "instagram", settings=publisher_settings(cloud, poll_seconds=0.01)
            )
            workspace.sync("photos")

    def check(folder: Path) -> None:
        caption = folder.name
        with Workspace.open(database_url=database(folder)) as workspace:
            staged_after_kill.append(len(cloud.leftovers()))
            [item] = workspace.items(source="photos")
            done = [p for p in workspace.publications() if p.status is PublicationStatus.PUBLISHED]
            # The same command again, as its user would run it.
            publication = (
                done[0] if done else workspace.publish([item.id], to="ig", caption=caption)
            )
            assert publication.status is PublicationStatus.PUBLISHED, publication.error
            assert len(workspace.publications()) == 1
            with workspace.open_publisher("ig") as publisher:
                assert isinstance(publisher, InstagramPublisher)
                publisher.stage().sweep(timedelta(0))
        posts = [m for m in graph.published(account) if m.caption == caption]
        assert len(posts) == 1, f"{len(posts)} posts"
        assert publication.remote_id == posts[0].id
        assert cloud.leftovers() == []

    def command(folder: Path) -> list[str]:
        return ["publish", "1", "--to", "ig", "--caption", folder.name]

    summary = prove(tmp_path, prepare, command, check, killer=killer)
    left = sum(1 for n in staged_after_kill if n)
    print(f"publish: {summary}; {left} kills left a staged copy for the sweeper")
