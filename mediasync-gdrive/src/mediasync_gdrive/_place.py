"""Changed files placed at the path a full listing would give them.

The folder part of a path comes from the folder map. The name is the file's own (made safe),
unless another live file of the folder shares it: then the oldest keeps it and the others get
``name (FILEID).ext`` (``_names``). Knowing that takes a query for the siblings of that name,
grouped ``NAMES_PER_QUERY`` names to a query. A run may spend ``budget`` such queries (the
change feed's calls stay about one per 1,000 changes): the names a listing found shared come
first (the map remembers them), then files created since the map last saw the feed (a second
upload of a photo is the common way two files come to share a name), then the rest. A name
left unchecked keeps the file's own name until the next full reconcile tells them apart.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from mediasync import MediaEntry
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import entry_from, quote
from mediasync_gdrive._foldermap import FolderMap
from mediasync_gdrive._listing import FILES_FILTER, list_pages
from mediasync_gdrive._names import SHORTCUT, assign_names, is_folder_like, safe_name
from mediasync_gdrive._walk import TreeWalker

__all__ = ["NAMES_PER_QUERY", "Placer"]

logger = logging.getLogger("mediasync.gdrive")
NAMES_PER_QUERY = 100
Resource = Mapping[str, Any]


class Placer:
    """Places the changed files of one run; ``budget`` sibling queries at most (None: any)."""

    def __init__(self, client: DriveClient, walker: TreeWalker, budget: int | None) -> None:
        self.client = client
        self.walker = walker
        self.budget = budget
        self.unchecked = 0

    def place(
        self, fmap: FolderMap, paths: Mapping[str, str], files: Sequence[tuple[str, Resource]]
    ) -> dict[str, MediaEntry]:
        """Entries by id of ``files`` (``(node key, resource)``), and of the siblings whose
        path the check showed; a file that changed again since the feed was read has none."""
        checked = self._siblings(fmap, files)
        upserts: dict[str, MediaEntry] = {}
        for key, resource in files:
            folder = fmap.listing_id(key)
            siblings = checked.get((folder, safe_name(str(resource["name"]))))
            if siblings is None:
                self.unchecked += 1
                name: str | None = safe_name(str(resource["name"]))
                names: dict[str, str] = {}
            else:
                names = assign_names(siblings or [resource])
                name = names.get(str(resource["id"]))
            if name is None:
                continue  # renamed or moved again: the feed's next entry for it says where
            self._upsert(resource, posixpath.join(paths[key], name), upserts)
            for other in siblings or ():
                other_id = str(other["id"])
                if other_id not in upserts and other.get("mimeType") != SHORTCUT:
                    entry = entry_from(other, posixpath.join(paths[key], names[other_id]))
                    if entry is not None:
                        upserts[other_id] = entry
        return upserts

    def _upsert(self, resource: Resource, path: str, upserts: dict[str, MediaEntry]) -> None:
        if resource.get("mimeType") == SHORTCUT:
            entry = self.walker.shortcut_entry(resource, path)
        else:
            entry = entry_from(resource, path)
        if entry is not None:
            upserts[entry.source_id] = entry

    def _siblings(
        self, fmap: FolderMap, files: Sequence[tuple[str, Resource]]
    ) -> dict[tuple[str, str], list[Resource]]:
        """Live files by (folder id, safe name) for the names the budget allows."""
        wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
        rank: dict[tuple[str, str], int] = {}
        for key, resource in files:
            name = str(resource["name"])
            pair = (fmap.listing_id(key), safe_name(name))
            wanted[pair].add(name)
            new = str(resource.get("createdTime") or "") > fmap.seen_until
            shared = f"{pair[0]}/{pair[1]}" in fmap.shared
            rank[pair] = min(rank.get(pair, 2), 0 if shared else 1 if new else 2)
        order = sorted(wanted, key=lambda pair: (rank[pair], pair))
        found: dict[tuple[str, str], list[Resource]] = {}
        for start in range(0, len(order), NAMES_PER_QUERY):
            if self.budget is not None:
                if self.budget <= 0:
                    break
                self.budget -= 1
            chunk = order[start : start + NAMES_PER_QUERY]
            by_folder: dict[str, list[str]] = defaultdict(list)
            for folder, safe in chunk:
                by_folder[folder] += sorted(wanted[(folder, safe)])
                found[(folder, safe)] = []
            clauses = " or ".join(
                f"({quote(folder)} in parents and ("
                + " or ".join(f"name = {quote(n)}" for n in names)
                + "))"
                for folder, names in by_folder.items()
            )
            for resource in list_pages(
                self.client, f"trashed = false and {FILES_FILTER} and ({clauses})"
            ):
                if is_folder_like(resource):
                    continue
                for parent in resource.get("parents") or ():
                    pair = (str(parent), safe_name(str(resource["name"])))
                    if pair in found:
                        found[pair].append(resource)
        for (folder, safe), siblings in found.items():
            (fmap.shared.add if len(siblings) > 1 else fmap.shared.discard)(f"{folder}/{safe}")
        return found
