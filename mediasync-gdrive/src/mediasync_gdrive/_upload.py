"""Uploads: into a sub-folder (created as needed), resumable, never twice for one provenance.

With a provenance (where the bytes were copied from), the file carries a marker in its
``appProperties`` (see ``_copies``): ``find_copies`` finds it across the tree, and an upload
tried again into the same folder finds it with one query instead of uploading again (the file
of that very copy, by its time: one with the marker of an earlier copy holds another item).
A taken name gets ``name (1).ext``, ``name (2).ext``…: Drive would accept a duplicate name, but
the index would then list it as ``name (FILEID).ext`` and the caller would lose track of it.
A name another thread of this process is uploading under counts as taken (``copy`` uploads in
parallel, and two files of one name would otherwise both find it free).
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import threading
from collections.abc import Mapping
from typing import Any, BinaryIO

from mediasync import AuthError, MediaEntry, Provenance, SourceError
from mediasync_gdrive._answers import checked
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._copies import COPY_KEY, copied_at, copy_properties, marker_query
from mediasync_gdrive._entries import FILE_FIELDS, entry_from, quote
from mediasync_gdrive._listing import Folder, list_pages
from mediasync_gdrive._names import FOLDER, extension_type, safe_folder, safe_name, with_suffix

__all__ = ["Uploader"]

NAMES_PER_TRY = 20
_FOLDER_LOCK = threading.Lock()
_CREATED_FOLDERS: dict[tuple[str | None, str, str], str] = {}
"""(API endpoint, parent id, name) → id of the folders this process created."""
MAX_NUMBER = 999
_NAME_LOCK = threading.Lock()
_UPLOADING: set[tuple[str | None, str, str]] = set()
"""(API endpoint, parent id, name) of the uploads under way in this process."""


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
        properties = None if provenance is None else copy_properties(provenance)
        if provenance is not None and properties is not None:
            found = self._by_marker(parent, provenance, properties[COPY_KEY])
            if found is not None:
                return self._entry(found, parts, str(found["name"]), provenance)
        wanted = safe_name(name)
        final = self._free_name(parent, wanted)
        try:
            resource = self._send(stream, final, parent, properties)
        finally:
            with _NAME_LOCK:
                _UPLOADING.discard((self.client.endpoint, parent, final))
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
        when missing.

        One thread at a time per process: Drive accepts two folders of one name, so uploads
        in parallel (``copy``) would each create one. A folder created here is remembered,
        because Drive's search may not show it to the next query at once.
        """
        with _FOLDER_LOCK:
            known = _CREATED_FOLDERS.get((self.client.endpoint, parent, name))
            return known if known is not None else self._find_or_create_folder(parent, name)

    def _find_or_create_folder(self, parent: str, name: str) -> str:
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
        _CREATED_FOLDERS[(self.client.endpoint, parent, name)] = str(created["id"])
        return str(created["id"])

    def _by_marker(
        self, parent: str, provenance: Provenance, marker: str
    ) -> Mapping[str, Any] | None:
        """The file this very copy wrote already (an upload tried again), if any: a file with
        the marker of an earlier copy holds an earlier item on the identifier."""
        q = f"{quote(parent)} in parents and {marker_query([marker])}"
        fields = f"{FILE_FIELDS},appProperties"
        for resource in list_pages(self.client, q, fields=fields):
            if provenance.copied_at is None or copied_at(resource) == provenance.copied_at:
                return resource
        return None

    def _free_name(self, parent: str, wanted: str) -> str:
        """A name no file of ``parent`` has and no other upload of this process is taking;
        reserved for the caller, who releases it from ``_UPLOADING`` once uploaded."""
        endpoint = self.client.endpoint
        for first in range(0, MAX_NUMBER, NAMES_PER_TRY):
            candidates = [
                with_suffix(wanted, str(n)) if n else wanted
                for n in range(first, first + NAMES_PER_TRY)
            ]
            names = " or ".join(f"name = {quote(c)}" for c in candidates)
            q = f"{quote(parent)} in parents and trashed = false and ({names})"
            with _NAME_LOCK:
                taken = {str(r.get("name")) for r in list_pages(self.client, q)}
                taken |= {n for e, p, n in _UPLOADING if (e, p) == (endpoint, parent)}
                free = next((c for c in candidates if c not in taken), None)
                if free is not None:
                    _UPLOADING.add((endpoint, parent, free))
                    return free
        raise SourceError(f"cannot name the upload: '{wanted}' and {MAX_NUMBER} variants are taken")

    def _send(
        self, stream: BinaryIO, name: str, parent: str, properties: dict[str, str] | None
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
        if properties is not None:
            body["appProperties"] = properties
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
            return checked(response, f"upload of {name}")  # type: ignore[no-any-return]
        finally:
            if spool is not None:
                spool.close()
