"""A source over a feed listed newest first, kept in memory: the shape of an Instagram account.

Posts carry captions and capture times (metadata), some are carousels whose children form a
group, and no size is reported. A test edits the feed behind the source's back (``FEEDS``)
and counts the pages the source was asked for, which is what a newest-first sync must keep
small.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import attrs

from mediasync import Capability, HealthCheck, MediaEntry, Source, SourceUnreachable, hookimpl

__all__ = ["FEEDS", "FeedSettings", "FeedSource", "FeedStore", "Post", "register_sources"]

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@attrs.define
class Post:
    id: str
    caption: str
    taken_at: datetime
    children: list[tuple[str, bytes]]
    """(child id, bytes); a single image has one child whose id is the post's own."""

    @property
    def is_group(self) -> bool:
        return len(self.children) > 1


@attrs.define
class FeedStore:
    """The "remote" account: posts newest first, and what the source asked of it."""

    posts: list[Post] = attrs.field(factory=list)
    pages_read: int = 0
    reachable: bool = True
    _ids: Iterator[int] = attrs.field(factory=lambda: itertools.count(1))

    def post(self, caption: str = "", children: int = 1, data: Sequence[bytes] = ()) -> Post:
        """Publishes a post newer than every other (``data``: its children's bytes)."""
        number = next(self._ids)
        post_id = f"p{number}"
        children = len(data) or children
        ids = [post_id] if children == 1 else [f"{post_id}c{i}" for i in range(children)]
        data = data or [f"post {number} child {i}".encode() * 20 for i in range(children)]
        post = Post(
            post_id, caption, EPOCH + timedelta(hours=number), list(zip(ids, data, strict=True))
        )
        self.posts.insert(0, post)
        return post

    def find(self, post_id: str) -> Post:
        return next(p for p in self.posts if p.id == post_id)

    def delete(self, post_id: str) -> None:
        self.posts.remove(self.find(post_id))


FEEDS: dict[str, FeedStore] = {}


@attrs.frozen
class FeedSettings:
    page_size: int = 5


class FeedSource(Source):
    type_name = "feed"
    description = "an in-memory feed listed newest first (tests)"
    capabilities = frozenset(
        {
            Capability.LISTABLE,
            Capability.DOWNLOADABLE,
            Capability.STABLE_IDS,
            Capability.NEWEST_FIRST,
        }
    )
    Settings = FeedSettings
    default_strategy = "newest-first"

    def _store(self) -> FeedStore:
        store = FEEDS.get(self.root or "")
        if store is None or not store.reachable:
            raise SourceUnreachable(f"feed '{self.root}' is not reachable")
        return store

    def list_entries(self) -> Iterator[MediaEntry]:
        for page in self.list_pages():
            yield from page

    def list_pages(self) -> Iterator[Sequence[MediaEntry]]:
        store = self._store()
        size = self.settings.page_size
        for start in itertools.count(0, size):
            posts = list(store.posts[start : start + size])
            if not posts:
                return
            store.pages_read += 1
            yield [entry for post in posts for entry in _entries(post)]

    def open(self, entry: MediaEntry) -> BinaryIO:
        for post in self._store().posts:
            for child_id, data in post.children:
                if child_id == entry.source_id:
                    return io.BytesIO(data)
        raise FileNotFoundError(entry.source_id)

    def check(self) -> HealthCheck:
        try:
            self._store()
        except SourceUnreachable as exc:
            return HealthCheck.failed(str(exc), "point --root at a feed that exists")
        return HealthCheck.healthy()


def _entries(post: Post) -> list[MediaEntry]:
    facts = {"caption": post.caption, "permalink": f"https://feed.invalid/{post.id}"}
    return [
        MediaEntry(
            source_id=child_id,
            path=f"{post.taken_at:%Y}/{child_id}.jpg",
            size=None,
            mtime=post.taken_at,
            mime_type="image/jpeg",
            taken_at=post.taken_at,
            metadata=facts,
            group_id=post.id if post.is_group else None,
            position=position if post.is_group else None,
        )
        for position, (child_id, _) in enumerate(post.children)
    ]


@hookimpl
def register_sources(register: object) -> None:
    register(FeedSource)  # type: ignore[operator]
