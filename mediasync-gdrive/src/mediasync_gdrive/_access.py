"""The live access check behind ``connect``, ``status`` and ``Source.check``.

It answers, in three or four calls: who are we (the service account's email, or ``about.get``
for an OAuth user), is the folder there and a folder, may we write into it, and where is it
(its path up to the top of My Drive or of its shared drive, as far as the account can see).
Each failure is one sentence that says what to do, naming the service account's email when
the folder simply was not shared with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

from mediasync import AuthError, SourceUnreachable, UsageError
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._errors import DriveNotFound
from mediasync_gdrive._names import FOLDER

__all__ = ["FolderAccess", "FolderNotFound", "probe", "resolve_root"]

ROOT_FIELDS = "id,name,mimeType,trashed,driveId,parents,capabilities(canAddChildren)"
MAX_PATH_DEPTH = 20


class FolderNotFound(SourceUnreachable):
    """Drive answered 404 for the folder: it does not exist or is not shared with us."""


@attrs.frozen(slots=True)
class FolderAccess:
    folder_id: str
    folder_name: str
    folder_path: str
    drive_id: str | None
    drive_name: str | None
    identity: str | None
    credential_kind: str | None
    can_write: bool
    token_expires_at: datetime | None


def resolve_root(client: DriveClient, folder_id: str) -> dict[str, Any]:
    """The root folder's metadata.

    Raises:
        FolderNotFound: no such folder, or not shared with the account.
        AuthError: credentials refused.
        UsageError: it is not a folder, or it is in the trash.
    """
    try:
        resource: dict[str, Any] = client.call(
            lambda s: s.files().get(fileId=folder_id, fields=ROOT_FIELDS, supportsAllDrives=True),
            "files.get (the folder)",
        )
    except DriveNotFound:
        raise FolderNotFound(_not_found(client, folder_id)) from None
    if resource.get("mimeType") != FOLDER:
        raise UsageError(
            f"{folder_id} is not a folder but a file ('{resource.get('name')}', "
            f"{resource.get('mimeType')}): give the id or URL of the folder that holds the media"
        )
    if resource.get("trashed"):
        raise UsageError(
            f"Drive folder '{resource.get('name')}' ({folder_id}) is in the trash: restore it"
        )
    return resource


def _not_found(client: DriveClient, folder_id: str) -> str:
    if client.kind == "service_account" and client.identity:
        return (
            f"Drive folder {folder_id} is not shared with the service account "
            f"{client.identity}: share the folder with {client.identity} (Viewer to index, "
            "Editor to upload) and try again"
        )
    return (
        f"Drive folder {folder_id} does not exist or {client.identity or 'this account'} "
        "cannot see it: check the id, or sign in with the account that owns it"
    )


def _identity(client: DriveClient) -> str | None:
    if client.identity is None:
        about = client.call(
            lambda s: s.about().get(fields="user(emailAddress)"), "about.get (who am I)"
        )
        client.identity = (about.get("user") or {}).get("emailAddress")
    return client.identity


def _folder(client: DriveClient, folder_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.call(
        lambda s: s.files().get(
            fileId=folder_id, fields="id,name,parents,driveId", supportsAllDrives=True
        ),
        "files.get (a parent folder)",
    )
    return found


def _path(client: DriveClient, resource: dict[str, Any]) -> tuple[str, str | None]:
    """(path of the folder from the top the account can see, shared drive's name)."""
    names = [str(resource.get("name"))]
    parents = list(resource.get("parents") or [])
    drive_name = None
    for _ in range(MAX_PATH_DEPTH):
        if not parents:
            break
        try:
            parent = _folder(client, parents[0])
        except (DriveNotFound, AuthError):
            names.append("…")  # above what is shared with the account
            break
        names.append(str(parent.get("name")))
        parents = list(parent.get("parents") or [])
    if resource.get("driveId"):
        drive_name = names[-1] if names[-1] != "…" else None
    return "/".join(reversed(names)), drive_name


def probe(client: DriveClient, folder_id: str) -> FolderAccess:
    """Checks access to ``folder_id`` live.

    Raises:
        FolderNotFound: the folder is not visible to the account.
        AuthError: credentials refused.
        UsageError: not a folder, or trashed.
        SourceUnreachable, RateLimited: Drive could not be asked.
    """
    identity = _identity(client)
    resource = resolve_root(client, folder_id)
    path, drive_name = _path(client, resource)
    expiry = getattr(client.credentials, "expiry", None)
    if expiry is not None and expiry.tzinfo is None:  # google-auth keeps naive UTC
        expiry = expiry.replace(tzinfo=UTC)
    return FolderAccess(
        folder_id=str(resource["id"]),
        folder_name=str(resource.get("name")),
        folder_path=path,
        drive_id=resource.get("driveId"),
        drive_name=drive_name,
        identity=identity,
        credential_kind=client.kind,
        can_write=bool((resource.get("capabilities") or {}).get("canAddChildren")),
        token_expires_at=expiry,
    )
