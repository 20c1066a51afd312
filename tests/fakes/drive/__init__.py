"""A loopback fake of Google Drive v3, for the real google-api-python-client and google-auth.

Usage::

    with FakeDrive() as drive:
        photos = drive.folder("Photos")
        drive.add_file("Photos/2024/beach.jpg", b"...")
        key = drive.service_account()          # a key file's content; share folders with it
        drive.share(photos, key["client_email"])
        ...  # point the plugin at drive.api_endpoint
        assert drive.api_calls() == 3
        drive.faults.next(2, "429")            # faults on demand

It serves files.list (``q`` subset, fields, pagination), files.get (metadata and ``alt=media``
with ``Range``), files.create (metadata, and resumable uploads with 308 for partial chunks),
changes.getStartPageToken, changes.list, about.get, an OAuth token endpoint (service-account JWT
grant, refresh tokens, authorization codes with PKCE) and a consent endpoint that redirects at
once. ``calls`` counts requests per endpoint.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections import Counter
from types import TracebackType
from typing import Any

from fakes.drive._api import DriveApi
from fakes.drive._auth import AuthServer
from fakes.drive._faults import Faults
from fakes.drive._model import FOLDER, SHORTCUT, DriveStore, FakeFile
from fakes.drive._server import AUTH_ENDPOINTS, DriveServer, RequestRecord
from fakes.drive._trees import BuiltTree, build_tree, sample_bytes

__all__ = [
    "FOLDER",
    "SHORTCUT",
    "BuiltTree",
    "FakeDrive",
    "FakeFile",
    "RequestRecord",
    "sample_bytes",
]

SERVICE_ACCOUNT = "indexer@fake-project.iam.gserviceaccount.com"


class FakeDrive:
    """The fake Drive server and helpers to shape its content (paths are ``/``-separated)."""

    def __init__(self, owner: str = "owner@example.com") -> None:
        self.owner = owner
        self.store = DriveStore(owner)
        self.faults = Faults()
        self.api = DriveApi(self.store)
        self.server = DriveServer(self.api, self.faults)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeDrive:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> FakeDrive:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def api_endpoint(self) -> str:
        return self.server.base_url + "/"

    @property
    def auth(self) -> AuthServer:
        return self.server.auth

    @property
    def calls(self) -> Counter[str]:
        return self.server.calls

    @property
    def requests(self) -> list[RequestRecord]:
        return self.server.requests

    def api_calls(self) -> int:
        """Drive API requests so far (the token and consent endpoints not counted)."""
        return sum(n for name, n in self.calls.items() if name not in AUTH_ENDPOINTS)

    def reset_counts(self) -> None:
        with self.server.record_lock:
            self.server.calls.clear()
            self.server.requests.clear()

    # -- principals ----------------------------------------------------------------------------

    def service_account(self, email: str = SERVICE_ACCOUNT) -> dict[str, Any]:
        self.store.principals.add(email)
        return self.auth.service_account_key(email)

    def oauth_client(self) -> dict[str, Any]:
        return self.auth.oauth_client()

    def refresh_token(self, client: dict[str, Any], principal: str | None = None) -> str:
        who = principal or self.owner
        self.store.principals.add(who)
        return self.auth.refresh_token_for(who, client)

    # -- content -------------------------------------------------------------------------------

    @property
    def my_drive(self) -> str:
        return self.store.root_id

    def _child(self, parent: str, name: str) -> FakeFile | None:
        for child in self.store.children_of([parent]):
            if child.name == name and child.mime_type == FOLDER:
                return child
        return None

    def folder(self, path: str, *, under: str | None = None, owner: str | None = None) -> str:
        """The folder at ``path`` below ``under`` (default My Drive), created as needed."""
        parent = under or self.my_drive
        with self.store.lock:
            for name in [p for p in path.split("/") if p]:
                child = self._child(parent, name)
                if child is None:
                    child = self.store.add(name, parent, FOLDER, owner=owner)
                parent = child.id
        return parent

    def add_file(
        self,
        path: str,
        data: bytes | None = None,
        *,
        under: str | None = None,
        mime_type: str | None = None,
        **extra: Any,
    ) -> str:
        """A file at ``path`` (folders created as needed); the type is guessed from the name."""
        folder, name = posixpath.split(path)
        parent = self.folder(folder, under=under) if folder else (under or self.my_drive)
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        content = (
            data
            if data is not None or mime.startswith("application/vnd.google-apps.")
            else sample_bytes(len(self.store.files))
        )
        return self.store.add(name, parent, mime, data=content, **extra).id

    def add_shortcut(self, path: str, target: str, *, under: str | None = None) -> str:
        folder, name = posixpath.split(path)
        parent = self.folder(folder, under=under) if folder else (under or self.my_drive)
        return self.store.add(name, parent, SHORTCUT, shortcut_target=target).id

    def rename(self, file_id: str, name: str) -> None:
        self.store.update(file_id, name=name)

    def move(self, file_id: str, new_parent: str) -> None:
        self.store.update(file_id, parents=[new_parent])

    def trash(self, file_id: str) -> None:
        self.store.update(file_id, explicitly_trashed=True)

    def untrash(self, file_id: str) -> None:
        self.store.update(file_id, explicitly_trashed=False)

    def delete(self, file_id: str) -> None:
        self.store.delete(file_id)

    def write(self, file_id: str, data: bytes) -> None:
        self.store.update(file_id, data=data)

    def share(self, file_id: str, principal: str, role: str = "reader") -> None:
        self.store.share(file_id, principal, role)

    def unshare(self, file_id: str, principal: str) -> None:
        self.store.share(file_id, principal, None)

    def shared_drive(self, name: str, members: dict[str, str]) -> str:
        return self.store.add_shared_drive(name, {self.owner: "organizer", **members}).id

    def get(self, file_id: str) -> FakeFile:
        return self.store.files[file_id]

    def children(self, folder_id: str) -> list[FakeFile]:
        with self.store.lock:
            return list(self.store.children_of([folder_id]))

    def build_tree(self, root: str, *, files: int, folders: int, seed: int = 0) -> BuiltTree:
        return build_tree(self.store, root, files=files, folders=folders, seed=seed)
