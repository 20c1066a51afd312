"""The account as a source: newest-first listing, carousels as groups, metadata, and bytes
streamed from the CDN, against the fake Graph API through the real httpx client."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Literal

import pytest
from fakes.instagram import Account, FakeGraph
from instagram.helpers import SOURCE, source_settings

from mediasync import ChangeKind, Item, RunStatus, Workspace

PATH = re.compile(r"^\d{4}/\d{2}/\d{8}_\d{6}_[0-9A-Za-z_-]+(_\d+)?\.(jpg|mp4)$")


def indexed(workspace: Workspace, *, active: bool | None = True) -> dict[str, Item]:
    return {item.source_id: item for item in workspace.items(source=SOURCE, active=active)}


def test_a_first_sync_indexes_every_post_with_its_metadata(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    report = workspace.sync(SOURCE)

    assert report.run.status is RunStatus.OK, report.run.error
    assert report.run.strategy == "newest-first"
    items = indexed(workspace)
    expected = sum(len(m.children) or 1 for m in account.media)
    assert len(items) == expected
    assert all(PATH.match(item.path) for item in items.values()), sorted(
        i.path for i in items.values()
    )
    assert all(item.sha256 is None for item in items.values()), "a sync downloads nothing"
    assert graph.downloads() == []
    post = next(m for m in account.media if not m.children)
    item = items[post.id]
    assert item.metadata["caption"] == post.caption
    assert item.metadata["permalink"].endswith("/")
    assert item.metadata["username"] == "blue.bottle"
    assert item.taken_at == datetime.fromtimestamp(post.timestamp, UTC)


def test_a_carousel_is_a_group_of_its_children_in_order(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    album = graph.post_carousel(account, ("IMAGE", "VIDEO", "IMAGE"), "three of them")
    workspace.sync(SOURCE)

    children = list(workspace.items(group_id=album.id))

    assert [c.source_id for c in children] == [child.id for child in album.children]
    assert [c.position for c in children] == [0, 1, 2]
    assert [c.kind for c in children] == ["image", "video", "image"]
    assert {c.metadata["caption"] for c in children} == {"three of them"}
    assert [c.path.rsplit("_", 1)[1] for c in children] == ["1.jpg", "2.mp4", "3.jpg"]


def test_a_sync_with_nothing_new_costs_one_call(workspace: Workspace, graph: FakeGraph) -> None:
    workspace.sync(SOURCE)
    graph.reset_counts()

    report = workspace.sync(SOURCE)

    assert report.run.counts.changes == 0
    assert graph.api_calls() == 1


def test_new_posts_are_read_from_the_first_page_only(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    workspace.sync(SOURCE)
    for number in range(10):
        graph.post_image(account, f"new {number}")
    graph.reset_counts()

    report = workspace.sync(SOURCE)

    assert report.run.counts.added == 10
    assert graph.api_calls() <= 3


def test_an_edited_caption_updates_the_item(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    workspace.sync(SOURCE)
    post = account.media[1]
    graph.edit_caption(post, "better words 🌊")

    report = workspace.sync(SOURCE, list_changes=5)

    assert [c.kind for c in report.changes] == [ChangeKind.METADATA]
    assert (
        indexed(workspace)[post.children[0].id if post.children else post.id].metadata["caption"]
        == "better words 🌊"
    )


def test_a_deleted_post_is_removed_by_a_full_read_only(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    workspace.sync(SOURCE)
    post = next(m for m in account.media[3:] if not m.children)
    graph.delete_media(post)

    assert workspace.sync(SOURCE).run.counts.removed == 0
    assert workspace.sync(SOURCE, full=True).run.counts.removed == 1
    assert not indexed(workspace, active=None)[post.id].active


def test_bytes_stream_from_the_cdn_without_the_token(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    workspace.sync(SOURCE)
    post = next(m for m in account.media if not m.children)
    item = indexed(workspace)[post.id]
    graph.reset_counts()

    with workspace.open_item(item.id) as stream:
        data = stream.read()

    assert post.data is not None
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(post.data).hexdigest()
    assert graph.api_calls() == 0, "the media_url listed in this process is used"
    assert graph.token_leaks() == []


def test_an_expired_cdn_link_is_read_again_once(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    workspace.sync(SOURCE)
    post = next(m for m in account.media if not m.children)
    graph.expire_cdn_urls()
    graph.reset_counts()

    with workspace.open_item(indexed(workspace)[post.id].id) as stream:
        assert stream.read() == post.data

    assert graph.calls["media"] == 1


def test_media_without_a_file_are_indexed_and_refuse_to_open(
    workspace: Workspace, graph: FakeGraph, account: Account
) -> None:
    reel = graph.post_reel(account, "licensed song", copyrighted=True)
    workspace.sync(SOURCE)
    item = indexed(workspace)[reel.id]

    assert "unavailable" in item.metadata
    with pytest.raises(Exception, match="unavailable"):
        workspace.open_item(item.id)
    assert graph.downloads() == [], "never the thumbnail in its place"


def test_a_dead_token_fails_the_sync_asking_to_reconnect(
    workspace: Workspace, graph: FakeGraph, token: str
) -> None:
    workspace.sync(SOURCE)
    graph.fail_next("user.media", code=190, subcode=463)

    report = workspace.sync(SOURCE)

    assert report.run.status is RunStatus.FAILED
    assert "reconnect" in (report.run.error or "")
    assert token not in (report.run.error or "")


def test_throttling_is_waited_out_as_meta_says(
    workspace: Workspace, graph: FakeGraph, account: Account, waits: list[float]
) -> None:
    graph.set_usage(account, call_count=100, regain_minutes=2)

    report = workspace.sync(SOURCE)

    assert report.run.status is RunStatus.OK, report.run.error
    assert 120.0 in waits


def test_transient_errors_are_retried(workspace: Workspace, graph: FakeGraph) -> None:
    graph.fail_next("user.media", code=2, times=2)

    report = workspace.sync(SOURCE)

    assert report.run.status is RunStatus.OK, report.run.error


@pytest.mark.parametrize("kind", ["html", "malformed"])
def test_a_response_that_is_not_json_is_one_clear_line(
    workspace: Workspace, graph: FakeGraph, kind: Literal["html", "malformed"]
) -> None:
    workspace.sync(SOURCE)
    graph.fail_next("user.media", kind=kind, status=200 if kind == "malformed" else 502, times=5)

    report = workspace.sync(SOURCE)

    assert report.run.status is RunStatus.FAILED
    error = report.run.error or ""
    assert "\n" not in error
    assert "Graph API" in error
    assert report.run.counts.removed == 0


def test_a_long_account_is_read_page_by_page_with_every_field(
    database_url: str, graph: FakeGraph, waits: list[float]
) -> None:
    big = graph.account("many.posts", posts=130)
    token = graph.issue_token(big, age=2 * 86400)
    with Workspace.open(database_url=database_url) as workspace:
        settings = source_settings(graph, big, token, page_size=50)
        workspace.add_source("big", "instagram", root=None, settings=settings)

        report = workspace.sync("big")

        items = list(workspace.items(source="big"))
    assert report.run.status is RunStatus.OK, report.run.error
    assert graph.calls["user.media"] == 3
    assert len(items) == sum(len(m.children) or 1 for m in big.media)
    assert all(item.taken_at and item.taken_at.year > 2000 for item in items)
    assert all("caption" in item.metadata for item in items)
