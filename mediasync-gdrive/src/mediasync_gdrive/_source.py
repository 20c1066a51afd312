"""``GDriveSource``: a Google Drive folder as a mediasync source.

The root is a folder id. A full listing builds the folder map first, in one paged query
whatever the depth, then lists files many folders to a query (``_scan``, ``_discover``); later
syncs read Drive's change feed (``_changes``) with that map, kept in the index between runs
(``_mapstore``), from the token the core's ``changes`` strategy stores. Every call goes through
one ``DriveClient`` (retries, error mapping); google's libraries are imported only when a
method needs them, so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, ClassVar

from mediasync import (
    AuthError,
    Capability,
    ChangePage,
    HealthCheck,
    MediaEntry,
    MediaKind,
    MediasyncError,
    Provenance,
    Source,
    SourceUnreachable,
    UsageError,
)
from mediasync_gdrive._settings import GDriveSettings, folder_id_from

__all__ = ["GDriveSource"]


class GDriveSource(Source):
    """The media under one Drive folder (My Drive or a shared drive), shortcuts followed."""

    type_name: ClassVar[str] = "gdrive"
    description: ClassVar[str] = "a Google Drive folder, kept in sync through Drive's change feed"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.LISTABLE,
            Capability.DOWNLOADABLE,
            Capability.WRITABLE,
            Capability.CHANGE_FEED,
            Capability.STABLE_IDS,
            Capability.NATIVE_HASH,
        }
    )
    media_kinds: ClassVar[frozenset[MediaKind]] = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    Settings: ClassVar[type[Any]] = GDriveSettings
    default_strategy: ClassVar[str] = "changes"

    settings: GDriveSettings

    def __init__(self, name: str, root: str | None, settings: GDriveSettings) -> None:
        super().__init__(name, root, settings)
        self._client: Any = None
        self._root: Any = None
        self._feed: Any = None
        self._scan: Any = None

    @classmethod
    def normalize_root(cls, root: str | None) -> str | None:
        """A folder id from an id or a Drive folder URL."""
        if not root:
            raise UsageError("a gdrive source needs --root FOLDER_ID_OR_URL")
        return folder_id_from(root)

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            from mediasync_gdrive._client import DriveClient

            self._client = DriveClient(self.settings, f"source '{self.name}'")
        return self._client

    def _discovery(self) -> Any:
        from mediasync_gdrive._discover import Discovery
        from mediasync_gdrive._walk import TreeWalker

        walker = TreeWalker(
            self.client,
            page_size=self.settings.page_size,
            parents_per_query=self.settings.parents_per_query,
        )
        return Discovery(self.client, walker, f"source '{self.name}'")

    def root_folder(self) -> Any:
        """The root as a ``Folder`` (one ``files.get`` per run).

        Raises:
            SourceUnreachable: the folder is gone, not shared, trashed or not a folder.
        """
        if self._root is None:
            from mediasync_gdrive._access import resolve_root
            from mediasync_gdrive._listing import Folder

            try:
                resource = resolve_root(self.client, self.root or "")
            except UsageError as exc:  # not a folder, or trashed: unreadable, change nothing
                raise SourceUnreachable(str(exc)) from None
            self._root = Folder(str(resource["id"]), "", resource.get("driveId"))
        return self._root

    def _change_feed(self, root: Any = None) -> Any:
        """The feed of ``root`` (default: the root, one ``files.get`` to resolve it)."""
        if self._feed is None:
            from mediasync_gdrive._changes import ChangeFeed
            from mediasync_gdrive._mapstore import MapStore

            self._feed = ChangeFeed(
                self.client,
                self._discovery(),
                root or self.root_folder(),
                self.settings.page_size,
                MapStore(self),
            )
        return self._feed

    def _full_scan(self) -> Any:
        if self._scan is None:
            from mediasync_gdrive._scan import FullScan

            feed = self._change_feed()
            self._scan = FullScan(feed.discovery, feed, feed.root, f"source '{self.name}'")
        return self._scan

    # -- Source --------------------------------------------------------------------------------

    def list_entries(self) -> Iterator[MediaEntry]:
        self.root_folder()
        yield from self._full_scan().entries()

    def check(self) -> HealthCheck:
        from mediasync_gdrive._access import FolderNotFound, probe

        try:
            access = probe(self.client, self.root or "")
        except FolderNotFound as exc:
            return HealthCheck.failed(str(exc), "share the folder with the account")
        except AuthError as exc:
            return HealthCheck.failed(str(exc), "run `mediasync gdrive connect` again")
        except MediasyncError as exc:
            return HealthCheck.failed(str(exc), "check the folder id and the network")
        where = f"'{access.folder_path}'"
        return HealthCheck(
            ok=True,
            detail=f"folder {where} as {access.identity}",
            expires_at=access.token_expires_at,
        )

    def root_identity(self) -> str | None:
        return self.root

    def open(self, entry: MediaEntry) -> BinaryIO:
        """The bytes of ``entry`` (of a shortcut's target for a shortcut), streamed in ranges."""
        from mediasync_gdrive._download import open_entry

        return open_entry(self.client, entry, self.settings.download_chunk_size)

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        *,
        folder: str = "",
        provenance: Provenance | None = None,
    ) -> MediaEntry:
        from mediasync_gdrive._upload import Uploader

        uploader = Uploader(
            self.client,
            self.root_folder(),
            self.settings.upload_chunk_size,
            f"source '{self.name}'",
        )
        return uploader.upload(stream, name, folder, provenance)

    def find_copies(self, provenances: Sequence[Provenance]) -> dict[tuple[str, str], MediaEntry]:
        """Copies by the marker in their ``appProperties`` (see ``_copies``): one query per 40
        provenances, and the folder map once a copy is found."""
        from mediasync_gdrive._copies import find_copies

        if not provenances:
            return {}
        feed = self._change_feed()
        return find_copies(self.client, feed, provenances, self.settings.page_size)

    def start_cursor(self) -> str:
        cursor: str = self._full_scan().start()
        return cursor

    def changes(self, cursor: str) -> ChangePage:
        if self._feed is None:
            # The cursor names the feed (My Drive or a shared drive): no call to learn it.
            from mediasync_gdrive._listing import Folder
            from mediasync_gdrive._mapstore import parse_cursor

            _token, drive_id, _gen = parse_cursor(cursor)
            if self._root is None and self.root == "root":  # an alias: learn the real id
                self.root_folder()
            self._change_feed(self._root or Folder(self.root or "", "", drive_id))
        page: ChangePage = self._feed.page(cursor)
        return page

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
