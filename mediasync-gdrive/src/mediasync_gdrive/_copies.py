"""The marker an upload leaves on a copy, and finding copies by it (``Source.find_copies``).

The marker is one ``appProperties`` entry (private to this app, invisible in Drive's UI):
``mediasyncCopy`` = the SHA-256 of the copy's source name and item id. A digest, because Drive
limits a property's key and value to 124 bytes together and an item id may be long; the source
name is in it because an id is unique within its source only. Copies are found with
``appProperties has {...}`` queries, 40 markers to a query, across the corpus of the root's
drive; a file found is a copy only if it lies in the tree, where the change feed's folder map
places it at the path a listing gives it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from mediasync import MediaEntry, Provenance
from mediasync_gdrive._changes import ChangeFeed
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, quote
from mediasync_gdrive._listing import list_pages

__all__ = ["COPY_KEY", "copy_marker", "find_copies", "marker_query"]

COPY_KEY = "mediasyncCopy"
MARKERS_PER_QUERY = 40


def copy_marker(provenance: Provenance) -> str:
    """The ``appProperties`` value of a copy: 64 hex digits, 77 bytes with the key."""
    text = f"{provenance.source}\n{provenance.source_id}"
    return hashlib.sha256(text.encode()).hexdigest()


def marker_query(markers: Sequence[str]) -> str:
    """Live files carrying any of ``markers``."""
    terms = " or ".join(
        f"appProperties has {{ key={quote(COPY_KEY)} and value={quote(marker)} }}"
        for marker in markers
    )
    return f"trashed = false and ({terms})"


def find_copies(
    client: DriveClient, feed: ChangeFeed, provenances: Sequence[Provenance], page_size: int
) -> dict[tuple[str, str], MediaEntry]:
    """The copies of ``provenances`` in the tree of ``feed``'s root, keyed by provenance.

    Costs one query per 40 provenances; the folder map (folders/50 calls) only when a copy is
    found, once per source instance.
    """
    wanted = {copy_marker(provenance): provenance for provenance in provenances}
    markers = list(wanted)
    hits: list[Mapping[str, Any]] = []
    for start in range(0, len(markers), MARKERS_PER_QUERY):
        query = marker_query(markers[start : start + MARKERS_PER_QUERY])
        hits += list_pages(
            client,
            query,
            drive_id=feed.root.drive_id,
            page_size=page_size,
            fields=f"{FILE_FIELDS},appProperties",
        )
    if not hits:
        return {}
    oldest_first = sorted(hits, key=lambda r: (str(r.get("createdTime")), str(r["id"])))
    placed = feed.place(oldest_first)
    found: dict[tuple[str, str], MediaEntry] = {}
    for resource in oldest_first:  # a marker on two files (a copy of the copy): the first
        provenance = wanted.get((resource.get("appProperties") or {}).get(COPY_KEY, ""))
        entry = placed.get(str(resource["id"]))
        if provenance is not None and entry is not None and provenance.key not in found:
            found[provenance.key] = attrs.evolve(entry, provenance=provenance)
    return found
