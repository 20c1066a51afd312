"""The conformance suite against a newest-first feed, and the suite's teeth for such feeds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import pytest
from core.feed_plugin import FEEDS, FeedSettings, FeedSource, FeedStore

from mediasync import MediaEntry
from mediasync.testing import SourceConformance


def feed_source(root: str, page_size: int = 2) -> FeedSource:
    return FeedSource("test", root, FeedSettings(page_size=page_size))


@pytest.fixture
def feed_root() -> Iterator[str]:
    root = f"feed-{uuid.uuid4().hex}"
    yield root
    FEEDS.pop(root, None)


def fill(root: str, media_files: dict[str, bytes]) -> FeedStore:
    """One post per image, oldest first; the video and a second image make a carousel."""
    store = FeedStore()
    files = list(media_files.values())
    for data in files[:-2]:
        store.post("a post #tag", data=[data])
    store.post("a carousel", data=files[-2:])
    FEEDS[root] = store
    return store


class TestFeedSource(SourceConformance):
    paths_are_kept = False

    @pytest.fixture
    def source(self, feed_root: str, media_files: dict[str, bytes]) -> FeedSource:
        fill(feed_root, media_files)
        return feed_source(feed_root)

    @pytest.fixture
    def missing_root_source(self) -> FeedSource:
        return feed_source(f"feed-missing-{uuid.uuid4().hex}")


SUITE = SourceConformance()


def test_the_suite_fails_a_feed_listed_oldest_first(feed_root: str) -> None:
    class OldestFirst(FeedSource):
        def list_pages(self) -> Iterator[Sequence[MediaEntry]]:
            pages = list(super().list_pages())
            yield [entry for page in reversed(pages) for entry in reversed(page)]

    fill(feed_root, {"a.jpg": b"a" * 10, "b.jpg": b"b" * 10, "c.jpg": b"c" * 10})
    source = OldestFirst("broken", feed_root, FeedSettings())
    with pytest.raises(AssertionError, match="not newest first"):
        SUITE.test_listing_is_newest_first(source)


def test_the_suite_fails_pages_fetched_all_at_once(feed_root: str) -> None:
    class Eager(FeedSource):
        def list_pages(self) -> list[Sequence[MediaEntry]]:  # type: ignore[override]
            return list(super().list_pages())

    fill(feed_root, {"a.jpg": b"a" * 10, "b.jpg": b"b" * 10, "c.jpg": b"c" * 10})
    with pytest.raises(AssertionError, match="every page at once"):
        SUITE.test_pages_are_fetched_on_demand(Eager("broken", feed_root, FeedSettings()))


def test_the_suite_fails_pages_that_differ_from_the_listing(feed_root: str) -> None:
    class Skipping(FeedSource):
        def list_entries(self) -> Iterator[MediaEntry]:
            for page in super().list_pages():
                yield from page

        def list_pages(self) -> Iterator[Sequence[MediaEntry]]:
            for page in super().list_pages():
                yield page[1:]

    fill(feed_root, {"a.jpg": b"a" * 10, "b.jpg": b"b" * 10, "c.jpg": b"c" * 10})
    with pytest.raises(AssertionError):
        SUITE.test_pages_hold_exactly_the_listing(Skipping("broken", feed_root, FeedSettings()))


def test_the_suite_fails_metadata_that_is_not_json(feed_root: str) -> None:
    class Opaque(FeedSource):
        def list_entries(self) -> Iterator[MediaEntry]:
            for entry in super().list_entries():
                yield MediaEntry(entry.source_id, entry.path, 1, entry.mtime, metadata={"x": {1}})

    fill(feed_root, {"a.jpg": b"a" * 10, "b.jpg": b"b" * 10, "c.jpg": b"c" * 10})
    with pytest.raises(AssertionError, match="metadata is not JSON"):
        SUITE.test_metadata_is_json(Opaque("broken", feed_root, FeedSettings()))
