"""One item of a ``copy``, on a worker thread: streamed from its source into ``upload``.

A failure is sorted by where it happened and what it means. Reading the item (opening it, or a
read from inside ``upload``: ``_CountingReader`` remembers it) or writing it can fail for that
item alone (a file gone, a name refused): the item is counted as failed. A source that is
unreachable or refusing, and a destination that is full, read-only, refusing or unreachable,
fail every item after it as well: the copy stops.
"""

from __future__ import annotations

import errno
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO, cast

import attrs

from mediasync._errors import MediasyncError, RemoteError, SourceError, SourceUnreachable
from mediasync._item_bytes import open_item_bytes
from mediasync._models import MediaEntry, Provenance
from mediasync._results import Item
from mediasync._source import Source

__all__ = ["SourcePairs", "Transfer", "as_copy", "transfer"]

STOPPING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
"""A write refused for these reasons would be refused for every other file too."""


@attrs.frozen(slots=True)
class Transfer:
    """What became of one item: ``entry`` once written; else ``error`` (this item failed),
    ``stop`` (the copy must stop), or nothing (not tried: the copy was stopping)."""

    item: Item
    destination_path: str
    entry: MediaEntry | None = None
    size: int = 0
    error: str | None = None
    stop: str | None = None
    unexpected: Exception | None = None
    """A failure no rule above knows (a plugin's bug): raised once the page is indexed."""


class SourcePairs:
    """(source, destination) instances for the worker threads, one pair per thread at a time.

    A source instance may hold a connection that is not safe to share (a Drive client); a
    pair is made when a thread first needs one and reused by the next item after.
    """

    def __init__(self, open_source: Callable[[], Source], open_destination: Callable[[], Source]):
        self._open = (open_source, open_destination)
        self._free: list[tuple[Source, Source]] = []
        self._all: list[Source] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[tuple[Source, Source]]:
        with self._lock:
            pair = self._free.pop() if self._free else None
        if pair is None:
            pair = (self._open[0](), self._open[1]())
            with self._lock:
                self._all.extend(pair)
        try:
            yield pair
        finally:
            with self._lock:
                self._free.append(pair)

    def close(self) -> None:
        for source in self._all:
            source.close()


class _CountingReader(io.RawIOBase):
    """The item's stream as ``upload`` reads it: counts the bytes, and keeps a read failure,
    so that the copy can tell it from a write failure."""

    def __init__(self, raw: io.RawIOBase) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0
        self.failure: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._raw.read(size if size is not None else -1) or b""
        except BaseException as exc:
            self.failure = exc
            raise
        self.count += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)


def as_copy(entry: MediaEntry, item: Item, provenance: Provenance) -> MediaEntry:
    """The destination's entry for a copy of ``item``: its file facts from the destination,
    what the source knew about the media (capture time, caption, group) from ``item``."""
    return attrs.evolve(
        entry,
        sha256=entry.sha256 or (item.sha256 if entry.size == item.size else None),
        width=entry.width if item.width is None else item.width,
        height=entry.height if item.height is None else item.height,
        duration=entry.duration if item.duration is None else item.duration,
        taken_at=item.taken_at or entry.taken_at,
        metadata=item.metadata or entry.metadata,
        group_id=item.group_id or entry.group_id,
        position=entry.position if item.position is None else item.position,
        provenance=provenance,
    )


def _failed(
    item: Item, where: str, exc: Exception, reading: bool, names: tuple[str, str]
) -> Transfer:
    """What a failure met while copying ``item`` means: the copy must stop (every item after
    would fail alike), this item failed, or no rule knows it (a plugin's bug, raised later)."""
    source, destination = names
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, RemoteError | SourceUnreachable) or (
        not reading and isinstance(exc, OSError) and exc.errno in STOPPING_ERRNOS
    ):
        if reading:
            return Transfer(item, where, stop=f"cannot read from '{source}': {text}")
        return Transfer(item, where, stop=f"cannot write into '{destination}': {text} ({where})")
    if reading and isinstance(exc, OSError | MediasyncError):
        return Transfer(item, where, error=f"{item.path}: cannot read it: {text}")
    if not reading and isinstance(exc, OSError | SourceError):
        return Transfer(item, where, error=f"{item.path}: '{destination}' refused it: {text}")
    return Transfer(item, where, unexpected=exc)


def transfer(
    pairs: SourcePairs,
    item: Item,
    place: tuple[str, str],
    provenance: Provenance,
    stopping: threading.Event,
) -> Transfer:
    """Copies ``item`` into ``place`` (folder, name) of the destination; never raises for a
    failure of the item or of either side (see ``Transfer``). Run on a worker thread."""
    folder, name = place
    where = f"{folder}/{name}" if folder else name
    if stopping.is_set():
        return Transfer(item, where)
    with pairs.borrow() as (source, destination):
        names = (source.name, destination.name)
        try:
            stream = open_item_bytes(item, source, owns_source=False)
        except Exception as exc:
            return _failed(item, where, exc, True, names)
        reader = _CountingReader(stream)
        try:
            with stream:
                entry = destination.upload(
                    cast(BinaryIO, reader), name, folder=folder, provenance=provenance
                )
        except Exception as exc:
            failure = reader.failure if isinstance(reader.failure, Exception) else exc
            return _failed(item, where, failure, reader.failure is not None, names)
    return Transfer(item, entry.path, as_copy(entry, item, provenance), reader.count)
