"""Listing a folder tree breadth-first, level by level, many folders per ``files.list`` query.

Used where the folder map cannot be had in one query (a huge My Drive holding a small root),
for folders that came into the tree, and for folders reached through shortcuts (often in
another corpus). Each level's folders are listed ``parents_per_query`` to a query
(``_listing``). Shortcuts are followed once: a shortcut to a file yields that file's
content under the shortcut's id; shortcuts to folders are expanded after the real tree, and
only into folders not visited yet, so a shortcut loop or a shortcut back into the tree ends.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mediasync import MediaEntry
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, entry_from
from mediasync_gdrive._errors import DriveNotFound
from mediasync_gdrive._listing import (
    FOLDERS_FILTER,
    MEDIA_FILTER,
    Folder,
    FolderSeen,
    children_of,
    notable_names,
)
from mediasync_gdrive._names import FOLDER, SHORTCUT, assign_names

__all__ = ["TreeWalker"]

logger = logging.getLogger("mediasync.gdrive")


class TreeWalker:
    """Walks folder trees of one source; ``visited`` folder ids are never listed twice."""

    def __init__(self, client: DriveClient, *, page_size: int, parents_per_query: int) -> None:
        self.client = client
        self.page_size = page_size
        self.parents_per_query = parents_per_query

    def walk(
        self,
        starts: Iterable[Folder],
        *,
        visited: set[str],
        folders_only: bool = False,
        on_folder: FolderSeen | None = None,
        duplicates: dict[str, tuple[tuple[str, str], ...]] | None = None,
    ) -> Iterator[MediaEntry]:
        """Yields the media below ``starts`` with their paths.

        Args:
            folders_only: list folders and shortcuts only, yield nothing; ``on_folder`` hears
                of each folder (how the folder map is built level by level).
            duplicates: gets the file names a folder map remembers (``notable_names``).
        """
        queues: dict[str | None, deque[Folder]] = defaultdict(deque)
        shortcuts: deque[tuple[Folder, Folder, Mapping[str, Any]]] = deque()
        multi_parent: set[str] = set()
        for start in starts:
            if start.id not in visited:
                visited.add(start.id)
                queues[start.drive_id].append(start)
        while True:
            batch = self._next_batch(queues)
            while not batch and shortcuts:
                target, parent, shortcut = shortcuts.popleft()
                blocked = target.id in visited
                if on_folder is not None:
                    on_folder(target, parent, shortcut, blocked)
                if not blocked:
                    visited.add(target.id)
                    batch = [target]
            if not batch:
                return
            children = self._children(batch, folders_only)
            for folder in batch:
                kids = children.get(folder.id, [])
                names = assign_names(kids)
                if duplicates is not None:
                    duplicates.update(notable_names(folder.id, kids))
                for resource in kids:
                    path = posixpath.join(folder.path, names[str(resource["id"])])
                    yield from self._visit(
                        resource,
                        path,
                        folder,
                        visited,
                        queues,
                        shortcuts,
                        multi_parent,
                        folders_only,
                        on_folder,
                    )

    def _visit(
        self,
        resource: Mapping[str, Any],
        path: str,
        folder: Folder,
        visited: set[str],
        queues: dict[str | None, deque[Folder]],
        shortcuts: deque[tuple[Folder, Folder, Mapping[str, Any]]],
        multi_parent: set[str],
        folders_only: bool,
        on_folder: FolderSeen | None,
    ) -> Iterator[MediaEntry]:
        file_id = str(resource["id"])
        mime = resource.get("mimeType")
        if mime == FOLDER:
            if file_id not in visited:
                visited.add(file_id)
                child = Folder(file_id, path, resource.get("driveId") or folder.drive_id)
                if on_folder is not None:
                    on_folder(child, folder, resource, False)
                queues[child.drive_id].append(child)
            return
        if mime == SHORTCUT:
            details = resource.get("shortcutDetails") or {}
            target = details.get("targetId")
            if not target:
                return
            if details.get("targetMimeType") == FOLDER:
                shortcuts.append((Folder(str(target), path, None, file_id), folder, resource))
            elif not folders_only:
                entry = self.shortcut_entry(resource, path)
                if entry is not None:
                    yield entry
            return
        if folders_only:
            return
        if len(resource.get("parents") or ()) > 1:
            if file_id in multi_parent:
                return
            multi_parent.add(file_id)
        entry = entry_from(resource, path)
        if entry is not None:
            yield entry

    def shortcut_entry(self, shortcut: Mapping[str, Any], path: str) -> MediaEntry | None:
        """The target's content under the shortcut's id; ``None`` if the target is gone."""
        target = str((shortcut.get("shortcutDetails") or {}).get("targetId"))
        try:
            content = self.client.call(
                lambda s: s.files().get(fileId=target, fields=FILE_FIELDS, supportsAllDrives=True),
                "files.get (shortcut target)",
            )
        except DriveNotFound:
            logger.info("shortcut %s points to %s, which is gone: skipped", path, target)
            return None
        return entry_from(shortcut, path, content=content)

    def _next_batch(self, queues: dict[str | None, deque[Folder]]) -> list[Folder]:
        """Up to ``parents_per_query`` queued folders of one corpus (My Drive or one drive)."""
        for queue in queues.values():
            if queue:
                count = min(len(queue), self.parents_per_query)
                return [queue.popleft() for _ in range(count)]
        return []

    def _children(
        self, batch: list[Folder], folders_only: bool
    ) -> dict[str, list[Mapping[str, Any]]]:
        return children_of(
            self.client,
            [folder.id for folder in batch],
            FOLDERS_FILTER if folders_only else MEDIA_FILTER,
            drive_id=batch[0].drive_id,
            page_size=self.page_size,
        )
