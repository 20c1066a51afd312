"""The listing: an iterative ``os.scandir`` walk that streams the media files folder by folder.

Cost per file: no system call for names that are skipped (hidden, junk, non-media extension,
excluded), one ``stat`` for each media file, and one short read only for files whose extension is
missing or unknown (see ``_sniff``). Memory holds the folders still to visit and the files of one
folder, plus the ids of files that have other hard links (and of every file when following
symbolic links), so that each ``source_id`` appears once.

A folder's files are kept as plain tuples (``FileFacts``) and its fingerprint is a digest of
them; ``MediaEntry`` objects are built only when the engine asks, for folders that changed. That
is what makes a re-sync of an unchanged tree cost little more than the ``stat`` calls.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from stat import S_ISREG
from typing import Any, overload

import attrs

from mediasync import (
    FileKey,
    FolderFiles,
    FolderListing,
    MediaEntry,
    SourceUnreachable,
    listing_processes,
)
from mediasync_local._globs import PathFilter
from mediasync_local._names import JUNK_FILES, JUNK_PREFIXES, JUNK_SUFFIXES, is_listed_dir
from mediasync_local._paths import text_name
from mediasync_local._sniff import MEDIA_TYPES, needs_sniff, sniff_file

__all__ = [
    "FINGERPRINT_VERSION",
    "FolderFacts",
    "SkippedFile",
    "entry_for",
    "file_id",
    "folder_listing",
    "list_folder",
    "mtime_of",
    "walk_folders",
    "walk_in_one",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
FINGERPRINT_VERSION = "1"
"""Changes whenever what a fingerprint covers changes, so that old ones no longer match."""

_SLOW_PREFIXES = (".", *JUNK_PREFIXES)
"""Names the inline path leaves to ``_file_facts``: hidden files and junk prefixes."""

FileFacts = tuple[str, int, int, int, int, str]
"""(name as text, st_dev, st_ino, st_size, st_mtime_ns, MIME type) of one listed file."""


@attrs.frozen(slots=True)
class SkippedFile:
    """A file (or a linked folder) the listing saw but could not read: it may still exist.

    ``path`` is relative to the root like ``MediaEntry.path``; ``reason`` is the system's message
    ("Permission denied").
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def file_id(st: os.stat_result) -> str:
    """``"device:inode"``: the ``source_id`` of a local file."""
    return f"{st.st_dev}:{st.st_ino}"


def mtime_of(st: os.stat_result) -> datetime:
    """The modification time as an aware UTC datetime, exact to the microsecond (truncated)."""
    return _EPOCH + timedelta(microseconds=st.st_mtime_ns // 1000)


def entry_for(path: str, st: os.stat_result, mime_type: str | None, **extra: Any) -> MediaEntry:
    return MediaEntry(
        source_id=file_id(st),
        path=path,
        size=st.st_size,
        mtime=mtime_of(st),
        mime_type=mime_type,
        **extra,
    )


def _entry(prefix: str, facts: FileFacts) -> MediaEntry:
    name, dev, ino, size, mtime_ns, mime_type = facts
    return MediaEntry(
        source_id=f"{dev}:{ino}",
        path=prefix + name,
        size=size,
        mtime=_EPOCH + (mtime_ns // 1000) * _ONE_US,
        mime_type=mime_type,
    )


class FolderFacts(FolderFiles):
    """A folder's entries made from its ``FileFacts`` when asked for: a re-sync builds those
    of the changed files only (``FolderFiles``). Pickled to and from the listing processes
    as the facts alone."""

    __slots__ = ("files", "prefix")

    def __init__(self, prefix: str, files: list[FileFacts]) -> None:
        self.prefix = prefix
        self.files = files

    def __reduce__(self) -> tuple[type[FolderFacts], tuple[str, list[FileFacts]]]:
        return FolderFacts, (self.prefix, self.files)

    def __len__(self) -> int:
        return len(self.files)

    @overload
    def __getitem__(self, index: int) -> MediaEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[MediaEntry]: ...

    def __getitem__(self, index: int | slice) -> MediaEntry | list[MediaEntry]:
        if isinstance(index, slice):
            return [_entry(self.prefix, facts) for facts in self.files[index]]
        return _entry(self.prefix, self.files[index])

    def __iter__(self) -> Iterator[MediaEntry]:
        prefix = self.prefix
        return (_entry(prefix, facts) for facts in self.files)

    def keys(self) -> list[FileKey]:
        return [
            (name, f"{dev}:{ino}", size, mtime_ns // 1000, None)
            for name, dev, ino, size, mtime_ns, _ in self.files
        ]


def fingerprint(files: list[FileFacts]) -> str:
    """A digest of everything the folder's entries carry, in listing order.

    ``pickle`` is only the serialisation (nothing is ever unpickled): three times cheaper than
    ``repr`` here, and unambiguous, so different files never give the same bytes. It may give
    different bytes for the same files (another Python, strings shared differently); that only
    costs reading the folder once more.
    """
    digest = hashlib.blake2b(pickle.dumps(files, protocol=5), digest_size=16).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest}"


@attrs.frozen(slots=True)
class _Folder:
    path: str
    """As given to ``os.scandir``: the root joined with the relative path."""
    prefix: str
    """The relative POSIX path of the folder followed by ``/``; ``""`` for the root."""
    included: bool
    """The folder or one above it matches an include glob (or there are none)."""
    rank: tuple[int, ...]
    """Where the depth-first walk reaches it, as a key: folders sort in the order the walk
    lists them (a folder before those below it; of two siblings, the one found later first)."""


def _unlistable(folder: _Folder, exc: OSError) -> SourceUnreachable:
    where = f"folder '{folder.prefix.rstrip('/')}'" if folder.prefix else "the root folder"
    advice = (
        "it was moved or deleted during the listing: sync again"
        if isinstance(exc, FileNotFoundError)
        else "fix its permissions, or exclude it with --set exclude=GLOB"
    )
    return SourceUnreachable(
        f"cannot list {where} ({folder.path}): {exc.strerror or exc}; nothing was changed, {advice}"
    )


def walk_folders(
    root: str,
    *,
    path_filter: PathFilter,
    follow_symlinks: bool,
    skipped: list[SkippedFile],
) -> Iterator[FolderListing]:
    """Yields each folder holding listed media files under ``root``, depth first.

    Where the core allows more than one process (``listing_processes``), the subtrees are
    listed by helper processes instead (``_parts``), to the same result.

    Args:
        root: an existing folder.
        path_filter: include and exclude globs.
        follow_symlinks: list what links point to; folders reached twice are walked once.
        skipped: receives the files that exist but whose ``stat`` or first bytes failed.

    Raises:
        SourceUnreachable: a folder cannot be listed (permission denied, vanished mid-walk).
    """
    top = _Folder(root, "", path_filter.includes_everything, ())
    processes = listing_processes()
    if processes > 1 and not follow_symlinks:
        from mediasync_local._parts import walk_in_parts

        yield from walk_in_parts(top, path_filter, skipped, processes)
        return
    yield from walk_in_one(top, path_filter, follow_symlinks, skipped)


def walk_in_one(
    top: _Folder,
    path_filter: PathFilter,
    follow_symlinks: bool,
    skipped: list[SkippedFile],
    already: frozenset[str] = frozenset(),
) -> Iterator[FolderListing]:
    """The walk in this process; the folders in ``already`` (paths) are walked, not yielded."""
    stack = [top]
    visited: set[tuple[int, int]] | None = None
    if follow_symlinks:
        try:
            root_stat = os.stat(top.path)
        except OSError as exc:
            raise _unlistable(top, exc) from exc
        visited = {(root_stat.st_dev, root_stat.st_ino)}
    seen: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        files, _ = list_folder(folder, stack, path_filter, follow_symlinks, visited, seen, skipped)
        if files and folder.prefix[:-1] not in already:
            yield folder_listing(folder.prefix, files)


def folder_listing(prefix: str, files: list[FileFacts]) -> FolderListing:
    return FolderListing(
        path=prefix[:-1],
        fingerprint=fingerprint(files),
        count=len(files),
        build=functools.partial(FolderFacts, prefix, files),
    )


def list_folder(
    folder: _Folder,
    stack: list[_Folder],
    path_filter: PathFilter,
    follow: bool,
    visited: set[tuple[int, int]] | None,
    seen: set[tuple[int, int]] | None,
    skipped: list[SkippedFile],
) -> tuple[list[FileFacts], list[int]]:
    """The listed files of one folder, in directory order; its subfolders go onto ``stack``.

    A file with other hard links (every file, following links) is listed once in the whole
    walk: ``seen`` holds those met so far. Without ``seen`` (the walk in parts) every such
    file is kept, and the second value gives the positions of the files that need that test.
    """
    filtered = path_filter.exclude is not None or not path_filter.includes_everything
    media_type = MEDIA_TYPES.get
    files: list[FileFacts] = []
    linked: list[int] = []
    try:
        scanner = os.scandir(folder.path)
    except OSError as exc:
        raise _unlistable(folder, exc) from exc
    position = 0
    with scanner:
        while True:
            try:
                item = next(scanner, None)
            except OSError as exc:
                raise _unlistable(folder, exc) from exc
            if item is None:
                break
            try:
                if not follow and item.is_symlink():
                    continue
                is_dir = item.is_dir()
            except OSError as exc:
                skipped.append(SkippedFile(_path(folder, item), exc.strerror or str(exc)))
                continue
            if is_dir:
                child = _subfolder(item, folder, path_filter, visited, skipped, position)
                if child is not None:
                    stack.append(child)
                    position += 1
                continue
            # The common case inline: a plain name with a media extension, no globs. Junk
            # names never have a media extension (tests/local/test_listing.py checks), so
            # only the hidden and "~$" prefixes remain to test.
            name = item.name
            dot = name.rfind(".")
            mime_type = media_type(name[dot + 1 :].lower()) if dot > 0 else None
            if mime_type is None or filtered or name.startswith(_SLOW_PREFIXES):
                found = _file_facts(item, folder, path_filter, filtered, follow, skipped)
                if found is None:
                    continue
                st, facts = found
            else:
                try:
                    st = item.stat(follow_symlinks=follow)
                except FileNotFoundError:
                    continue  # deleted since the folder was read, or a dangling link
                except OSError as exc:
                    skipped.append(SkippedFile(_path(folder, item), exc.strerror or str(exc)))
                    continue
                if not S_ISREG(st.st_mode):
                    continue
                text = name if name.isascii() else text_name(name)
                facts = (text, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, mime_type)
            if follow or st.st_nlink > 1:
                if seen is None:
                    linked.append(len(files))
                else:
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
            files.append(facts)
    return files, linked


def _path(folder: _Folder, item: os.DirEntry[str]) -> str:
    return folder.prefix + text_name(item.name)


def _subfolder(
    item: os.DirEntry[str],
    parent: _Folder,
    path_filter: PathFilter,
    visited: set[tuple[int, int]] | None,
    skipped: list[SkippedFile],
    position: int,
) -> _Folder | None:
    """The folder to walk next, or ``None`` when it is skipped, excluded or already walked.

    ``visited`` is given when following links: each folder is walked once, however reached.
    ``position`` counts the subfolders of ``parent`` taken before this one.
    """
    if not is_listed_dir(item.name):
        return None
    path = _path(parent, item)
    if path_filter.excluded(path):
        return None
    if visited is not None:
        try:
            st = item.stat()
        except OSError as exc:
            skipped.append(SkippedFile(path, exc.strerror or str(exc)))
            return None
        key = (st.st_dev, st.st_ino)
        if key in visited:
            return None
        visited.add(key)
    included = parent.included or path_filter.included(path)
    return _Folder(item.path, path + "/", included, (*parent.rank, -position))


def _file_facts(
    item: os.DirEntry[str],
    folder: _Folder,
    path_filter: PathFilter,
    filtered: bool,
    follow_symlinks: bool,
    skipped: list[SkippedFile],
) -> tuple[os.stat_result, FileFacts] | None:
    """(stat, facts) of a listed media file, or ``None`` when it is not listed.

    ``filtered`` says whether any glob is set: without one, no path is built for the filter.
    The general case, exact for any name; ``walk_folders`` has the common one inline.
    """
    name = item.name
    lowered = name.lower()
    if (
        name.startswith(".")
        or lowered in JUNK_FILES
        or lowered.endswith(JUNK_SUFFIXES)
        or lowered.startswith(JUNK_PREFIXES)
    ):
        return None
    dot = lowered.rfind(".")
    ext = lowered[dot + 1 :] if dot > 0 else ""
    mime_type = MEDIA_TYPES.get(ext)
    if mime_type is None and not needs_sniff(ext):
        return None
    if filtered:
        path = _path(folder, item)
        if path_filter.excluded(path) or not (folder.included or path_filter.included(path)):
            return None
    try:
        st = item.stat(follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        return None  # deleted since the folder was read, or a dangling link
    except OSError as exc:
        skipped.append(SkippedFile(_path(folder, item), exc.strerror or str(exc)))
        return None
    if not S_ISREG(st.st_mode):
        return None
    if mime_type is None:
        if st.st_size == 0:
            return None
        try:
            mime_type = sniff_file(item.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            reason = f"cannot read its first bytes: {exc.strerror}"
            skipped.append(SkippedFile(_path(folder, item), reason))
            return None
        if mime_type is None:
            return None
    text = name if name.isascii() else text_name(name)
    return st, (text, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, mime_type)
