"""The pages of Drive's change feed, one change per file, sorted by what they say.

``changes.list`` returns the files changed since a page token with their state now (removed
when the account lost sight of them), ``nextPageToken`` while more follow and
``newStartPageToken`` on the last page: where the next sync starts. Only the fields the index
and the folder map need are asked for, the media facts included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mediasync import CursorInvalid
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS
from mediasync_gdrive._errors import DriveBadRequest, DriveNotFound
from mediasync_gdrive._names import FOLDER, SHORTCUT, is_folder_like, media_type

__all__ = ["CHANGE_FIELDS", "latest_changes", "read_changes", "split_changes"]

CHANGE_FIELDS = (
    "nextPageToken,newStartPageToken,"
    f"changes(changeType,removed,fileId,time,file({FILE_FIELDS},trashed))"
)
Resource = Mapping[str, Any]


def read_changes(
    client: DriveClient, token: str, drive_id: str | None, page_size: int
) -> Iterator[tuple[list[Resource], str, bool]]:
    """Each page from ``token``: (changes, the token after it, whether more follow).

    Raises:
        CursorInvalid: Drive no longer accepts the token.
    """
    drive = {"driveId": drive_id} if drive_id else {}
    while True:

        def request(service: Any, page: str = token) -> Any:
            return service.changes().list(
                pageToken=page,
                pageSize=page_size,
                includeRemoved=True,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
                spaces="drive",
                fields=CHANGE_FIELDS,
                **drive,
            )

        try:
            response = client.call(request, "changes.list")
        except (DriveBadRequest, DriveNotFound) as exc:
            raise CursorInvalid(f"Drive no longer accepts the change-feed token ({exc})") from None
        following = response.get("nextPageToken")
        token = str(following or response.get("newStartPageToken") or token)
        yield latest_changes(response.get("changes", [])), token, bool(following)
        if not following:
            return


def split_changes(
    changes: list[Resource], root: str
) -> tuple[dict[str, None], list[Resource], list[Resource], list[Resource]]:
    """(ids gone: removed, trashed or unshared; live folders; live shortcuts to folders; live
    media files and file shortcuts). The root's own live changes say nothing of the tree."""
    gone: dict[str, None] = {}
    folders: list[Resource] = []
    shortcuts: list[Resource] = []
    files: list[Resource] = []
    for change in changes:
        resource = change.get("file")
        if change.get("removed") or resource is None or resource.get("trashed"):
            gone[str(change["fileId"])] = None
        elif str(change["fileId"]) == root:
            continue
        elif resource.get("mimeType") == FOLDER:
            folders.append(resource)
        elif is_folder_like(resource):
            shortcuts.append(resource)
        elif resource.get("mimeType") == SHORTCUT or media_type(
            resource.get("mimeType"), str(resource.get("name", ""))
        ):
            files.append(resource)
    return gone, folders, shortcuts, files


def latest_changes(changes: list[Resource]) -> list[Resource]:
    """One change per file, its last (Drive keeps one; a fake or a retry may repeat one)."""
    latest: dict[str, Resource] = {}
    for change in changes:
        if change.get("changeType", "file") == "file" and change.get("fileId"):
            latest.pop(str(change["fileId"]), None)
            latest[str(change["fileId"])] = change
    return list(latest.values())
