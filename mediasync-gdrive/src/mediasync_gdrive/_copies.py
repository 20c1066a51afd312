"""The marker an upload leaves on a copy, and finding copies by it (``Source.find_copies``).

The marker is one ``appProperties`` entry (private to this app, invisible in Drive's UI):
``mediasyncCopy`` = the SHA-256 of the copy's source name and item id. A digest, because Drive
limits a property's key and value to 124 bytes together and an item id may be long; the source
name is in it because an id is unique within its source only. Copies are found with
``appProperties has {...}`` queries, 40 markers to a query, across the corpus of the root's
drive; a file found is a copy only if it lies in the tree, where the change feed's folder map
places it at the path a listing gives it.

A second entry, ``mediasyncCopiedAt``, holds the copy's time (``Provenance.copied_at``): an
identifier may pass from one item of its source to another (a local folder's inode), so one
marker may be on the copies of two items, and ``copy`` tells them apart by that time (a marker
written before it existed is taken to be as old as its file). Of the files carrying one
marker, the latest copy is given, the oldest file among equals (a copy of the copy in Drive).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from mediasync import MediaEntry, Provenance
from mediasync_gdrive._changes import ChangeFeed
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, parse_time, quote
from mediasync_gdrive._listing import list_pages

__all__ = [
    "COPIED_AT_KEY",
    "COPY_KEY",
    "copied_at",
    "copy_marker",
    "copy_properties",
    "find_copies",
    "marker_query",
]

COPY_KEY = "mediasyncCopy"
COPIED_AT_KEY = "mediasyncCopiedAt"
MARKERS_PER_QUERY = 40


def copy_marker(provenance: Provenance) -> str:
    """The ``appProperties`` value of a copy: 64 hex digits, 77 bytes with the key."""
    text = f"{provenance.source}\n{provenance.source_id}"
    return hashlib.sha256(text.encode()).hexdigest()


def copy_properties(provenance: Provenance) -> dict[str, str]:
    """The ``appProperties`` an upload with ``provenance`` carries: the marker, and the
    copy's time where it has one."""
    properties = {COPY_KEY: copy_marker(provenance)}
    if provenance.copied_at is not None:
        properties[COPIED_AT_KEY] = provenance.copied_at.astimezone(UTC).isoformat()
    return properties


def copied_at(resource: Mapping[str, Any]) -> datetime | None:
    """The copy's time a file's ``appProperties`` hold; ``None`` when it has none or it is
    not a time."""
    value = (resource.get("appProperties") or {}).get(COPIED_AT_KEY)
    try:
        return None if value is None else datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None


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
    times: dict[tuple[str, str], datetime] = {}
    for resource in oldest_first:
        provenance = wanted.get((resource.get("appProperties") or {}).get(COPY_KEY, ""))
        entry = placed.get(str(resource["id"]))
        if provenance is None or entry is None:
            continue
        when = copied_at(resource) or parse_time(resource.get("createdTime"))
        # A marker on two files: the later copy (two items on one identifier in turn), else
        # the first file (a copy of the copy).
        if provenance.key not in times or times[provenance.key] < when:
            times[provenance.key] = when
            copy = attrs.evolve(provenance, copied_at=when)
            found[provenance.key] = attrs.evolve(entry, provenance=copy)
    return found
