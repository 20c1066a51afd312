"""Conformance tests for what a source says beside the file, and for newest-first feeds."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import datetime

from mediasync._models import Capability, MediaEntry
from mediasync._source import Source
from mediasync.testing._helpers import list_all, require
from mediasync.testing._source_base import SourceSuiteBase

__all__ = ["MetadataTests", "NewestFirstTests"]


def _moment(entry: MediaEntry) -> datetime:
    return entry.taken_at or entry.mtime


class MetadataTests(SourceSuiteBase):
    def test_metadata_is_json(self, source: Source) -> None:
        """``metadata`` is stored as JSON: keys must be strings and values JSON types (turn
        datetimes into ISO strings, ids into strings)."""
        require(source, Capability.LISTABLE)
        for entry in list_all(source):
            try:
                json.dumps(dict(entry.metadata), allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise AssertionError(f"{entry.path}: metadata is not JSON: {exc}") from None
            assert all(isinstance(key, str) for key in entry.metadata), entry.path

    def test_times_beside_the_file_are_aware_utc(self, source: Source) -> None:
        """``taken_at`` (capture time) must be a timezone-aware datetime when given."""
        require(source, Capability.LISTABLE)
        for entry in list_all(source):
            if entry.taken_at is not None:
                assert entry.taken_at.tzinfo is not None, f"{entry.path}: taken_at is naive"

    def test_a_group_has_distinct_positions(self, source: Source) -> None:
        """Items of one ``group_id`` (a carousel's children) each need their own ``position``
        (0, 1, 2…), so the group's order survives; items outside a group have none."""
        require(source, Capability.LISTABLE)
        groups: dict[str, list[int | None]] = defaultdict(list)
        for entry in list_all(source):
            if entry.group_id is None:
                assert entry.position is None, f"{entry.path}: a position but no group_id"
            else:
                groups[entry.group_id].append(entry.position)
        for group, positions in groups.items():
            assert None not in positions, f"group {group}: a member without a position"
            assert len(set(positions)) == len(positions), f"group {group}: positions repeat"

    def test_revision_is_stable_while_nothing_changes(self, source: Source) -> None:
        """Two listings of an unchanged source give each entry the same ``revision``: an etag
        or the default digest, never something that depends on the time of the call (else
        every sync would rewrite every item)."""
        require(source, Capability.LISTABLE)
        first = {e.source_id: e.revision for e in list_all(source)}
        second = {e.source_id: e.revision for e in list_all(source)}
        assert first == second


class NewestFirstTests(SourceSuiteBase):
    def test_pages_hold_exactly_the_listing(self, source: Source) -> None:
        """``list_pages`` gives the entries of ``list_entries``, in the same order, page by
        page: the strategy reads pages, a full reconcile reads the listing."""
        require(source, Capability.LISTABLE, Capability.NEWEST_FIRST)
        paged = [entry.source_id for page in source.list_pages() for entry in page]
        assert paged == [entry.source_id for entry in list_all(source)]

    def test_pages_are_fetched_on_demand(self, source: Source) -> None:
        """``list_pages`` must be a generator (``yield`` each page as it arrives): the strategy
        stops after a few known items, and a list would have fetched the whole feed."""
        require(source, Capability.LISTABLE, Capability.NEWEST_FIRST)
        pages = source.list_pages()
        assert not isinstance(pages, list | tuple), "list_pages returned every page at once"
        close = getattr(pages, "close", None)
        if close is not None:
            close()

    def test_listing_is_newest_first(self, source: Source) -> None:
        """Entries come newest first by ``taken_at`` (else ``mtime``); members of a group may
        share their post's time."""
        require(source, Capability.LISTABLE, Capability.NEWEST_FIRST)
        moments = [_moment(entry) for entry in list_all(source)]
        for newer, older in itertools.pairwise(moments):
            assert newer >= older, f"listed {older} after {newer}: not newest first"
