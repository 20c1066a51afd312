"""The listing: an iterative ``os.scandir`` walk that streams one ``MediaEntry`` per media file.

Cost per file: no system call for names that are skipped (hidden, junk, non-media extension,
excluded), one ``stat`` for each media file, and one short read only for files whose extension is
missing or unknown (see ``_sniff``). Memory holds the folders still to visit, plus the ids of
files that have other hard links (and of every file when following symbolic links), so that each
``source_id`` appears once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from mediasync import MediaEntry, SourceUnreachable
from mediasync_local._globs import PathFilter
from mediasync_local._names import is_listed_dir, is_listed_file
from mediasync_local._paths import text_name
from mediasync_local._sniff import MEDIA_TYPES, extension_of, needs_sniff, sniff_file

__all__ = ["SkippedFile", "entry_for", "file_id", "mtime_of", "walk"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


@attrs.frozen(slots=True)
class _Folder:
    path: str
    """As given to ``os.scandir``: the root joined with the relative path."""
    prefix: str
    """The relative POSIX path of the folder followed by ``/``; ``""`` for the root."""
    included: bool
    """The folder or one above it matches an include glob (or there are none)."""


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


def walk(
    root: str,
    *,
    path_filter: PathFilter,
    follow_symlinks: bool,
    skipped: list[SkippedFile],
) -> Iterator[MediaEntry]:
    """Yields every listed media file under ``root``, depth first, in directory order.

    Args:
        root: an existing folder.
        path_filter: include and exclude globs.
        follow_symlinks: list what links point to; folders reached twice are walked once.
        skipped: receives the files that exist but whose ``stat`` or first bytes failed.

    Raises:
        SourceUnreachable: a folder cannot be listed (permission denied, vanished mid-walk).
    """
    stack = [_Folder(root, "", path_filter.includes_everything)]
    visited: set[tuple[int, int]] | None = None
    if follow_symlinks:
        try:
            root_stat = os.stat(root)
        except OSError as exc:
            raise _unlistable(stack[0], exc) from exc
        visited = {(root_stat.st_dev, root_stat.st_ino)}
    seen: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        try:
            scanner = os.scandir(folder.path)
        except OSError as exc:
            raise _unlistable(folder, exc) from exc
        with scanner:
            while True:
                try:
                    item = next(scanner, None)
                except OSError as exc:
                    raise _unlistable(folder, exc) from exc
                if item is None:
                    break
                path = folder.prefix + text_name(item.name)
                try:
                    if item.is_symlink() and not follow_symlinks:
                        continue
                    is_dir = item.is_dir()
                except OSError as exc:
                    skipped.append(SkippedFile(path, exc.strerror or str(exc)))
                    continue
                if is_dir:
                    child = _subfolder(item, folder, path, path_filter, visited, skipped)
                    if child is not None:
                        stack.append(child)
                    continue
                found = _media_entry(item, folder, path, path_filter, follow_symlinks, skipped)
                if found is None:
                    continue
                st, mime_type = found
                if follow_symlinks or st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                yield entry_for(path, st, mime_type)


def _subfolder(
    item: os.DirEntry[str],
    parent: _Folder,
    path: str,
    path_filter: PathFilter,
    visited: set[tuple[int, int]] | None,
    skipped: list[SkippedFile],
) -> _Folder | None:
    """The folder to walk next, or ``None`` when it is skipped, excluded or already walked.

    ``visited`` is given when following links: each folder is walked once, however reached.
    """
    if not is_listed_dir(item.name) or path_filter.excluded(path):
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
    return _Folder(item.path, path + "/", included)


def _media_entry(
    item: os.DirEntry[str],
    folder: _Folder,
    path: str,
    path_filter: PathFilter,
    follow_symlinks: bool,
    skipped: list[SkippedFile],
) -> tuple[os.stat_result, str | None] | None:
    """The stat and MIME type of a listed media file, or ``None`` when it is not listed."""
    name = item.name
    if not is_listed_file(name):
        return None
    ext = extension_of(name)
    mime_type = MEDIA_TYPES.get(ext)
    if mime_type is None and not needs_sniff(ext):
        return None
    if path_filter.excluded(path) or not (folder.included or path_filter.included(path)):
        return None
    try:
        st = item.stat(follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        return None  # deleted since the folder was read, or a dangling link
    except OSError as exc:
        skipped.append(SkippedFile(path, exc.strerror or str(exc)))
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if mime_type is None:
        if st.st_size == 0:
            return None
        try:
            mime_type = sniff_file(item.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            skipped.append(SkippedFile(path, f"cannot read its first bytes: {exc.strerror}"))
            return None
        if mime_type is None:
            return None
    return st, mime_type
