"""Uploads: into a sub-folder (created as needed), resumable, never twice for one origin.

With an ``origin`` id (an Instagram media id, say), the file records it in ``appProperties``
(private to this app) and a re-run finds that file with one query instead of uploading again.
A taken name gets ``name (1).ext``, ``name (2).ext``…: Drive would accept a duplicate name, but
the index would then list it as ``name (FILEID).ext`` and the caller would lose track of it.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any, BinaryIO

from mediasync import AuthError, MediaEntry, Provenance, SourceError
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import FILE_FIELDS, entry_from, quote
from mediasync_gdrive._names import FOLDER, extension_type, safe_folder, safe_name, with_suffix
from mediasync_gdrive._walk import Folder, list_pages

__all__ = ["ORIGIN_KEY", "Uploader"]

ORIGIN_KEY = "mediasyncOriginId"
NAMES_PER_TRY = 20
MAX_NUMBER = 999


class Uploader:
    def __init__(self, client: DriveClient, root: Folder, chunk_size: int, owner: str) -> None:
        self.client = client
        self.root = root
        self.chunk_size = chunk_size
        self.owner = owner

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        folder: str,
        provenance: Provenance | None,
    ) -> MediaEntry:
        try:
            return self._upload(stream, name, folder, provenance)
        except AuthError as exc:
            raise AuthError(
                f"cannot write into the Drive folder of {self.owner} "
                f"({self.client.identity or 'this account'} may only read it: share it as "
                f"Editor, or Content manager on a shared drive): {exc}"
            ) from None

    def _upload(
        self, stream: BinaryIO, name: str, folder: str, provenance: Provenance | None
    ) -> MediaEntry:
        parts = safe_folder(folder)
        parent = self.root.id
        for part in parts:
            parent = self._folder(parent, part)
        origin_id = None if provenance is None else provenance.source_id
        if origin_id is not None:
            found = self._by_origin(parent, origin_id)
            if found is not None:
                return self._entry(found, parts, str(found["name"]), provenance)
        wanted = safe_name(name)
        final = self._free_name(parent, wanted)
        resource = self._send(stream, final, parent, origin_id)
        return self._entry(resource, parts, final, provenance)

    def _entry(
        self,
        resource: Mapping[str, Any],
        parts: list[str],
        name: str,
        provenance: Provenance | None,
    ) -> MediaEntry:
        path = posixpath.join(*parts, safe_name(name)) if parts else safe_name(name)
        entry = entry_from(resource, path, require_media=False, provenance=provenance)
        assert entry is not None
        return entry

    def _folder(self, parent: str, name: str) -> str:
        """The id of folder ``name`` in ``parent`` (the oldest, as listings name it), created
        when missing."""
        q = (
            f"{quote(parent)} in parents and name = {quote(name)} and "
            f"mimeType = {quote(FOLDER)} and trashed = false"
        )
        existing = sorted(
            list_pages(self.client, q), key=lambda r: (str(r.get("createdTime")), str(r["id"]))
        )
        if existing:
            return str(existing[0]["id"])
        created = self.client.call(
            lambda s: s.files().create(
                body={"name": name, "mimeType": FOLDER, "parents": [parent]},
                fields="id",
                supportsAllDrives=True,
            ),
            "files.create (folder)",
        )
        return str(created["id"])

    def _by_origin(self, parent: str, origin_id: str) -> Mapping[str, Any] | None:
        q = (
            f"{quote(parent)} in parents and trashed = false and appProperties has "
            f"{{ key={quote(ORIGIN_KEY)} and value={quote(origin_id)} }}"
        )
        return next(iter(list_pages(self.client, q)), None)

    def _free_name(self, parent: str, wanted: str) -> str:
        for first in range(0, MAX_NUMBER, NAMES_PER_TRY):
            candidates = [
                with_suffix(wanted, str(n)) if n else wanted
                for n in range(first, first + NAMES_PER_TRY)
            ]
            names = " or ".join(f"name = {quote(c)}" for c in candidates)
            q = f"{quote(parent)} in parents and trashed = false and ({names})"
            taken = {str(r.get("name")) for r in list_pages(self.client, q)}
            free = next((c for c in candidates if c not in taken), None)
            if free is not None:
                return free
        raise SourceError(f"cannot name the upload: '{wanted}' and {MAX_NUMBER} variants are taken")

    def _send(
        self, stream: BinaryIO, name: str, parent: str, origin_id: str | None
    ) -> Mapping[str, Any]:
        from googleapiclient.http import MediaIoBaseUpload

        seekable: BinaryIO = stream
        spool = None
        if not stream.seekable():
            spool = tempfile.SpooledTemporaryFile(max_size=self.chunk_size)  # noqa: SIM115
            shutil.copyfileobj(stream, spool)
            spool.seek(0)
            seekable = spool  # type: ignore[assignment]
        mime = extension_type(name) or "application/octet-stream"
        body: dict[str, Any] = {"name": name, "parents": [parent], "mimeType": mime}
        if origin_id is not None:
            body["appProperties"] = {ORIGIN_KEY: origin_id[:100]}
        try:
            media = MediaIoBaseUpload(
                seekable, mimetype=mime, chunksize=self.chunk_size, resumable=True
            )
            request = (
                self.client.service()
                .files()
                .create(body=body, media_body=media, fields=FILE_FIELDS, supportsAllDrives=True)
            )
            response: Mapping[str, Any] | None = None
            while response is None:
                _, response = self.client.retry(
                    lambda: request.next_chunk(num_retries=0), f"upload of {name}"
                )
            return response
        finally:
            if spool is not None:
                spool.close()
