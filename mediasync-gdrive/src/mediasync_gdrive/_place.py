"""Changed files placed at the path a full listing would give them.

The folder part of a path comes from the folder map. The name is the file's own (made safe),
unless another live file of the folder shares it once made safe: then the oldest keeps it and
the others get ``name (FILEID).ext`` (``_names``). Knowing that takes a query for the siblings
of that name, grouped ``NAMES_PER_QUERY`` names to a query. Drive matches names exactly, so
the query asks for each spelling of the name: the safe name itself, the changed files' own,
and those the map remembers for it (``FolderMap.names``: ``a/b.jpg`` beside ``a_b.jpg``).

A file that leaves a name (renamed, moved, trashed, deleted) changes nothing for its siblings
unless it was the oldest of several: then the next oldest gets the plain name. The map
remembers who holds each shared name, so those names are checked too, by the same queries.

A run may spend ``budget`` such queries (the change feed's calls stay about one per 1,000
changes): the names known to be shared come first (the map remembers them, freed ones
included), then files created since the map last saw the feed (a second upload of a photo is
the common way two files come to share a name), then the rest. A name left unchecked keeps the
file's own name until the next full reconcile tells them apart.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mediasync import MediaEntry
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import entry_from, quote
from mediasync_gdrive._foldermap import FolderMap, Members
from mediasync_gdrive._listing import FILES_FILTER, list_pages, notable_names
from mediasync_gdrive._names import SHORTCUT, assign_names, is_folder_like, safe_name
from mediasync_gdrive._walk import TreeWalker

__all__ = ["NAMES_PER_QUERY", "Placer"]

logger = logging.getLogger("mediasync.gdrive")
NAMES_PER_QUERY = 100
Resource = Mapping[str, Any]
Pair = tuple[str, str]
"""(folder id, safe name)"""


class Placer:
    """Places the changed files of one run; ``budget`` sibling queries at most (None: any)."""

    def __init__(self, client: DriveClient, walker: TreeWalker, budget: int | None) -> None:
        self.client = client
        self.walker = walker
        self.budget = budget
        self.unchecked = 0

    def place(
        self,
        fmap: FolderMap,
        paths: Mapping[str, str],
        files: Sequence[tuple[str, Resource]],
        left: Iterable[str] = (),
        remembered: Mapping[str, Members] | None = None,
    ) -> dict[str, MediaEntry]:
        """Entries by id of ``files`` (``(node key, resource)``), and of the siblings whose
        path the check showed; a file that changed again since the feed was read has none.

        ``left``: ids of files gone from the tree (trashed, deleted, moved out) or placed by a
        listing: a name the oldest of them held (in ``remembered``, the map's ``names`` before
        the page; by default as they are) passes to the next oldest sibling, placed too."""
        wanted: dict[Pair, set[str]] = defaultdict(set)
        rank: dict[Pair, int] = {}
        for key, resource in files:
            spelling = str(resource["name"])
            pair = (fmap.listing_id(key), safe_name(spelling))
            wanted[pair].add(spelling)
            new = str(resource.get("createdTime") or "") > fmap.seen_until
            shared = fmap.shared(_key(pair))
            rank[pair] = min(rank.get(pair, 2), 0 if shared else 1 if new else 2)
        freed = self._freed(fmap, files, left, fmap.names if remembered is None else remembered)
        for pair in freed:
            wanted.setdefault(pair, set())
            rank[pair] = 0
        checked = self._siblings(fmap, wanted, rank)
        upserts: dict[str, MediaEntry] = {}
        for key, resource in files:
            folder = fmap.listing_id(key)
            siblings = checked.get((folder, safe_name(str(resource["name"]))))
            if siblings is None:
                self.unchecked += 1
                name: str | None = safe_name(str(resource["name"]))
                names: dict[str, str] = {}
                _remember(fmap, key, resource)
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
        if freed:
            self._place_freed(fmap, paths, {p: checked[p] for p in freed if p in checked}, upserts)
        return upserts

    def _place_freed(
        self,
        fmap: FolderMap,
        paths: Mapping[str, str],
        checked: Mapping[Pair, list[Resource]],
        upserts: dict[str, MediaEntry],
    ) -> None:
        """Entries of the files left with a name freed (the next oldest has it now)."""
        keys = fmap.keys_by_folder()
        for (folder, safe), siblings in checked.items():
            key = keys.get(folder)
            if key is None or key not in paths:
                continue
            names = assign_names(siblings)
            for other in siblings:
                other_id = str(other["id"])
                if other_id in upserts or (
                    other.get("mimeType") == SHORTCUT and names[other_id] != safe
                ):
                    continue  # a shortcut's path changes only if it now has the plain name
                self._upsert(other, posixpath.join(paths[key], names[other_id]), upserts)

    def _upsert(self, resource: Resource, path: str, upserts: dict[str, MediaEntry]) -> None:
        if resource.get("mimeType") == SHORTCUT:
            entry = self.walker.shortcut_entry(resource, path)
        else:
            entry = entry_from(resource, path)
        if entry is not None:
            upserts[entry.source_id] = entry

    @staticmethod
    def _freed(
        fmap: FolderMap,
        files: Sequence[tuple[str, Resource]],
        left: Iterable[str],
        remembered: Mapping[str, Members],
    ) -> list[Pair]:
        """The shared names (of folders still in the tree) whose oldest holder left them: to
        check, the next one gets the name. The map forgets the other files that left a name."""
        where: dict[str, list[str]] = defaultdict(list)
        for pair, members in remembered.items():
            for file_id, _name in members:
                where[file_id].append(pair)
        if not where:
            return []
        now = {
            str(r["id"]): _key((fmap.listing_id(key), safe_name(str(r["name"]))))
            for key, r in files
        }
        folders = fmap.keys_by_folder()
        freed: dict[Pair, None] = {}
        for file_id in [*now, *left]:
            for pair in where.get(file_id, ()):
                folder, _, safe = pair.partition("/")
                members = remembered[pair]
                if now.get(file_id) == pair or folder not in folders:
                    continue
                if len(members) > 1 and members[0][0] == file_id:
                    freed[(folder, safe)] = None
                elif pair in fmap.names:
                    rest = tuple(m for m in fmap.names[pair] if m[0] != file_id)
                    if len(rest) > 1 or (rest and rest[0][1] != safe):
                        fmap.names[pair] = rest
                    else:
                        del fmap.names[pair]
        return list(freed)

    def _siblings(
        self, fmap: FolderMap, wanted: Mapping[Pair, set[str]], rank: Mapping[Pair, int]
    ) -> dict[Pair, list[Resource]]:
        """Live files by (folder id, safe name) for the names the budget allows."""
        order = sorted(wanted, key=lambda pair: (rank[pair], pair))
        found: dict[Pair, list[Resource]] = {}
        for start in range(0, len(order), NAMES_PER_QUERY):
            if self.budget is not None:
                if self.budget <= 0:
                    break
                self.budget -= 1
            chunk = order[start : start + NAMES_PER_QUERY]
            by_folder: dict[str, set[str]] = defaultdict(set)
            for folder, safe in chunk:
                spellings = {safe, *wanted[(folder, safe)]}
                spellings.update(n for _, n in fmap.names.get(_key((folder, safe)), ()))
                by_folder[folder] |= spellings
                found[(folder, safe)] = []
            clauses = " or ".join(
                f"({quote(folder)} in parents and ("
                + " or ".join(f"name = {quote(n)}" for n in sorted(names))
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
        for pair, siblings in found.items():
            notable = notable_names(pair[0], siblings)
            fmap.names.pop(_key(pair), None)
            fmap.names.update(notable)
        return found


def _key(pair: Pair) -> str:
    return f"{pair[0]}/{pair[1]}"


def _remember(fmap: FolderMap, key: str, resource: Resource) -> None:
    """Notes a name written otherwise than made safe, for the next check of that name."""
    name = str(resource["name"])
    safe = safe_name(name)
    if name == safe or is_folder_like(resource):
        return
    pair = _key((fmap.listing_id(key), safe))
    members = fmap.names.get(pair, ())
    if all(file_id != str(resource["id"]) for file_id, _ in members):
        fmap.names[pair] = (*members, (str(resource["id"]), name))
