"""What a media file's own headers say about it, and the window its readers look through.

The readers never decode pixels or samples: they parse headers (JPEG markers, PNG chunks, EXIF
directories, ISO base media boxes) out of the first bytes of the file, which the hashing pass
has in memory anyway, and ask for more only where a format puts its facts further on (a
``moov`` box after the media data, a WebP ``EXIF`` chunk after the image).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

__all__ = ["FACTS_VERSION", "ByteWindow", "HashedContent", "MediaFacts"]

FACTS_VERSION = 1
"""Stored with the facts of every item whose bytes were read (``media_items.facts_version``).
Raised when the readers learn something new, so that ``items refresh-metadata`` reads the
items whose facts an older version read."""


@attrs.frozen(slots=True)
class MediaFacts:
    """The facts a file's headers give; ``None`` wherever they are unknown.

    ``width`` and ``height`` are as the media is shown: after an EXIF orientation that turns
    an image a quarter, or a video track's rotation matrix. ``taken_at`` is the capture time,
    aware: in UTC when the file gives its offset (``taken_offset``, e.g. ``"+02:00"``), else
    the camera's wall clock read as UTC (EXIF times carry no zone of their own).
    ``format`` is what the bytes are (``jpeg``, ``png``, ``mp4``…), whatever the file is named.
    ``note`` says why facts are missing when the reason is worth telling (a HEIC file without
    ``pillow-heif``).
    """

    format: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    taken_at: datetime | None = None
    taken_offset: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    note: str | None = None

    def __reduce__(self) -> tuple[type[MediaFacts], tuple[Any, ...]]:
        """Pickled as the constructor's arguments: the facts of every file hashed in a worker
        process cross back this way, and attrs' own state dictionary cost several times more
        to write and read (the main thread's time, on the critical path of a first index)."""
        return MediaFacts, (
            self.format, self.width, self.height, self.duration, self.taken_at,
            self.taken_offset, self.camera_make, self.camera_model, self.note,
        )  # fmt: skip

    @property
    def stored_version(self) -> int | None:
        """What ``facts_version`` records: ``None`` while a reader was missing (``note``), so
        that ``items refresh-metadata`` reads the file again once it is installed."""
        return FACTS_VERSION if self.note is None else None

    def metadata(self) -> dict[str, Any]:
        """The facts kept in an item's ``metadata`` mapping (the rest have columns)."""
        found: dict[str, Any] = {}
        if self.camera_make is not None:
            found["camera_make"] = self.camera_make
        if self.camera_model is not None:
            found["camera_model"] = self.camera_model
        if self.taken_offset is not None:
            found["taken_offset"] = self.taken_offset
        return found


FACT_METADATA_KEYS = ("camera_make", "camera_model", "taken_offset")
"""The ``metadata`` keys that come from the bytes: replaced whenever the bytes are read."""


@attrs.frozen(slots=True)
class HashedContent:
    """A file's SHA-256 and, read in the same pass, its media facts.

    ``facts`` is ``None`` when they were not read (a remote source whose listing reports its
    own), and a ``MediaFacts`` with every field ``None`` when the bytes were read and told
    nothing (a text file named ``.jpg``).
    """

    sha256: str
    facts: MediaFacts | None = None

    def __reduce__(self) -> tuple[type[HashedContent], tuple[str, MediaFacts | None]]:
        """Pickled as its two fields (see ``MediaFacts.__reduce__``)."""
        return HashedContent, (self.sha256, self.facts)


class ByteWindow:
    """The first bytes of a file, in memory, and the rest on request by offset.

    ``read_at(offset, length)`` reads further (``os.pread`` on a file, seek and read on a
    stream); without it the window ends with the head. Reads past the end come back short.
    """

    __slots__ = ("_head", "_read_at", "size")

    def __init__(
        self,
        head: bytes | memoryview,
        size: int,
        read_at: Callable[[int, int], bytes] | None = None,
    ) -> None:
        self._head = head
        self.size = size
        self._read_at = read_at

    def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        end = offset + length
        if end <= len(self._head) or self._read_at is None:
            return bytes(self._head[offset:end])
        return self._read_at(offset, min(length, self.size - offset))

    def unpack_from(self, layout: struct.Struct, offset: int) -> tuple[Any, ...] | None:
        """``layout`` unpacked at ``offset`` (in place when the head holds it: a JPEG's markers
        are walked without a copy each); ``None`` where the file ends first."""
        if offset >= 0 and offset + layout.size <= len(self._head):
            return layout.unpack_from(self._head, offset)
        data = self.read(offset, layout.size)
        return layout.unpack(data) if len(data) == layout.size else None

    def head(self, length: int) -> bytes:
        """Up to ``length`` bytes from the start, without reading past the head."""
        return bytes(self._head[:length])
