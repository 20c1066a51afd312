"""A page of Drive's change feed applied to the folder map, and what that does to the paths.

Drive reports a folder that was renamed, moved in, moved out, trashed, restored or deleted as
one change of that folder, with its state now, and nothing about the files below it. So the
map is updated from those changes alone, and ``folder_changes`` compares the map before and
after: every folder whose path changed becomes one ``moved_folders`` pair (only where the
change starts: a folder inside a moved one follows it), every folder that left the tree one
``removed_folders`` path. Folders new to the tree are listed (``tops``): their content is
not in the feed, unless the folder was created after everything the map has seen, in which
case whatever it holds arrived later and is in the feed on its own.

A change mentioning a folder the map does not know: if the map knows the folder to be outside
(it remembers those), it is ignored; otherwise the folder's ancestry is fetched with
``files.get``, once per folder, until a folder of the map or the top of a drive is reached.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._errors import DriveNotFound
from mediasync_gdrive._foldermap import FolderMap, Node
from mediasync_gdrive._names import FOLDER

__all__ = ["FOLDER_FIELDS", "MapUpdate", "folder_changes"]

FOLDER_FIELDS = (
    "id,name,mimeType,parents,createdTime,driveId,trashed,shortcutDetails(targetId,targetMimeType)"
)


class MapUpdate:
    """Applies folder changes to ``fmap`` (in place); ``tops`` are the node keys to list."""

    def __init__(self, fmap: FolderMap, client: DriveClient, *, lookups: bool = True) -> None:
        self.map = fmap
        self.client = client
        self.lookups = lookups
        """False: a folder the map does not know is taken as outside, not looked up."""
        self.tops: list[str] = []
        self.fetched = 0
        self._by_folder = fmap.keys_by_folder()
        self._pending: dict[str, Mapping[str, Any]] = {}
        self._placing: set[str] = set()

    def apply(
        self,
        gone: Iterable[str],
        folders: Iterable[Mapping[str, Any]],
        shortcuts: Iterable[Mapping[str, Any]],
    ) -> None:
        """``gone``: ids removed or trashed; ``folders`` and ``shortcuts`` (to folders): live."""
        for file_id in gone:
            self._drop(file_id)
        live = list(folders)
        self._pending.update((str(resource["id"]), resource) for resource in live)
        for resource in live:
            self.folder_key(str(resource["id"]))
        for resource in shortcuts:
            self._place_shortcut(resource)
        self.map.prune()

    def parent_key(self, parents: Iterable[str]) -> str | None:
        """The node of the first parent inside the tree; ``None`` when none is."""
        for parent in parents:
            key = self.folder_key(parent)
            if key is not None:
                return key
        return None

    def folder_key(self, folder_id: str) -> str | None:
        """The node key of a folder inside the tree, ``None`` outside; an unknown folder is
        looked up (one ``files.get``) and remembered either way."""
        if folder_id in self._placing:
            return None  # a cycle of moves read half-way: outside until the next page
        pending = self._pending.pop(folder_id, None)
        if pending is not None:
            return self._place_folder(pending)
        key = self._by_folder.get(folder_id)
        if key is not None and key in self.map.nodes:
            return key
        if folder_id in self.map.outside:
            return None
        resource = self._fetch(folder_id) if self.lookups else None
        if resource is None:
            self.map.mark_outside([folder_id])
            return None
        return self._place_folder(resource)

    def _place_folder(self, resource: Mapping[str, Any]) -> str | None:
        folder_id = str(resource["id"])
        if folder_id == self.map.root:
            return folder_id
        key = self._by_folder.get(folder_id)
        node = self.map.nodes.get(key) if key is not None else None
        if node is not None and node.target is not None:
            return key  # reached through a shortcut: where the folder itself is does not matter
        parent = None
        if not resource.get("trashed"):
            self._placing.add(folder_id)
            parent = self.parent_key(str(p) for p in resource.get("parents") or ())
            self._placing.discard(folder_id)
        if parent is None:
            self._drop(folder_id)
            self.map.mark_outside([folder_id])
            return None
        drive = resource.get("driveId")
        self.map.add(
            folder_id,
            Node(
                parent,
                str(resource.get("name", "")),
                str(resource.get("createdTime", "")),
                None,
                drive if drive != self.map.drive else None,
            ),
        )
        self._by_folder[folder_id] = folder_id
        if node is None and self._needs_listing(resource):
            self.tops.append(folder_id)
        return folder_id

    def _place_shortcut(self, resource: Mapping[str, Any]) -> None:
        key = str(resource["id"])
        target = str((resource.get("shortcutDetails") or {}).get("targetId", ""))
        node = self.map.nodes.get(key)
        parent = self.parent_key(str(p) for p in resource.get("parents") or ())
        if parent is None or not target:
            self._drop(key)
            return
        blocked = node.blocked if node is not None else target in self._by_folder
        name, created = str(resource.get("name", "")), str(resource.get("createdTime", ""))
        self.map.add(key, Node(parent, name, created, target, None, blocked))
        if node is None and not blocked:
            self._by_folder[target] = key
            self.tops.append(key)

    def _drop(self, file_id: str) -> None:
        key = file_id if file_id in self.map.nodes else self._by_folder.get(file_id)
        if key is None or key == self.map.root or key not in self.map.nodes:
            return
        node = self.map.nodes.pop(key)
        if not node.blocked:
            self._by_folder.pop(node.target or key, None)

    def _needs_listing(self, resource: Mapping[str, Any]) -> bool:
        created = str(resource.get("createdTime") or "")
        return not (self.map.seen_until and created > self.map.seen_until)

    def _fetch(self, folder_id: str) -> Mapping[str, Any] | None:
        self.fetched += 1
        try:
            resource: Mapping[str, Any] = self.client.call(
                lambda s: s.files().get(
                    fileId=folder_id, fields=FOLDER_FIELDS, supportsAllDrives=True
                ),
                "files.get (a folder's ancestry)",
            )
        except DriveNotFound:
            return None
        return resource if resource.get("mimeType") == FOLDER else None


def folder_changes(old: FolderMap, new: FolderMap) -> tuple[list[tuple[str, str]], list[str]]:
    """(moved folders as ``(old path, new path)``, removed folder paths) from ``old`` to
    ``new``, only where a change starts (the engine moves what is below along)."""
    before, after = old.paths(), new.paths()
    moved: list[tuple[str, str]] = []
    removed: list[str] = []
    for key, path in before.items():
        node = old.nodes[key]
        if key == old.root or node.blocked:
            continue
        if key not in after:
            if node.parent in after:
                removed.append(path)
        elif after[key] != path:
            now = new.nodes[key]
            renamed = posixpath.basename(after[key]) != posixpath.basename(path)
            if renamed or now.parent != node.parent:
                moved.append((path, after[key]))
    return moved, removed
