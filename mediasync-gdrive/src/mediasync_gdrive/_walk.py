"""Listing a folder tree breadth-first, many folders per ``files.list`` query.

Each query asks for the children of up to ``parents_per_query`` folders at once
(``'a' in parents or 'b' in parents …``), 1,000 per page, only the fields needed, trashed items
and non-media types filtered out by Drive. The pages of one query are buffered (only that
query's children, never the whole tree), because telling same-named siblings apart needs all of
a folder's children. Shortcuts are followed once: a shortcut to a file yields that file's
content under the shortcut's id; shortcuts to folders are expanded after the real tree, and
only into folders not visited yet, so a shortcut loop or a shortcut back into the tree ends.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from mediasync import MediaEntry
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, entry_from, quote
from mediasync_gdrive._errors import DriveNotFound
from mediasync_gdrive._names import FOLDER, SHORTCUT, assign_names

__all__ = ["Folder", "TreeWalker", "list_pages"]

logger = logging.getLogger("mediasync.gdrive")
MEDIA_FILTER = (
    f"(mimeType = {quote(FOLDER)} or mimeType = {quote(SHORTCUT)} or "
    "mimeType contains 'image/' or mimeType contains 'video/' or "
    "mimeType = 'application/octet-stream')"
)
FOLDERS_FILTER = f"(mimeType = {quote(FOLDER)} or mimeType = {quote(SHORTCUT)})"


@attrs.frozen(slots=True)
class Folder:
    """A folder of the tree: its id, its path below the root, its shared drive if any."""

    id: str
    path: str
    drive_id: str | None = None


def list_pages(
    client: DriveClient,
    q: str,
    *,
    drive_id: str | None = None,
    page_size: int = 1000,
    fields: str = FILE_FIELDS,
) -> Iterator[dict[str, Any]]:
    """Every file matching ``q``, page after page (each page one API call), with ``fields``."""
    token: str | None = None
    corpus: dict[str, Any] = {"corpora": "drive", "driveId": drive_id} if drive_id else {}
    while True:

        def request(service: Any, page: str | None = token) -> Any:
            return service.files().list(
                q=q,
                pageSize=page_size,
                pageToken=page,
                fields=f"nextPageToken,files({fields})",
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
                **corpus,
            )

        response = client.call(request, "files.list")
        yield from response.get("files", [])
        token = response.get("nextPageToken")
        if not token:
            return


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
        trashed_too: bool = False,
        folders_only: bool = False,
        on_folder: Callable[[Folder], None] | None = None,
    ) -> Iterator[MediaEntry]:
        """Yields the media below ``starts`` with their paths.

        Args:
            trashed_too: list trashed children too (to learn what a trashed folder held).
            folders_only: list folders and shortcuts only, yield nothing; ``on_folder`` hears
                of each folder (the change feed's folder map).
        """
        queues: dict[str | None, deque[Folder]] = defaultdict(deque)
        shortcuts: deque[Folder] = deque()
        multi_parent: set[str] = set()
        for start in starts:
            if start.id not in visited:
                visited.add(start.id)
                queues[start.drive_id].append(start)
        while True:
            batch = self._next_batch(queues)
            while not batch and shortcuts:
                target = shortcuts.popleft()
                if target.id not in visited:
                    visited.add(target.id)
                    if on_folder is not None:
                        on_folder(target)
                    batch = [target]
            if not batch:
                return
            children = self._children(batch, trashed_too, folders_only)
            for folder in batch:
                kids = children.get(folder.id, [])
                names = assign_names(kids)
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
        shortcuts: deque[Folder],
        multi_parent: set[str],
        folders_only: bool,
        on_folder: Callable[[Folder], None] | None,
    ) -> Iterator[MediaEntry]:
        file_id = str(resource["id"])
        mime = resource.get("mimeType")
        if mime == FOLDER:
            if file_id not in visited:
                visited.add(file_id)
                child = Folder(file_id, path, resource.get("driveId") or folder.drive_id)
                if on_folder is not None:
                    on_folder(child)
                queues[child.drive_id].append(child)
            return
        if mime == SHORTCUT:
            details = resource.get("shortcutDetails") or {}
            target = details.get("targetId")
            if not target:
                return
            if details.get("targetMimeType") == FOLDER:
                shortcuts.append(Folder(str(target), path, None))
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
        self, batch: list[Folder], trashed_too: bool, folders_only: bool
    ) -> dict[str, list[Mapping[str, Any]]]:
        ids = {folder.id for folder in batch}
        parents = " or ".join(f"{quote(folder.id)} in parents" for folder in batch)
        terms = [f"({parents})", FOLDERS_FILTER if folders_only else MEDIA_FILTER]
        if not trashed_too:
            terms.append("trashed = false")
        children: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        drive_id = batch[0].drive_id
        for resource in list_pages(
            self.client, " and ".join(terms), drive_id=drive_id, page_size=self.page_size
        ):
            parent = next((p for p in resource.get("parents") or () if p in ids), None)
            if parent is not None:
                children[parent].append(resource)
        return children
