"""The walk in parts: subtrees listed by helper processes, for ``mediasync sync NAME``.

A re-sync of an unchanged tree is one ``stat`` per file, two thirds of it in the kernel, and
one process does it on one core while the others idle: a million files took 5.5 s of one core.
Where the core allows it (``listing_processes() > 1``: the child process that
``mediasync sync NAME`` lists in, which has no other thread) the walk lists the top of the
tree itself, breadth first, until it holds enough subtrees to share, then forks helpers that
take the subtrees one at a time from a pipe and send each folder back; this process passes the
folders on as they come.

The result is the one-process walk's: every folder once, with the same fingerprint and entries,
and the same skipped files; only the order of the folders differs (the engine takes them in any
order). A file with other hard links is listed once, in the first folder the one-process walk
reaches: the folders holding such files are held back to the end and then replayed in that
walk's order (``_Folder.rank``) with one set of the links seen. Only those folders wait, so a
tree without hard links streams as before. A helper that fails ends the walk with its error; one
that dies ends it with ``SourceUnreachable``, and the others are stopped.
"""

from __future__ import annotations

import functools
import os
import pickle
import queue
import signal
import struct
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any, NoReturn

from mediasync import FolderListing, SourceUnreachable
from mediasync_local._globs import PathFilter
from mediasync_local._walk import (
    FileFacts,
    FolderFacts,
    SkippedFile,
    _Folder,
    fingerprint,
    folder_listing,
    list_folder,
    walk_in_one,
)

__all__ = ["walk_in_parts"]

SHARES_PER_PROCESS = 8
"""Subtrees to share per helper at least: the helpers take them as they finish the last, so the
slowest ends at most about one subtree after the others."""

TOP_FOLDERS = 256
"""Folders this process lists itself, at most, looking for subtrees to share."""

HELD_FILES = 100_000
"""Files in folders held back for their hard links, at most (about 20 MB): past that the tree
is walked again in one process, which streams them."""

_INDEX = struct.Struct("<I")
_PIPE_SHARES = 16_384
"""Shares written to the work pipe before any helper reads it: what its 64 KiB buffer holds."""

_QUEUED_MESSAGES = 256
"""Folders received from helpers and not yet passed on: the helpers wait beyond that."""

_Held = tuple[tuple[int, ...], str, list[FileFacts], list[int]]
"""A folder holding files with other hard links: (rank, prefix, files, their positions)."""


class _Unpickled:
    """A folder's ``build`` as a helper pickled it; unpickled only if the sync calls it."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __call__(self) -> Any:
        return pickle.loads(self.data)()


def walk_in_parts(
    top: _Folder, path_filter: PathFilter, skipped: list[SkippedFile], processes: int
) -> Iterator[FolderListing]:
    """``walk_folders`` (not following links) with up to ``processes`` helper processes.

    A tree whose folders hold more than ``HELD_FILES`` files with other hard links (a backup
    made of links, say) is walked again in one process, which streams them: what was already
    passed on is not passed on twice.
    """
    held = _HeldFolders()
    passed: set[str] = set()
    try:
        for folder in _in_parts(top, path_filter, skipped, processes, held):
            passed.add(folder.path)
            yield folder
    except _TooManyLinks:
        del skipped[:]  # the walk in one process finds them all again
        yield from walk_in_one(top, path_filter, False, skipped, frozenset(passed))
        return
    yield from _replay(held.folders)


def _in_parts(
    top: _Folder,
    path_filter: PathFilter,
    skipped: list[SkippedFile],
    processes: int,
    held: _HeldFolders,
) -> Iterator[FolderListing]:
    waiting = deque([top])
    listed = 0
    while waiting and len(waiting) < processes * SHARES_PER_PROCESS and listed < TOP_FOLDERS:
        folder = waiting.popleft()
        below: list[_Folder] = []
        files, linked = list_folder(folder, below, path_filter, False, None, None, skipped)
        waiting.extend(below)
        listed += 1
        yield from _settled(folder, files, linked, held)
    subtrees = list(waiting)
    if len(subtrees) > 1:
        yield from _shared(subtrees, path_filter, skipped, held, processes)
    else:
        for subtree in subtrees:
            yield from _subtree(subtree, path_filter, skipped, held)


class _TooManyLinks(Exception):
    pass


class _HeldFolders:
    """The folders held back for their hard links, and how many files they hold."""

    def __init__(self) -> None:
        self.folders: list[_Held] = []
        self.files = 0

    def add(self, folder: _Held) -> None:
        self.folders.append(folder)
        self.files += len(folder[2])
        if self.files > HELD_FILES:
            raise _TooManyLinks


def _settled(
    folder: _Folder, files: list[FileFacts], linked: list[int], held: _HeldFolders
) -> Iterator[FolderListing]:
    if linked:
        held.add((folder.rank, folder.prefix, files, linked))
    elif files:
        yield folder_listing(folder.prefix, files)


def _subtree(
    subtree: _Folder, path_filter: PathFilter, skipped: list[SkippedFile], held: _HeldFolders
) -> Iterator[FolderListing]:
    stack = [subtree]
    while stack:
        folder = stack.pop()
        files, linked = list_folder(folder, stack, path_filter, False, None, None, skipped)
        yield from _settled(folder, files, linked, held)


def _replay(held: list[_Held]) -> Iterator[FolderListing]:
    """The held folders in the one-process walk's order, each linked file kept where first met."""
    seen: set[tuple[int, int]] = set()
    for _, prefix, files, linked in sorted(held, key=lambda folder: folder[0]):
        dropped: set[int] = set()
        for position in linked:
            key = (files[position][1], files[position][2])
            if key in seen:
                dropped.add(position)
            else:
                seen.add(key)
        kept = [facts for position, facts in enumerate(files) if position not in dropped]
        if kept:
            yield folder_listing(prefix, kept)


def _shared(
    subtrees: list[_Folder],
    path_filter: PathFilter,
    skipped: list[SkippedFile],
    held: _HeldFolders,
    processes: int,
) -> Iterator[FolderListing]:
    """The subtrees listed by helpers; their folders passed on as they arrive."""
    size = -(-len(subtrees) // _PIPE_SHARES)
    shares = [subtrees[start : start + size] for start in range(0, len(subtrees), size)]
    work_read, work_write = os.pipe()
    os.write(work_write, b"".join(_INDEX.pack(index) for index in range(len(shares))))
    os.close(work_write)  # drained, every helper reads the end of the shares
    helpers: dict[int, int] = {}  # pid -> the read end of its pipe
    try:
        for _ in range(min(processes, len(shares))):
            forked = _fork_helper(work_read, shares, path_filter, helpers)
            if forked is None:  # out of processes or memory: the helpers there are will do
                break
            helpers[forked[0]] = forked[1]
    finally:
        os.close(work_read)
    if not helpers:
        for subtree in subtrees:
            yield from _subtree(subtree, path_filter, skipped, held)
        return
    received: queue.Queue[tuple[int, Any]] = queue.Queue(_QUEUED_MESSAGES)
    for pid, fd in helpers.items():
        threading.Thread(target=_receive, args=(pid, fd, received), daemon=True).start()
    running = set(helpers)
    try:
        while running:
            pid, message = received.get()
            kind = message[0]
            if kind == "folder":
                _, prefix, digest, count, build = message
                yield FolderListing(prefix[:-1], digest, count, _Unpickled(build))
            elif kind == "held":
                held.add(message[1])
            elif kind == "done":
                skipped.extend(message[1])
                running.discard(pid)
                os.waitpid(pid, 0)
            else:  # "failed": the helper's own error, or its end unread
                raise message[1]
    finally:
        for pid in running:  # only after a failure, or when the walk is abandoned
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass


def _fork_helper(
    work: int, shares: list[list[_Folder]], path_filter: PathFilter, helpers: dict[int, int]
) -> tuple[int, int] | None:
    """(pid, the read end of its pipe) of a new helper; ``None`` if none can be started."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the helper: it never returns
        for fd in (read_end, *helpers.values()):
            os.close(fd)
        _help(work, write_end, shares, path_filter)
    os.close(write_end)
    return pid, read_end


def _receive(pid: int, fd: int, received: queue.Queue[tuple[int, Any]]) -> None:
    """Queues a helper's messages, then ``("failed", error)`` if it ended without its own."""
    with open(fd, "rb", buffering=1 << 16) as stream:
        while True:
            try:
                message = pickle.load(stream)
            except BaseException as exc:
                lost = SourceUnreachable(
                    "a helper process of the listing ended before it was complete "
                    f"({type(exc).__name__}); nothing was changed: sync again"
                )
                received.put((pid, ("failed", lost)))
                return
            received.put((pid, message))
            if message[0] in {"done", "failed"}:
                return


def _help(work: int, out_fd: int, shares: list[list[_Folder]], path_filter: PathFilter) -> NoReturn:
    """Lists shares until none is left, then sends the files it skipped (or its error), and
    exits without any ``atexit`` function, flush or finalizer of its parent's."""
    code = 0
    try:
        out = open(out_fd, "wb", buffering=1 << 16)  # noqa: SIM115 - os._exit ends everything
        skipped: list[SkippedFile] = []
        try:
            while data := os.read(work, _INDEX.size):
                for subtree in shares[_INDEX.unpack(data)[0]]:
                    _send_subtree(out, subtree, path_filter, skipped)
            end: tuple[Any, ...] = ("done", skipped)
        except BrokenPipeError:
            raise
        except BaseException as exc:
            end = ("failed", exc)
        try:
            data = pickle.dumps(end, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an error that does not pickle is told by its type and text
            error = SourceUnreachable(f"{type(end[1]).__name__}: {end[1]}")
            data = pickle.dumps(("failed", error), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(data)
        out.flush()
    except BaseException:  # the walk is over (a broken pipe), or we were stopped
        code = 1
    finally:
        os._exit(code)


def _send_subtree(
    out: Any, subtree: _Folder, path_filter: PathFilter, skipped: list[SkippedFile]
) -> None:
    stack = [subtree]
    dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
    while stack:
        folder = stack.pop()
        files, linked = list_folder(folder, stack, path_filter, False, None, None, skipped)
        if linked:
            message: tuple[Any, ...] = ("held", (folder.rank, folder.prefix, files, linked))
        elif files:
            prefix = folder.prefix
            build = dumps(functools.partial(FolderFacts, prefix, files), protocol=protocol)
            message = ("folder", prefix, fingerprint(files), len(files), build)
        else:
            continue
        out.write(dumps(message, protocol=protocol))
