"""The ``Source`` base class: what a plugin implements to make media somewhere indexable.

A source lists what it has now; the sync engine decides what changed. Everything optional is
gated by a declared ``Capability`` so that the engine, the CLI and the conformance suite know up
front what to expect instead of calling and catching ``NotImplementedError``.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO, ClassVar, Protocol

import attrs

from mediasync._errors import NotSupported, UsageError
from mediasync._facts.model import HashedContent
from mediasync._filehash import hash_file
from mediasync._models import Capability, HealthCheck, MediaEntry, MediaKind, Provenance
from mediasync._settings import NoSettings

__all__ = [
    "ChangePage",
    "FileKey",
    "FolderFiles",
    "FolderListing",
    "Source",
    "SourceState",
    "listing_processes",
]

HASH_CHUNK = 1024 * 1024
DEFAULT_PAGE = 100

_listing_processes = 1
"""Set in mediasync's own listing child only (``_sync/early.py``)."""


def listing_processes() -> int:
    """How many processes a ``list_folders`` being iterated now may spread its work over.

    One, except in the child process that ``mediasync sync NAME`` lists in: that process has no
    other thread (so forking it is safe) and nothing else to do, and the rest of the command is
    waiting for its listing. There a source that can split its walk may fork up to this many
    helpers; anywhere else (the worker, a thread, a test) it must list in its own process.
    """
    return _listing_processes


@attrs.frozen(slots=True)
class ChangePage:
    """One page of a source's change feed.

    ``upserts`` are files added or changed (in the tree or moved into it); ``removed`` are
    ``source_id`` values that left the tree or were deleted. ``cursor`` is where the next read
    starts; ``more`` says whether another page follows right away.

    A feed that reports a folder once rather than every file below it (Drive reports a renamed
    folder as one change) says so with ``moved_folders`` (``(old path, new path)`` pairs) and
    ``removed_folders`` (paths): every active item below such a folder follows the deepest of
    them that holds it, judged on the paths as they were before the page, so a swap of two
    names or a folder renamed inside a renamed one come out right. A moved folder's items get
    the new prefix in the database (one statement per folder, a ``moved`` event each, history
    kept); a removed folder's items are removed, except those in ``upserts``, which moved
    elsewhere. Both are applied before ``upserts`` and ``removed``, and every removal of the
    page passes the mass-removal gate first.
    """

    upserts: tuple[MediaEntry, ...]
    removed: tuple[str, ...]
    cursor: str
    more: bool = False
    moved_folders: tuple[tuple[str, str], ...] = ()
    removed_folders: tuple[str, ...] = ()


FileKey = tuple[str, str, int | None, int, str | None]
"""``(name, source_id, size, mtime_us, revision)`` of one file: ``MediaEntry.name``, its
``source_id``, ``size``, ``mtime`` as whole microseconds since the epoch (UTC) and ``revision``;
what the engine compares with the index to tell a file it already holds unchanged."""


class FolderFiles(Sequence[MediaEntry]):
    """A folder's entries, each built only when asked for, with the facts of every file.

    ``FolderListing.build`` may return one instead of a list. For a folder whose fingerprint
    changed, the engine compares ``keys()`` with the index and builds the entries of the files
    that differ alone: after 1% of a tree's files changed, half of its folders do, and building
    the entries of their unchanged files cost a third of the re-sync. ``keys()[i]`` describes
    ``self[i]``; only for entries without a ``sha256`` (a source's own hash is compared when
    the entry is planned, so such a source returns a plain list).
    """

    __slots__ = ()

    @abc.abstractmethod
    def keys(self) -> Sequence[FileKey]:
        """One ``FileKey`` per entry, in the same order, without building the entries."""


@attrs.frozen(slots=True)
class FolderListing:
    """One folder's media files (not those of its subfolders), with a fingerprint of them.

    The engine compares ``fingerprint`` with the one it stored when it last indexed the
    folder; when they are equal it trusts that nothing in the folder changed and never calls
    ``entries``, so a re-sync of an unchanged tree reads nothing from the index. A fingerprint
    must therefore change whenever anything a ``MediaEntry`` of the folder carries would: a file
    added, removed or renamed, or its identifier, size or modification time changed. A source
    may change it more often (an order that moved, say): that only costs a closer look.

    ``path`` is the folder's path relative to the root, as ``MediaEntry.folder`` gives it
    (``""`` for the root); ``count`` is ``len(entries())``; ``build`` makes the entries, and is
    called at most once by the engine, only for folders that changed; it may return a
    ``FolderFiles``, so that only the entries of the files that changed are built.
    """

    path: str
    fingerprint: str
    count: int
    build: Callable[[], Sequence[MediaEntry]] = attrs.field(repr=False)

    def entries(self) -> Sequence[MediaEntry]:
        return self.build()


class SourceState(Protocol):
    """Where a source's own state lives between runs (``Source.load_state``): JSON values by
    key, kept in the index for that one source."""

    def get(self, key: str) -> Any:
        """The value stored under ``key``, or ``None``."""
        ...

    def set(self, key: str, value: Any) -> None:
        """Replaces the value under ``key``; ``None`` deletes it."""
        ...


class Source(abc.ABC):
    """Base class of every source type.

    Subclasses set the class attributes, implement ``list_entries`` and ``check``, and whatever
    their ``capabilities`` promise: ``open`` for ``DOWNLOADABLE``, ``upload`` and
    ``find_copies`` for ``WRITABLE``, ``start_cursor`` and ``changes`` for ``CHANGE_FEED``,
    ``list_folders`` for ``FOLDER_FINGERPRINTS``. Import heavy SDKs inside methods, not at
    module level, so that ``mediasync --help`` stays fast with every plugin installed.
    """

    type_name: ClassVar[str]
    """The ``--type`` users pick: short, lowercase, unique across installed plugins."""
    description: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LISTABLE})
    media_kinds: ClassVar[frozenset[MediaKind]] = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    Settings: ClassVar[type[Any]] = NoSettings
    """An attrs class; cattrs structures it from ``--set`` values and stored JSON."""
    root_required: ClassVar[bool] = True
    default_strategy: ClassVar[str] = "scan"
    hash_on_index: ClassVar[bool] = True
    """``False``: a sync never reads the bytes to hash them, and items keep the ``sha256`` the
    listing gives (``None`` without one). For a remote feed with ``STABLE_IDS`` whose every
    file costs a download: identity then rests on the ids alone. A ``copy`` out of the source
    still reads each file once, as it must."""

    def __init__(self, name: str, root: str | None, settings: Any) -> None:
        self.name = name
        self.root = root
        self.settings = settings
        self.settings_saver: Callable[[Mapping[str, Any]], None] | None = None
        """Set by mediasync on the instances it opens; see ``save_settings``."""
        self.state_store: SourceState | None = None
        """Set by mediasync on the instances it opens; see ``load_state``."""

    def load_state(self, key: str) -> Any:
        """A JSON value this source kept with ``save_state`` (``None`` if there is none).

        For what a source must remember between runs beside its cursor, too big or too
        structured for it (Drive's folder map). The value is written when ``save_state`` is
        called, not with the run's changes: a source that must match it to the cursor versions
        it by something the cursor carries.

        Raises:
            NotSupported: the source was not opened by mediasync (a test built it by hand).
        """
        return self._state("read").get(key)

    def save_state(self, key: str, value: Any) -> None:
        """Stores a JSON value for this source under ``key``; ``None`` deletes it.

        Raises:
            NotSupported: the source was not opened by mediasync.
        """
        self._state("keep").set(key, value)

    def _state(self, verb: str) -> SourceState:
        store: SourceState | None = getattr(self, "state_store", None)
        if store is None:
            raise NotSupported(
                f"source '{self.name}' was not opened by mediasync: no state to {verb}"
            )
        return store

    def save_settings(self, changes: Mapping[str, Any]) -> None:
        """Stores changed settings of this source (a rotated token) for every later run, checked
        and sealed like ``sources set``; ``None`` removes a key. This instance keeps its own.

        Raises:
            NotSupported: the source was not opened by mediasync (a test built it by hand).
        """
        saver = getattr(self, "settings_saver", None)
        if saver is None:
            raise NotSupported(f"source '{self.name}' was not opened by mediasync: nowhere to save")
        saver(changes)

    @classmethod
    def normalize_root(cls, root: str | None) -> str | None:
        """Checks and canonicalises ``--root`` at ``add`` time (a folder URL to its id, say).

        Raises:
            UsageError: the root is missing but required, or malformed.
        """
        if cls.root_required and not root:
            raise UsageError(f"source type '{cls.type_name}' needs --root")
        return root

    @abc.abstractmethod
    def list_entries(self) -> Iterator[MediaEntry]:
        """Yields every media file under the root, streaming (never the whole listing at once).

        Raises:
            SourceUnreachable: the listing cannot be completed; the engine then changes nothing.
        """

    def list_pages(self) -> Iterator[Sequence[MediaEntry]]:
        """The listing of ``list_entries`` in the source's own pages, for ``NEWEST_FIRST``.

        A newest-first source yields each page as the remote API returns it, newest first, and
        fetches the next page only when asked: the ``newest-first`` strategy stops reading
        once it meets enough items it already indexed. The default cuts ``list_entries``.
        """
        page: list[MediaEntry] = []
        for entry in self.list_entries():
            page.append(entry)
            if len(page) >= DEFAULT_PAGE:
                yield page
                page = []
        if page:
            yield page

    def list_folders(self) -> Iterator[FolderListing]:
        """The same listing as ``list_entries``, one folder at a time (``FOLDER_FINGERPRINTS``).

        Every folder holding a listed file is yielded exactly once; the entries of all of them
        together are exactly what ``list_entries`` yields.

        Raises:
            SourceUnreachable: as ``list_entries``.
        """
        raise NotSupported(f"source type '{self.type_name}' cannot list folder by folder")

    @abc.abstractmethod
    def check(self) -> HealthCheck:
        """Reachable, credentials valid, root present and readable: cheap, no full listing."""

    def root_identity(self) -> str | None:
        """An identity of the root that changes if it is replaced (device and inode, a folder id).

        The engine remembers it; a different one later means the root was swapped or unmounted,
        and the run fails rather than marking everything removed.
        """
        return None

    def skipped_paths(self) -> Sequence[tuple[str, str]]:
        """(path, reason) of files the last complete listing saw but could not read.

        They may well still exist, so the engine keeps their items (never marks them removed)
        and reports them as errors of the run.
        """
        return ()

    def open(self, entry: MediaEntry) -> BinaryIO:
        """Opens the bytes of ``entry`` as a binary stream (``DOWNLOADABLE``)."""
        raise NotSupported(f"source type '{self.type_name}' cannot download")

    def local_path(self, entry: MediaEntry) -> str | None:
        """The file behind ``entry`` on this machine, if its bytes are a local file.

        Lets the engine hash many new files in worker processes (reading the file there, with
        no call to this source) instead of threads that compete for the GIL. ``None``, the
        default, keeps hashing on ``sha256`` in threads.
        """
        return None

    def sha256(self, entry: MediaEntry) -> str:
        """SHA-256 of the bytes, hex; called only for new or changed files without a native hash."""
        digest = hashlib.sha256()
        with self.open(entry) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def hash_content(self, entry: MediaEntry) -> HashedContent:
        """SHA-256 of the bytes and, from the same read, their media facts (capture time, size
        after orientation, duration, camera); called where ``sha256`` would be.

        The default reads the facts of files the source can name on this machine
        (``local_path``) while it hashes them; for others it calls ``sha256`` and reads no
        facts (``facts`` is ``None``): a remote source reports them in its listing instead.
        """
        path = self.local_path(entry)
        if path is None:
            return HashedContent(self.sha256(entry))
        return hash_file(path)

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        *,
        folder: str = "",
        provenance: Provenance | None = None,
    ) -> MediaEntry:
        """Writes a new file and returns its entry (``WRITABLE``).

        Never overwrites a different file; ``name`` comes from elsewhere and must be made safe.
        ``provenance`` says where the bytes came from: the source keeps it beside the file (a
        marker that outlives the index), so that ``find_copies`` finds it again and a re-run
        of ``copy`` does not write twice. The returned entry carries it too.
        """
        raise NotSupported(f"source type '{self.type_name}' is not writable")

    def find_copies(
        self, provenances: Sequence[Provenance]
    ) -> Mapping[tuple[str, str], MediaEntry]:
        """The files an ``upload`` with one of these provenances wrote and that still exist
        (``WRITABLE``), keyed by ``Provenance.key``; the others are absent.

        ``copy`` asks the index first and this only for what the index does not know, so a
        copy stays idempotent when the index was lost or the last run stopped between an
        upload and its index write. Each entry is what the listing yields for that file (with
        ``sha256`` where known) and carries the provenance, with the ``copied_at`` the marker
        kept (an identifier may pass from one item of its source to another, so two files may
        carry one key: give the one copied last; ``copy`` tells by its time and bytes whether
        it is a copy of the item holding the identifier now). A new instance of the source must
        find what an earlier one wrote. The default finds nothing: a source that keeps no
        markers is copied into again once its index is gone.
        """
        return {}

    def start_cursor(self) -> str:
        """The change-feed position of "now", taken before a full listing (``CHANGE_FEED``)."""
        raise NotSupported(f"source type '{self.type_name}' has no change feed")

    def changes(self, cursor: str) -> ChangePage:
        """One page of changes since ``cursor`` (``CHANGE_FEED``).

        Raises:
            CursorInvalid: the cursor expired; the strategy falls back to a full scan.
        """
        raise NotSupported(f"source type '{self.type_name}' has no change feed")

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Releases connections and files; the engine calls it when a run ends."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
