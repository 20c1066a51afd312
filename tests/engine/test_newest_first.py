"""The ``newest-first`` strategy and item metadata, against a feed kept in memory.

A feed sync must read only the pages that hold something new (stopping after
``stop_after_known`` known items in a row), pick up caption edits of what it reads without
reading bytes again, keep carousels as groups, and decide removals only on a full read.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from core import feed_plugin
from core.feed_plugin import FEEDS, FeedStore

from mediasync import ChangeKind, Item, MediaEntry, RunStatus, Workspace
from mediasync._plugins import load_plugins


@pytest.fixture
def feed() -> Iterator[FeedStore]:
    root = f"feed-{uuid.uuid4().hex[:8]}"
    store = FeedStore()
    FEEDS[root] = store
    yield store
    del FEEDS[root]


@pytest.fixture
def workspace(database_url: str, feed: FeedStore) -> Iterator[Workspace]:
    plugins = load_plugins(builtins=[("feed", feed_plugin)])
    root = next(name for name, store in FEEDS.items() if store is feed)
    with Workspace.open(database_url=database_url, plugins=plugins) as workspace:
        workspace.add_source("account", "feed", root=root, settings={})
        yield workspace


def items(workspace: Workspace) -> dict[str, Item]:
    return {item.source_id: item for item in workspace.items(source="account", active=None)}


def test_a_first_run_reads_the_whole_feed_with_metadata_and_groups(
    workspace: Workspace, feed: FeedStore
) -> None:
    single = feed.post("sunset #beach")
    carousel = feed.post("three at once", children=3)

    report = workspace.sync("account")

    assert report.run.status is RunStatus.OK, report.run.error
    assert report.run.strategy == "newest-first"
    assert report.run.counts.added == 4
    item = workspace.item(items(workspace)[single.id].id)
    assert item.metadata == {
        "caption": "sunset #beach",
        "permalink": f"https://feed.invalid/{single.id}",
    }
    assert item.taken_at == single.taken_at
    assert item.size is None
    assert item.revision is not None
    assert item.group_id is None
    children = list(workspace.items(group_id=carousel.id))
    assert [c.source_id for c in children] == [child for child, _ in carousel.children]
    assert [c.position for c in children] == [0, 1, 2]
    assert {c.metadata["caption"] for c in children} == {"three at once"}


def test_a_later_run_reads_only_until_enough_known_items_in_a_row(
    workspace: Workspace, feed: FeedStore
) -> None:
    for number in range(30):
        feed.post(f"post {number}")
    workspace.sync("account")
    assert feed.pages_read == 6  # 30 posts, 5 a page: a first run reads them all

    new = [feed.post("new one"), feed.post("new two")]
    feed.pages_read = 0
    report = workspace.sync("account", list_changes=10)

    assert report.run.counts.added == 2
    assert {c.path for c in report.changes} == {f"2024/{p.id}.jpg" for p in new}
    # 2 new and 3 known, then 5 known, then 2 more make 10 known in a row: three pages of six.
    assert feed.pages_read == 3

    feed.pages_read = 0
    assert workspace.sync("account").run.counts.changes == 0
    assert feed.pages_read == 2, "nothing new: the first ten known items end the read"


def test_a_caption_edit_is_a_metadata_change_that_reads_no_bytes(
    workspace: Workspace, feed: FeedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = feed.post("first words")
    feed.post("another")
    workspace.sync("account")
    before = items(workspace)[post.id]
    opened: list[str] = []
    original = feed_plugin.FeedSource.open

    def counted_open(self: feed_plugin.FeedSource, entry: MediaEntry) -> BinaryIO:
        opened.append(entry.source_id)
        return original(self, entry)

    monkeypatch.setattr(feed_plugin.FeedSource, "open", counted_open)

    post.caption = "second thoughts"
    report = workspace.sync("account", list_changes=10)

    assert report.run.counts.metadata == 1
    assert report.run.counts.changes == 1
    assert [(c.kind, c.item_id) for c in report.changes] == [(ChangeKind.METADATA, before.id)]
    after = workspace.item(before.id)
    assert after.metadata["caption"] == "second thoughts"
    assert after.revision != before.revision
    assert after.sha256 == before.sha256
    assert [e.kind for e in after.events] == [ChangeKind.ADDED, ChangeKind.METADATA]
    assert opened == [], "a metadata change must not read the bytes again"


def test_a_deleted_post_is_removed_only_by_a_full_read(
    workspace: Workspace, feed: FeedStore
) -> None:
    posts = [feed.post(f"post {n}") for n in range(3)]
    workspace.sync("account")

    feed.delete(posts[1].id)
    assert workspace.sync("account").run.counts.removed == 0, "a partial read removes nothing"
    assert items(workspace)[posts[1].id].active

    report = workspace.sync("account", full=True)
    assert report.run.counts.removed == 1
    assert not items(workspace)[posts[1].id].active


def test_the_periodic_reconcile_reads_everything_and_decides_removals(
    tmp_path: Path, database_url: str, feed: FeedStore
) -> None:
    config = tmp_path / "mediasync.toml"
    config.write_text("[sync]\nreconcile_days = 0.0000001\n")
    plugins = load_plugins(builtins=[("feed", feed_plugin)])
    root = next(name for name, store in FEEDS.items() if store is feed)
    posts = [feed.post(f"post {n}") for n in range(12)]
    with Workspace.open(config, database_url=database_url, plugins=plugins) as workspace:
        workspace.add_source("account", "feed", root=root, settings={})
        workspace.sync("account")
        feed.delete(posts[0].id)
        feed.pages_read = 0
        time.sleep(0.05)  # past the reconcile interval of 9 ms

        report = workspace.sync("account")

    assert report.run.counts.removed == 1
    assert feed.pages_read == 3, "the reconcile read every page"


def test_a_full_read_that_would_remove_too_much_is_held(
    workspace: Workspace, feed: FeedStore
) -> None:
    posts = [feed.post(f"post {n}") for n in range(60)]
    workspace.sync("account")
    for post in posts[:40]:
        feed.delete(post.id)

    report = workspace.sync("account", full=True)

    assert report.run.status is RunStatus.HELD
    assert report.run.counts.held_removals == 40
    assert sum(item.active for item in items(workspace).values()) == 60


def test_an_unreachable_feed_changes_nothing(workspace: Workspace, feed: FeedStore) -> None:
    feed.post("one")
    workspace.sync("account")
    feed.reachable = False

    report = workspace.sync("account")

    assert report.run.status is RunStatus.FAILED
    assert "not reachable" in (report.run.error or "")
    assert all(item.active for item in items(workspace).values())


def test_pages_are_read_lazily(workspace: Workspace, feed: FeedStore) -> None:
    """The strategy's stop must stop the source too: no page is fetched ahead of need."""
    for _ in range(40):
        feed.post()
    workspace.sync("account")
    feed.pages_read = 0
    source = workspace.open_source("account")
    pages = source.list_pages()
    list(itertools.islice(pages, 1))
    assert feed.pages_read == 1
