"""The ``files.list`` primitives every listing is made of: pages, children of many folders.

A query asks for the children of up to ``parents_per_query`` folders at once
(``'a' in parents or 'b' in parents …``), 1,000 per page, only the fields needed, trashed items
and non-media types filtered out by Drive. The pages of one query are buffered (only that
query's children, never the whole tree), because telling same-named siblings apart needs all of
a folder's children at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, quote
from mediasync_gdrive._names import FOLDER, SHORTCUT, is_folder_like, safe_name

__all__ = [
    "FILES_FILTER",
    "FOLDERS_FILTER",
    "MEDIA_FILTER",
    "Folder",
    "FolderSeen",
    "children_of",
    "list_pages",
    "notable_names",
    "page_by_page",
]

MEDIA_FILTER = (
    f"(mimeType = {quote(FOLDER)} or mimeType = {quote(SHORTCUT)} or "
    "mimeType contains 'image/' or mimeType contains 'video/' or "
    "mimeType = 'application/octet-stream')"
)
"""What a listing of a folder asks for: folders, shortcuts, and what may be media."""
FOLDERS_FILTER = f"(mimeType = {quote(FOLDER)} or mimeType = {quote(SHORTCUT)})"
FILES_FILTER = (
    f"(mimeType = {quote(SHORTCUT)} or mimeType contains 'image/' or "
    "mimeType contains 'video/' or mimeType = 'application/octet-stream')"
)
"""What a folder holds beside its folders (which the folder map knows): media and shortcuts."""


@attrs.frozen(slots=True)
class Folder:
    """A folder of the tree: its id, its path below the root, its shared drive if any.

    ``entry`` is the id of what stands in the parent folder: the folder's own id, or that of
    the shortcut through which the folder is reached (the folder map's key).
    """

    id: str
    path: str
    drive_id: str | None = None
    entry: str = ""

    @property
    def key(self) -> str:
        return self.entry or self.id


FolderSeen = Callable[[Folder, Folder, Mapping[str, Any], bool], None]
"""Told of every folder-like child a walk meets: (the child, its parent, the child's resource,
whether it is a shortcut to a folder listed elsewhere, so not listed again)."""


def page_by_page(
    client: DriveClient,
    q: str,
    *,
    drive_id: str | None = None,
    page_size: int = 1000,
    fields: str = FILE_FIELDS,
    all_drives: bool = True,
) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """Each page of the files matching ``q`` (one API call each), and whether more follow.

    ``all_drives=False`` keeps shared drives' files out of a My Drive query (the folder query
    of a tree in My Drive: folders it reaches in a shared drive, through shortcuts, are walked).
    """
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
                includeItemsFromAllDrives=all_drives or bool(drive_id),
                **corpus,
            )

        response = client.call(request, "files.list")
        token = response.get("nextPageToken")
        yield list(response.get("files", [])), bool(token)
        if not token:
            return


def list_pages(
    client: DriveClient,
    q: str,
    *,
    drive_id: str | None = None,
    page_size: int = 1000,
    fields: str = FILE_FIELDS,
) -> Iterator[dict[str, Any]]:
    """Every file matching ``q``, page after page (each page one API call), with ``fields``."""
    for files, _more in page_by_page(
        client, q, drive_id=drive_id, page_size=page_size, fields=fields
    ):
        yield from files


def children_of(
    client: DriveClient,
    folder_ids: list[str],
    kinds: str,
    *,
    drive_id: str | None,
    page_size: int,
) -> dict[str, list[Mapping[str, Any]]]:
    """The live children of these folders (one query, all its pages) of the ``kinds`` asked,
    by folder: all of a folder's children at once, which telling same names apart needs."""
    ids = set(folder_ids)
    parents = " or ".join(f"{quote(folder_id)} in parents" for folder_id in folder_ids)
    query = f"({parents}) and {kinds} and trashed = false"
    children: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for resource in list_pages(client, query, drive_id=drive_id, page_size=page_size):
        parent = next((p for p in resource.get("parents") or () if p in ids), None)
        if parent is not None:
            children[parent].append(resource)
    return children


def notable_names(
    folder_id: str, children: Iterable[Mapping[str, Any]]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """The file names of a folder its map remembers (``FolderMap.names``): by ``folder
    id/safe name``, the files (``(id, name in Drive)``, oldest first) of each name that several
    files share or that a file writes otherwise than made safe."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for child in children:
        if not is_folder_like(child):
            groups[safe_name(str(child.get("name", "")))].append(child)
    notable: dict[str, tuple[tuple[str, str], ...]] = {}
    for safe, members in groups.items():
        raw = [str(m.get("name", "")) for m in members]
        if len(members) > 1 or raw[0] != safe:
            members.sort(key=lambda r: (str(r.get("createdTime", "")), str(r["id"])))
            notable[f"{folder_id}/{safe}"] = tuple(
                (str(m["id"]), str(m.get("name", ""))) for m in members
            )
    return notable
