"""The Drive v3 endpoints the plugin uses, as functions of the store, the caller and the request.

Each returns ``(status, body, headers)``; errors are raised as ``ApiError`` carrying Drive's
error body (``{"error": {"code", "message", "errors": [{"reason", ...}]}}``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from fakes.drive._fields import FieldsError, parse_fields, project
from fakes.drive._model import FOLDER, GOOGLE_APPS, DriveStore, FakeFile, rfc3339
from fakes.drive._query import QueryError, parse_query

__all__ = ["ApiError", "DriveApi", "Response"]

Response = tuple[int, Any, dict[str, str]]
MAX_PAGE_SIZE = 1000
DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, location: str | None = None) -> None:
        super().__init__(message)
        detail: dict[str, str] = {"domain": "global", "reason": reason, "message": message}
        if location is not None:
            detail.update(locationType="parameter", location=location)
        self.code = code
        self.body = {"error": {"errors": [detail], "code": code, "message": message}}


def not_found(file_id: str) -> ApiError:
    return ApiError(404, "notFound", f"File not found: {file_id}.", "fileId")


def _flag(params: dict[str, str], name: str) -> bool:
    return params.get(name, "false").lower() == "true"


def _fields(params: dict[str, str], default: str) -> Any:
    try:
        return parse_fields(params.get("fields", default))
    except FieldsError as exc:
        raise ApiError(400, "invalidParameter", str(exc), "fields") from None


def _page_size(params: dict[str, str], default: int) -> int:
    try:
        size = int(params.get("pageSize", default))
    except ValueError:
        raise ApiError(400, "invalid", "Invalid value for pageSize", "pageSize") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(
            400,
            "invalid",
            f"Invalid value '{size}'. Values must be within the range: [1, 1000]",
            "pageSize",
        )
    return size


@dataclass
class _Upload:
    principal: str
    metadata: dict[str, Any]
    params: dict[str, str]
    mime_type: str
    total: int | None
    received: bytearray = field(default_factory=bytearray)


class DriveApi:
    def __init__(self, store: DriveStore) -> None:
        self.store = store
        self.uploads: dict[str, _Upload] = {}
        self.completed: dict[str, tuple[str, str]] = {}
        """upload id → (principal, file id): a finished session answers with its file again."""

    # -- rendering -----------------------------------------------------------------------------

    def render(self, file: FakeFile, principal: str) -> dict[str, Any]:
        store = self.store
        role = store.role(principal, file)
        resource: dict[str, Any] = {
            "kind": "drive#file",
            "id": file.id,
            "name": file.name,
            "mimeType": file.mime_type,
            "parents": list(file.parents),
            "trashed": store.is_trashed(file),
            "explicitlyTrashed": file.explicitly_trashed,
            "createdTime": rfc3339(file.created),
            "modifiedTime": rfc3339(file.modified),
            "owners": [{"kind": "drive#user", "emailAddress": file.owner}],
            "capabilities": {
                "canEdit": role >= 2,
                "canAddChildren": role >= 2 and file.mime_type == FOLDER,
                "canDownload": file.has_content,
            },
        }
        if file.drive_id is not None:
            resource["driveId"] = file.drive_id
        if file.has_content:
            md5, sha1, sha256 = file.hashes()
            resource.update(
                size=str(len(file.data or b"")),
                md5Checksum=md5,
                sha1Checksum=sha1,
                sha256Checksum=sha256,
            )
        if file.app_properties:
            resource["appProperties"] = dict(file.app_properties)
        if file.properties:
            resource["properties"] = dict(file.properties)
        if file.shortcut_target is not None:
            target = store.files.get(file.shortcut_target)
            resource["shortcutDetails"] = {
                "targetId": file.shortcut_target,
                "targetMimeType": target.mime_type if target else "application/octet-stream",
            }
        if file.mime_type.startswith("image/"):
            image = {
                "width": file.width,
                "height": file.height,
                "time": file.taken,
                "cameraMake": file.camera_make,
                "cameraModel": file.camera_model,
                "rotation": file.rotation,
            }
            if any(value is not None for value in image.values()):
                resource["imageMediaMetadata"] = {k: v for k, v in image.items() if v is not None}
        if file.mime_type.startswith("video/") and file.duration_ms is not None:
            resource["videoMediaMetadata"] = {
                "width": file.width,
                "height": file.height,
                "durationMillis": str(file.duration_ms),
            }
        return resource

    def _visible(
        self, file: FakeFile, principal: str, all_drives: bool, memo: dict[str, int] | None = None
    ) -> bool:
        if file.drive_id is not None and not all_drives:
            return False
        return self.store.role(principal, file, memo) > 0

    def _get_visible(self, file_id: str, principal: str, params: dict[str, str]) -> FakeFile:
        file = self.store.files.get(file_id)
        if file is None and file_id == "root":
            file = self.store.files.get(self.store.my_drive_root(principal))
        if file is None or not self._visible(file, principal, _flag(params, "supportsAllDrives")):
            raise not_found(file_id)
        return file

    # -- files ---------------------------------------------------------------------------------

    def files_list(self, principal: str, params: dict[str, str]) -> Response:
        try:
            query = parse_query(params.get("q", ""))
        except QueryError as exc:
            raise ApiError(400, "invalid", f"Invalid Value: {exc}", "q") from None
        size = _page_size(params, 100)
        spec = _fields(params, f"kind,nextPageToken,incompleteSearch,files({DEFAULT_FILE_FIELDS})")
        all_drives = _flag(params, "includeItemsFromAllDrives") and _flag(
            params, "supportsAllDrives"
        )
        corpora = params.get("corpora", "user")
        drive_id = params.get("driveId")
        if corpora == "drive" and (not drive_id or not all_drives):
            raise ApiError(
                400,
                "invalid",
                "driveId and includeItemsFromAllDrives are required with corpora=drive",
                "corpora",
            )
        signature = hashlib.sha1(
            json.dumps([params.get("q"), corpora, drive_id, principal]).encode()
        ).hexdigest()[:12]
        offset = 0
        if "pageToken" in params:
            token = params["pageToken"]
            number, _, bound = token.partition("-")
            if bound != signature or not number.isdigit():
                raise ApiError(400, "invalid", "Invalid Value", "pageToken")
            offset = int(number)
        with self.store.lock:
            candidates = (
                self.store.children_of(query.parents)
                if query.parents is not None
                else iter(list(self.store.files.values()))
            )
            memo: dict[str, int] = {}
            matched = [
                f
                for f in candidates
                if self._visible(f, principal, all_drives, memo)
                and (corpora != "drive" or f.drive_id == drive_id)
                and query.matches(f)
            ]
            page = matched[offset : offset + size]
            files = [self.render(f, principal) for f in page]
        body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        if offset + size < len(matched):
            body["nextPageToken"] = f"{offset + size}-{signature}"
        return 200, project(body, spec), {}

    def files_get(self, principal: str, file_id: str, params: dict[str, str]) -> Response:
        spec = _fields(params, DEFAULT_FILE_FIELDS)
        with self.store.lock:
            file = self._get_visible(file_id, principal, params)
            return 200, project(self.render(file, principal), spec), {}

    def files_media(
        self, principal: str, file_id: str, params: dict[str, str], range_header: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        with self.store.lock:
            file = self._get_visible(file_id, principal, params)
            if not file.has_content:
                raise ApiError(
                    403,
                    "fileNotDownloadable",
                    "Only files with binary content can be downloaded. Use Export with Docs "
                    "Editors files.",
                    "alt",
                )
            data = file.data or b""
        total = len(data)
        if range_header is None:
            return 200, data, {"Content-Type": file.mime_type}
        unit, _, spec = range_header.partition("=")
        start_text, _, end_text = spec.partition("-")
        if unit.strip() != "bytes" or not start_text.isdigit():
            raise ApiError(400, "badRequest", f"Invalid Range header: {range_header}")
        start = int(start_text)
        end = min(int(end_text), total - 1) if end_text.isdigit() else total - 1
        if start >= total:
            return 416, b"", {"Content-Range": f"bytes */{total}"}
        return (
            206,
            data[start : end + 1],
            {"Content-Range": f"bytes {start}-{end}/{total}", "Content-Type": file.mime_type},
        )

    def _create(
        self, principal: str, metadata: dict[str, Any], data: bytes | None, mime_type: str
    ) -> FakeFile:
        parents = metadata.get("parents") or [self.store.my_drive_root(principal)]
        if len(parents) != 1:
            raise ApiError(400, "badRequest", "A file must have exactly one parent.")
        parent = self.store.files.get(parents[0])
        if parent is None or self.store.role(principal, parent) == 0:
            raise not_found(parents[0])
        if self.store.role(principal, parent) < 2:
            raise ApiError(
                403,
                "insufficientFilePermissions",
                f"The user does not have sufficient permissions for file {parents[0]}.",
            )
        mime = metadata.get("mimeType") or mime_type
        if data is None and not mime.startswith(GOOGLE_APPS):
            data = b""
        return self.store.add(
            metadata.get("name", "Untitled"),
            parents[0],
            mime,
            data=data,
            owner=principal,
            app_properties=dict(metadata.get("appProperties") or {}),
            properties=dict(metadata.get("properties") or {}),
            shortcut_target=(metadata.get("shortcutDetails") or {}).get("targetId"),
        )

    def files_create(self, principal: str, params: dict[str, str], body: bytes) -> Response:
        spec = _fields(params, DEFAULT_FILE_FIELDS)
        metadata = json.loads(body or b"{}")
        with self.store.lock:
            file = self._create(principal, metadata, None, "application/octet-stream")
            return 200, project(self.render(file, principal), spec), {}

    # -- resumable upload ----------------------------------------------------------------------

    def upload_start(
        self,
        principal: str,
        params: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> Response:
        if params.get("uploadType") != "resumable":
            raise ApiError(400, "badRequest", "the fake implements uploadType=resumable only")
        metadata = json.loads(body or b"{}")
        with self.store.lock:
            parents = metadata.get("parents") or [self.store.my_drive_root(principal)]
            parent = self.store.files.get(parents[0])
            if parent is None or self.store.role(principal, parent) == 0:
                raise not_found(parents[0])
            if self.store.role(principal, parent) < 2:
                raise ApiError(
                    403,
                    "insufficientFilePermissions",
                    f"The user does not have sufficient permissions for file {parents[0]}.",
                )
        length = headers.get("x-upload-content-length")
        upload_id = secrets.token_urlsafe(16)
        self.uploads[upload_id] = _Upload(
            principal,
            metadata,
            dict(params),
            headers.get("x-upload-content-type", "application/octet-stream"),
            int(length) if length is not None else None,
        )
        query = "&".join(
            f"{k}={v}" for k, v in {**params, "upload_id": upload_id}.items() if k != "alt"
        )
        return 200, b"", {"Location": f"{base_url}/upload/drive/v3/files?{query}"}

    def upload_put(
        self, principal: str, params: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Response:
        done = self.completed.get(params.get("upload_id", ""))
        if done is not None and done[0] == principal and done[1] in self.store.files:
            spec = _fields(params, DEFAULT_FILE_FIELDS)
            with self.store.lock:
                return 200, project(self.render(self.store.files[done[1]], principal), spec), {}
        upload = self.uploads.get(params.get("upload_id", ""))
        if upload is None or upload.principal != principal:
            raise ApiError(404, "notFound", "Upload session not found.")
        content_range = headers.get("content-range")
        if content_range is not None:
            spec = content_range.removeprefix("bytes ").strip()
            span, _, total = spec.partition("/")
            if total != "*":
                upload.total = int(total)
            if span != "*":
                start = int(span.partition("-")[0])
                if start != len(upload.received):
                    raise ApiError(400, "badRequest", "Content-Range does not continue the upload")
                upload.received += body
        else:
            upload.received += body
            upload.total = len(upload.received)
        if upload.total is None or len(upload.received) < upload.total:
            headers_out = {}
            if upload.received:
                headers_out["Range"] = f"bytes=0-{len(upload.received) - 1}"
            return 308, b"", headers_out
        del self.uploads[params["upload_id"]]
        spec = _fields(upload.params, DEFAULT_FILE_FIELDS)
        with self.store.lock:
            file = self._create(
                principal, upload.metadata, bytes(upload.received), upload.mime_type
            )
            self.completed[params["upload_id"]] = (principal, file.id)
            return 200, project(self.render(file, principal), spec), {}

    # -- changes and about ---------------------------------------------------------------------

    def start_page_token(self) -> Response:
        token = str(self.store.next_token())
        return 200, {"kind": "drive#startPageToken", "startPageToken": token}, {}

    def changes_list(self, principal: str, params: dict[str, str]) -> Response:
        token = params.get("pageToken", "")
        store = self.store
        with store.lock:
            if not token.isdigit() or not 1 <= int(token) <= store.next_token():
                raise ApiError(400, "invalid", "Invalid Value", "pageToken")
            if int(token) < store.oldest_valid_token:
                raise ApiError(404, "notFound", "Page token no longer valid.", "pageToken")
            size = _page_size(params, 100)
            spec = _fields(params, "kind,nextPageToken,newStartPageToken,changes")
            all_drives = _flag(params, "includeItemsFromAllDrives") and _flag(
                params, "supportsAllDrives"
            )
            include_removed = params.get("includeRemoved", "true").lower() == "true"
            changes: list[dict[str, Any]] = []
            position = int(token) - 1
            latest = self._latest_changes(principal, position, all_drives)
            while position < len(store.changes) and len(changes) < size:
                change = store.changes[position]
                position += 1
                if latest.get(change.file_id) != change.seq:
                    continue
                file = store.files.get(change.file_id)
                visible = file is not None and self._visible(file, principal, all_drives)
                entry: dict[str, Any] = {
                    "kind": "drive#change",
                    "changeType": "file",
                    "type": "file",
                    "fileId": change.file_id,
                    "time": rfc3339(change.time),
                    "removed": not visible,
                }
                if visible and file is not None:
                    entry["file"] = self.render(file, principal)
                    if file.drive_id is not None:
                        entry["driveId"] = file.drive_id
                elif not include_removed:
                    continue
                changes.append(entry)
            body: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
            if position < len(store.changes):
                body["nextPageToken"] = str(position + 1)
            else:
                body["newStartPageToken"] = str(store.next_token())
        return 200, project(body, spec), {}

    def _latest_changes(self, principal: str, start: int, all_drives: bool) -> dict[str, int]:
        """file id → the sequence number of its last change ``principal`` may hear of, from
        ``start`` on. Drive keeps one entry per file, its latest ("a change entry may be
        replaced with a newer one"), and that entry shows the file's state now."""
        memo: dict[str, int] = {}
        latest: dict[str, int] = {}
        for change in self.store.changes[start:]:
            file = self.store.files.get(change.file_id)
            visible = file is not None and self._visible(file, principal, all_drives, memo)
            if visible or principal in change.visible_to:
                latest[change.file_id] = change.seq
        return latest

    def about(self, principal: str, params: dict[str, str]) -> Response:
        spec = _fields(params, "kind,user")
        body = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "emailAddress": principal,
                "displayName": principal.split("@")[0],
            },
        }
        return 200, project(body, spec), {}
