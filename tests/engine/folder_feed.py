"""A change-feed source played from a script: a listing, then the pages a test queues.

The shape of a feed that reports folders once (Google Drive): a page may say a folder moved or
left, and nothing about the files below it. ``FEEDS[root]`` holds the script of the source
whose root is ``root``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import attrs

from mediasync import Capability, ChangePage, HealthCheck, MediaEntry, Source, hookimpl

__all__ = ["FEEDS", "FeedScript", "ScriptedFeed", "entry", "register_sources"]


def entry(source_id: str, path: str) -> MediaEntry:
    return MediaEntry(
        source_id=source_id,
        path=path,
        size=10,
        mtime=datetime(2024, 1, 1, tzinfo=UTC),
        mime_type="image/jpeg",
        sha256=f"{source_id:0>64}"[:64],
    )


@attrs.define
class FeedScript:
    listing: list[MediaEntry] = attrs.field(factory=list)
    pages: list[ChangePage] = attrs.field(factory=list)

    def queue(self, **page: object) -> None:
        """The next page of the feed (``upserts``, ``removed``, ``moved_folders``…)."""
        cursor = str(len(self.pages) + 1)
        values: dict[str, object] = {"upserts": (), "removed": (), **page}
        self.pages.append(ChangePage(cursor=cursor, **values))  # type: ignore[arg-type]


FEEDS: dict[str, FeedScript] = {}


class ScriptedFeed(Source):
    type_name = "scripted"
    capabilities = frozenset({Capability.LISTABLE, Capability.CHANGE_FEED, Capability.STABLE_IDS})
    default_strategy = "changes"
    hash_on_index = False

    def list_entries(self) -> Iterator[MediaEntry]:
        yield from FEEDS[self.root or ""].listing

    def check(self) -> HealthCheck:
        return HealthCheck(ok=True, detail="scripted")

    def start_cursor(self) -> str:
        return str(len(FEEDS[self.root or ""].pages))

    def changes(self, cursor: str) -> ChangePage:
        pages = FEEDS[self.root or ""].pages
        if int(cursor) >= len(pages):
            return ChangePage((), (), cursor)
        return pages[int(cursor)]


@hookimpl
def register_sources(register: object) -> None:
    register(ScriptedFeed)  # type: ignore[operator]
