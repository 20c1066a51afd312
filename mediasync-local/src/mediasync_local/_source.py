"""``LocalSource``: a folder on this computer or on a mounted disk, read and written in place."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, ClassVar

from mediasync import (
    Capability,
    FolderListing,
    HealthCheck,
    MediaEntry,
    Provenance,
    Source,
    SourceError,
    SourceUnreachable,
    UsageError,
    file_sha256,
)
from mediasync_local._copies import CopyManifest, CopyRecord
from mediasync_local._globs import PathFilter
from mediasync_local._paths import os_path
from mediasync_local._settings import LocalSettings
from mediasync_local._upload import write_new_file
from mediasync_local._walk import SkippedFile, entry_for, file_id, walk_folders

__all__ = ["LocalSource"]


def _expand(root: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(root)))


class LocalSource(Source):
    """Media files under a folder, identified by device and inode.

    Ids are ``"device:inode"``: they survive renames and moves within one filesystem, but inodes
    are reused after deletion, so the source does not declare ``STABLE_IDS`` and the engine
    confirms an id by size, modification time and content hash. Hashes need reading the file,
    so ``NATIVE_HASH`` is not declared either.

    After ``list_entries()`` has been iterated to the end, ``skipped`` holds the files that were
    seen but could not be read (``stat`` or the first bytes failed). They may still exist: the
    engine must not mark their items removed. A folder that cannot be listed is not skipped: the
    listing raises ``SourceUnreachable`` and the run changes nothing.
    """

    type_name: ClassVar[str] = "local"
    description: ClassVar[str] = "A folder on this computer or on a mounted disk."
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.LISTABLE,
            Capability.DOWNLOADABLE,
            Capability.WRITABLE,
            Capability.FOLDER_FINGERPRINTS,
        }
    )
    Settings: ClassVar[type[Any]] = LocalSettings

    settings: LocalSettings

    def __init__(self, name: str, root: str | None, settings: LocalSettings | None = None) -> None:
        if not root:
            raise UsageError(f"source '{name}' (local) needs a root folder")
        super().__init__(name, _expand(root), settings or LocalSettings())
        self.root_path = _expand(root)
        self.skipped: list[SkippedFile] = []
        self._filter = PathFilter.from_globs(self.settings.include, self.settings.exclude)
        self._copies = CopyManifest(self.root_path)
        self._folders: set[tuple[str, ...]] = set()
        """Folders this instance's uploads made and checked (see ``write_new_file``)."""

    @classmethod
    def normalize_root(cls, root: str | None) -> str | None:
        """Expands ``~`` and makes the root absolute; it must be an existing folder.

        Raises:
            UsageError: no root, or it does not exist, or it is not a folder.
        """
        if not root:
            raise UsageError("source type 'local' needs --root: the folder to index")
        path = _expand(root)
        if not os.path.exists(path):
            raise UsageError(f"root folder {path} does not exist")
        if not os.path.isdir(path):
            raise UsageError(f"root {path} is not a folder")
        return path

    # -- reading ----------------------------------------------------------------------------------

    def _problem(self) -> tuple[str, str] | None:
        """What makes the root unusable now, with the fix, or ``None`` when it looks fine."""
        root = self.root_path
        try:
            st = os.stat(root)
        except FileNotFoundError:
            return (
                f"root folder {root} does not exist",
                f"mount the disk or restore the folder; if it moved: mediasync sources set "
                f"{self.name} --root NEW_FOLDER",
            )
        except OSError as exc:
            return f"cannot reach root folder {root}: {exc.strerror}", "check the path and mount"
        if not stat.S_ISDIR(st.st_mode):
            return f"root {root} is not a folder", "point the source at a folder"
        marker = self.settings.marker_file
        if marker is not None and not os.path.exists(os.path.join(root, marker)):
            return (
                f"marker file {marker} is missing from {root}",
                f"mount the right disk, or create {os.path.join(root, marker)} if this is it",
            )
        return None

    def _require_root(self) -> None:
        problem = self._problem()
        if problem is not None:
            raise SourceUnreachable(f"source '{self.name}': {problem[0]}; nothing was changed")

    def list_entries(self) -> Iterator[MediaEntry]:
        """Streams every listed media file; also resets and then fills ``skipped``.

        Raises:
            SourceUnreachable: the root is missing, not a folder, lacks its marker file, or a
                folder under it cannot be listed. Raised by this call for the root, and while
                iterating for folders below it.
        """
        folders = self.list_folders()  # checks the root now, not at the first entry
        return (entry for listing in folders for entry in listing.entries())

    def list_folders(self) -> Iterator[FolderListing]:
        """The same listing folder by folder; a folder's fingerprint digests, in directory
        order, each listed file's name, device, inode, size, modification time (ns) and type.

        Raises:
            SourceUnreachable: as ``list_entries``.
        """
        self._require_root()
        self.skipped = []
        return walk_folders(
            self.root_path,
            path_filter=self._filter,
            follow_symlinks=self.settings.follow_symlinks,
            skipped=self.skipped,
        )

    def check(self) -> HealthCheck:
        """Healthy when the root exists, is a folder, carries its marker and can be listed."""
        problem = self._problem()
        if problem is not None:
            return HealthCheck.failed(*problem)
        root = self.root_path
        fix = f"give this user read access to {root} (chmod u+rx)"
        if not os.access(root, os.R_OK | os.X_OK):
            return HealthCheck.failed(f"cannot read root folder {root}: permission denied", fix)
        try:
            with os.scandir(root) as scanner:
                next(scanner, None)
        except OSError as exc:
            return HealthCheck.failed(f"cannot list root folder {root}: {exc.strerror}", fix)
        return HealthCheck.healthy(f"{root} is readable")

    def skipped_paths(self) -> Sequence[tuple[str, str]]:
        return [(skipped.path, skipped.reason) for skipped in self.skipped]

    def root_identity(self) -> str | None:
        """``"device:inode"`` of the root folder, ``None`` when it is missing."""
        try:
            return file_id(os.stat(self.root_path))
        except OSError:
            return None

    def _full_path(self, path: str) -> str:
        """The file system path of an entry's ``path`` (see ``_paths`` for non-UTF-8 names)."""
        parts = path.split("/")
        if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise SourceError(f"source '{self.name}': '{path}' is not a path inside the root")
        return os.path.join(self.root_path, os_path(path))

    def open(self, entry: MediaEntry) -> BinaryIO:
        """Opens ``root/entry.path`` for reading bytes.

        Raises:
            OSError: the file is gone or unreadable (``FileNotFoundError``, ``PermissionError``).
        """
        return open(self._full_path(entry.path), "rb")

    def local_path(self, entry: MediaEntry) -> str:
        """The file itself, so that the engine can hash many files in worker processes."""
        return self._full_path(entry.path)

    def sha256(self, entry: MediaEntry) -> str:
        """SHA-256 of the file, hex, read straight from disk in 1 MiB chunks."""
        return file_sha256(self._full_path(entry.path))

    # -- writing ----------------------------------------------------------------------------------

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        *,
        folder: str = "",
        provenance: Provenance | None = None,
    ) -> MediaEntry:
        """Writes a new file atomically under ``folder`` and returns its entry (with ``sha256``).

        ``name`` and ``folder`` are made safe (no separators, control characters, leading dots
        or ``..``; 255 bytes at most), and a media extension is added when the bytes are media
        but the name does not say so. An existing file is never replaced: a name taken by other
        bytes gives ``name (1).ext``; a name taken by the same bytes is returned as is, so
        uploading twice writes once. ``provenance`` is recorded in the root's copy manifest
        (``_copies``) once the file is in place, and carried on the returned entry.

        Raises:
            SourceUnreachable: the root is missing or lacks its marker file.
            SourceError: ``folder`` leads outside the root through a link.
            OSError: the disk refused the write; no partial file is left behind.
        """
        self._require_root()
        written = write_new_file(self.root_path, stream, name, folder, self._folders)
        if provenance is not None:
            st = written.stat
            record = CopyRecord(
                provenance,
                written.path,
                st.st_size,
                st.st_mtime_ns,
                written.sha256,
                written.mime_type,
            )
            self._copies.append(record)
        return entry_for(
            written.path,
            written.stat,
            written.mime_type,
            sha256=written.sha256,
            provenance=provenance,
        )

    def find_copies(self, provenances: Sequence[Provenance]) -> dict[tuple[str, str], MediaEntry]:
        """The copies the manifest names whose file is still at its path, as the listing shows
        them; a file changed since (size or modification time) is hashed anew.

        Raises:
            SourceUnreachable: the root is missing or lacks its marker file.
        """
        self._require_root()
        found: dict[tuple[str, str], MediaEntry] = {}
        for record in self._copies.lookup(provenances):
            try:
                full = self._full_path(record.path)
                st = os.stat(full)
            except (OSError, SourceError):
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            unchanged = (st.st_size, st.st_mtime_ns) == (record.size, record.mtime_ns)
            sha256 = record.sha256 if unchanged else file_sha256(full)
            entry = entry_for(
                record.path, st, record.mime_type, sha256=sha256, provenance=record.provenance
            )
            found[record.provenance.key] = entry
        return found
