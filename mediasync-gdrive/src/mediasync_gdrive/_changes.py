"""Reading Drive's change feed into ``ChangePage``s, with a folder map to place each change.

Drive's ``changes.list`` reports changed files across the whole account (or one shared drive),
with their *current* state. Deciding whether a change is inside the source's tree, and at which
path, needs a map of the tree's folders. Nothing may be kept in loose files and a ``Source``
cannot reach the index, so the map is built per run, on demand: only when a page holds a live
change (a no-change sync costs the one ``changes.list`` call), by listing the tree's folders
breadth-first (folders and shortcuts only, 50 parents per query: about folders/50 calls). It
reflects current state, exactly like the change records, so the two agree.

With the map:

- a file whose parent is in the map is upserted at its path; same-named siblings are fetched
  (one query per page and 40 names) so that paths are told apart as a full listing would;
- a file whose parent is not in the map left the tree (or never was in it): removed; removing
  an id the index never had is a no-op;
- trashed or deleted files are removed;
- a folder in the tree that changed (renamed, moved, moved in, restored) has its subtree
  re-listed and upserted: every path below it may have changed;
- a folder that is trashed, or now outside the tree, has its subtree listed (trashed items
  included) and every media file in it removed;
- the root folder itself trashed, deleted or no longer shared stops the run: nothing is removed.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from mediasync import ChangePage, CursorInvalid, MediaEntry, SourceUnreachable
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, entry_from, quote
from mediasync_gdrive._errors import DriveBadRequest, DriveNotFound
from mediasync_gdrive._names import FOLDER, SHORTCUT, assign_names, media_type
from mediasync_gdrive._walk import Folder, TreeWalker, list_pages

__all__ = ["ChangeFeed", "format_cursor", "parse_cursor"]

CHANGE_FIELDS = (
    "nextPageToken,newStartPageToken,"
    f"changes(changeType,removed,fileId,file({FILE_FIELDS},trashed))"
)
NAMES_PER_QUERY = 40


def format_cursor(token: str, drive_id: str | None) -> str:
    """The cursor the engine stores: Drive's token, prefixed by the shared drive if any, so a
    later run needs no call to learn which feed to read."""
    return f"{drive_id}:{token}" if drive_id else token


def parse_cursor(cursor: str) -> tuple[str, str | None]:
    drive_id, sep, token = cursor.rpartition(":")
    return (token, drive_id) if sep else (cursor, None)


class ChangeFeed:
    """Turns pages of ``changes.list`` into ``ChangePage``s for the tree rooted at ``root``."""

    def __init__(self, client: DriveClient, walker: TreeWalker, root: Folder, page_size: int):
        self.client = client
        self.walker = walker
        self.root = root
        self.page_size = page_size
        self._folders: dict[str, Folder] | None = None

    def start_token(self) -> str:
        drive = {"driveId": self.root.drive_id} if self.root.drive_id else {}
        response = self.client.call(
            lambda s: s.changes().getStartPageToken(supportsAllDrives=True, **drive),
            "changes.getStartPageToken",
        )
        return format_cursor(str(response["startPageToken"]), self.root.drive_id)

    def page(self, cursor: str) -> ChangePage:
        token, drive_id = parse_cursor(cursor)
        drive = {"driveId": drive_id} if drive_id else {}
        try:
            response = self.client.call(
                lambda s: s.changes().list(
                    pageToken=token,
                    pageSize=self.page_size,
                    includeRemoved=True,
                    supportsAllDrives=True,
                    includeItemsFromAllDrives=True,
                    spaces="drive",
                    fields=CHANGE_FIELDS,
                    **drive,
                ),
                "changes.list",
            )
        except (DriveBadRequest, DriveNotFound) as exc:
            raise CursorInvalid(f"Drive no longer accepts the change-feed token ({exc})") from None
        upserts, removed = self._apply(response.get("changes", []))
        following = response.get("nextPageToken")
        next_token = following or response.get("newStartPageToken") or token
        return ChangePage(
            upserts=tuple(upserts.values()),
            removed=tuple(r for r in removed if r not in upserts),
            cursor=format_cursor(str(next_token), drive_id),
            more=bool(following),
        )

    # -- one page ------------------------------------------------------------------------------

    def _apply(
        self, changes: list[Mapping[str, Any]]
    ) -> tuple[dict[str, MediaEntry], dict[str, None]]:
        latest: dict[str, Mapping[str, Any]] = {}
        for change in changes:
            if change.get("changeType", "file") == "file" and change.get("fileId"):
                latest.pop(str(change["fileId"]), None)
                latest[str(change["fileId"])] = change
        upserts: dict[str, MediaEntry] = {}
        removed: dict[str, None] = {}
        live_files: list[Mapping[str, Any]] = []
        live_folders: list[Mapping[str, Any]] = []
        gone_folders: list[str] = []
        for file_id, change in latest.items():
            resource = change.get("file")
            gone = bool(change.get("removed")) or resource is None or resource.get("trashed")
            if file_id == self.root.id:
                if gone:
                    raise SourceUnreachable(
                        "the source's Drive folder was trashed, deleted or unshared; nothing "
                        "was changed in the index (restore or share it, or remove the source)"
                    )
                continue
            if gone:
                removed[file_id] = None
                if resource is not None and resource.get("mimeType") == FOLDER:
                    gone_folders.append(file_id)
            elif resource is not None and resource.get("mimeType") == FOLDER:
                live_folders.append(resource)
            elif resource is not None:
                live_files.append(resource)
        if live_files or live_folders:
            folders = self.folders()
            gone_folders += self._folders_changed(live_folders, folders, upserts)
            self._files_changed(live_files, folders, upserts, removed)
        for folder_id in gone_folders:
            start = Folder(folder_id, "", None)
            for entry in self.walker.walk([start], visited=set(), trashed_too=True):
                removed[entry.source_id] = None
        return upserts, removed

    def folders(self) -> dict[str, Folder]:
        """The tree's folders (and folders reached through shortcuts) by id, built once."""
        if self._folders is None:
            found: dict[str, Folder] = {self.root.id: self.root}
            walk = self.walker.walk(
                [self.root],
                visited=set(),
                folders_only=True,
                on_folder=lambda f: found.update({f.id: f}),
            )
            for _ in walk:
                pass
            self._folders = found
        return self._folders

    def place(self, resources: list[Mapping[str, Any]]) -> dict[str, MediaEntry]:
        """Entries of these files, by id, at the paths a listing gives them (same-named
        siblings told apart); files outside the tree, or not media, have none."""
        upserts: dict[str, MediaEntry] = {}
        self._files_changed(resources, self.folders(), upserts, {})
        return upserts

    def _folders_changed(
        self,
        changed: list[Mapping[str, Any]],
        folders: dict[str, Folder],
        upserts: dict[str, MediaEntry],
    ) -> list[str]:
        """Re-lists changed folders inside the tree; returns those now outside it."""
        inside = sorted(
            (folders[str(r["id"])] for r in changed if str(r["id"]) in folders),
            key=lambda f: f.path.count("/"),
        )
        visited: set[str] = set()
        for folder in inside:
            for entry in self.walker.walk([folder], visited=visited):
                upserts[entry.source_id] = entry
        return [str(r["id"]) for r in changed if str(r["id"]) not in folders]

    def _files_changed(
        self,
        changed: list[Mapping[str, Any]],
        folders: dict[str, Folder],
        upserts: dict[str, MediaEntry],
        removed: dict[str, None],
    ) -> None:
        placed: list[tuple[Folder, Mapping[str, Any]]] = []
        for resource in changed:
            parent = next((p for p in resource.get("parents") or () if p in folders), None)
            is_shortcut = resource.get("mimeType") == SHORTCUT
            if parent is None:
                removed[str(resource["id"])] = None
            elif is_shortcut or media_type(resource.get("mimeType"), str(resource["name"])):
                placed.append((folders[parent], resource))
        if not placed:
            return
        siblings = self._siblings(placed)
        for folder, resource in placed:
            names = assign_names(siblings.get(folder.id) or [resource])
            name = names.get(str(resource["id"]))
            if name is None:  # changed again since the feed was read: the next page says how
                continue
            path = posixpath.join(folder.path, name)
            self._upsert(resource, path, folders, upserts)
            for other in siblings.get(folder.id, []):
                other_id = str(other["id"])
                if other_id not in upserts and other.get("mimeType") not in (FOLDER, SHORTCUT):
                    entry = entry_from(other, posixpath.join(folder.path, names[other_id]))
                    if entry is not None:
                        upserts[other_id] = entry

    def _upsert(
        self,
        resource: Mapping[str, Any],
        path: str,
        folders: dict[str, Folder],
        upserts: dict[str, MediaEntry],
    ) -> None:
        if resource.get("mimeType") != SHORTCUT:
            entry = entry_from(resource, path)
            if entry is not None:
                upserts[entry.source_id] = entry
            return
        details = resource.get("shortcutDetails") or {}
        target = str(details.get("targetId", ""))
        if details.get("targetMimeType") == FOLDER:
            if target in folders:
                for entry in self.walker.walk([folders[target]], visited=set()):
                    upserts[entry.source_id] = entry
            return
        shortcut = self.walker.shortcut_entry(resource, path)
        if shortcut is not None:
            upserts[shortcut.source_id] = shortcut

    def _siblings(
        self, placed: list[tuple[Folder, Mapping[str, Any]]]
    ) -> dict[str, list[Mapping[str, Any]]]:
        """Every live child sharing a name with a changed file, by parent: one query per 40."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for folder, resource in placed:
            wanted[folder.id].add(str(resource["name"]))
        pairs = [(parent, name) for parent, names in wanted.items() for name in sorted(names)]
        found: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        for start in range(0, len(pairs), NAMES_PER_QUERY):
            chunk = pairs[start : start + NAMES_PER_QUERY]
            by_parent: dict[str, list[str]] = defaultdict(list)
            for parent, name in chunk:
                by_parent[parent].append(name)
            clauses = [
                f"({quote(parent)} in parents and ("
                + " or ".join(f"name = {quote(n)}" for n in names)
                + "))"
                for parent, names in by_parent.items()
            ]
            q = f"trashed = false and ({' or '.join(clauses)})"
            for resource in list_pages(self.client, q, page_size=self.page_size):
                for parent in resource.get("parents") or ():
                    if parent in by_parent:
                        found[parent][str(resource["id"])] = resource
        return {parent: list(children.values()) for parent, children in found.items()}
