"""Writing a new file into the root: safe names, atomic, durable, never over another file.

The bytes go to a hidden temporary file in the destination folder (``O_EXCL``), are flushed to
disk, then hard-linked to their final name, which fails rather than replace anything. When the
name is taken by different bytes, ``name (1).ext``, ``name (2).ext``… are tried; when it is taken
by the same bytes, that file is the result and nothing is written. So copying the same item twice
yields one file. On filesystems without hard links (FAT, exFAT, some network shares) the final
name is first reserved with an empty ``O_EXCL`` file, then replaced by the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from typing import BinaryIO

import attrs

from mediasync import SourceError, file_sha256
from mediasync_local._names import numbered, safe_folder, safe_name, with_extension
from mediasync_local._sniff import (
    MEDIA_TYPES,
    SNIFF_BYTES,
    extension_for,
    extension_of,
    sniff,
    type_by_extension,
)

__all__ = ["CHUNK", "Written", "write_new_file"]

CHUNK = 1024 * 1024
MAX_NUMBER = 9999
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}
)
_NO_DIRECTORY_FSYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF})


@attrs.frozen(slots=True)
class Written:
    """Where the bytes ended up (relative POSIX path) and what they are."""

    path: str
    stat: os.stat_result
    sha256: str
    mime_type: str | None
    created: bool
    """False when a file with the same name and bytes was already there."""


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_FSYNC:
            raise
    finally:
        os.close(fd)


def _within(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def ensure_folder(root: str, components: list[str]) -> str:
    """Creates the folder ``root/components…`` as needed and returns its path.

    Each level is checked before the next is created: an existing link that leads outside the
    root (or to something that is not a folder) is refused, so nothing is ever written outside.

    Raises:
        SourceError: a level exists but is not a folder inside the root.
    """
    real_root = os.path.realpath(root)
    current = root
    for index, component in enumerate(components):
        parent, current = current, os.path.join(current, component)
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        else:
            _fsync_directory(parent)
        real = os.path.realpath(current)
        if not (_within(real, real_root) and os.path.isdir(real)):
            shown = "/".join(components[: index + 1])
            raise SourceError(f"cannot write into '{shown}': it is not a folder inside {root}")
    return current


def _same_bytes(path: str, size: int, sha256: str) -> bool:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size != size:
        return False
    return file_sha256(path) == sha256


def _place(temporary: str, target: str) -> bool:
    """Gives the temporary file the name ``target`` unless it is taken; True when it was free."""
    try:
        os.link(temporary, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
    except FileExistsError:
        return False
    os.close(fd)
    os.replace(temporary, target)
    return True


def _copy(stream: BinaryIO, fd: int) -> tuple[str, int, bytes]:
    """Copies ``stream`` into ``fd`` and flushes it to disk: (sha256, size, first bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with os.fdopen(fd, "wb", closefd=False) as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            out.write(chunk)
        out.flush()
        os.fsync(fd)
    return digest.hexdigest(), size, head


def listable_name(name: str, sniffed: str | None) -> str:
    """``name``, with the extension of the sniffed type appended when its own is not media.

    The listing trusts media extensions and skips known non-media ones without reading, so a
    JPEG uploaded as ``photo.txt`` or ``Thumbs.db`` would never be listed again.
    """
    if extension_of(name) in MEDIA_TYPES or sniffed is None:
        return name
    ext = extension_for(sniffed)
    return name if ext is None else with_extension(name, ext)


def _name_and_place(
    temporary: str, directory: str, wanted: str, size: int, sha256: str
) -> tuple[str, bool]:
    """Links the temporary file to ``wanted`` or the first free ``wanted (N)``: (name, created).

    A taken name holding the same bytes is the answer itself, with ``created`` False.
    """
    for number in range(MAX_NUMBER + 1):
        candidate = numbered(wanted, number) if number else wanted
        target = os.path.join(directory, candidate)
        if _place(temporary, target):
            return candidate, True
        if _same_bytes(target, size, sha256):
            return candidate, False
    raise SourceError(
        f"cannot name the new file: '{wanted}' and {MAX_NUMBER} numbered variants are taken "
        f"in {directory}"
    )


def _open_temporary(
    root: str, components: list[str], ensured: set[tuple[str, ...]] | None
) -> tuple[str, str, int]:
    """(folder, temporary file, its descriptor): the folder made and checked unless this
    source instance did so before (``ensured``), and again if it vanished since."""
    key = tuple(components)
    known = ensured is not None and key in ensured
    directory = os.path.join(root, *components) if known else ensure_folder(root, components)
    temporary = os.path.join(directory, f".mediasync-{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC
    try:
        fd = os.open(temporary, flags, 0o666)
    except FileNotFoundError:
        if not known:
            raise
        directory = ensure_folder(root, components)
        fd = os.open(temporary, flags, 0o666)
    if ensured is not None:
        ensured.add(key)
    return directory, temporary, fd


def write_new_file(
    root: str,
    stream: BinaryIO,
    name: str,
    folder: str = "",
    ensured: set[tuple[str, ...]] | None = None,
) -> Written:
    """Writes ``stream`` under ``root/folder/name`` (both made safe) without overwriting.

    ``ensured`` holds the folders (as safe components) made and checked already: a copy of
    thousands of files into a few folders then checks each folder once, not each time.

    Raises:
        SourceError: the folder leads outside the root, or every numbered name is taken.
        OSError: the disk refused (full, read-only, permission denied); nothing is left behind.
    """
    components = safe_folder(folder)
    directory, temporary, fd = _open_temporary(root, components, ensured)
    try:
        try:
            sha256, size, head = _copy(stream, fd)
        finally:
            os.close(fd)
        sniffed = sniff(head)
        wanted = listable_name(safe_name(name), sniffed)
        final, created = _name_and_place(temporary, directory, wanted, size, sha256)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    if created:
        _fsync_directory(directory)
    path = os.path.join(directory, final)
    mime_type = type_by_extension(extension_of(final)) or sniffed
    relative = "".join(f"{c}/" for c in components) + final
    return Written(relative, os.stat(path), sha256, mime_type, created)
