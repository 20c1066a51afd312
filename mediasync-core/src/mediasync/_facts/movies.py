"""Video facts from an ISO base media file's boxes (MP4, MOV, M4V, 3GP): ``mvhd`` and ``tkhd``.

The file is a sequence of top-level boxes (size, type, payload). They are walked by their
sizes, reading only each box's header, so a ``moov`` written after a large ``mdat`` (as most
cameras do) costs a few small reads at the offsets the sizes give, then the ``moov`` itself.
``mvhd`` gives the duration and creation time (seconds since 1904, UTC); the first video track
(``hdlr`` ``vide``) gives the size through its ``tkhd``, turned when its matrix turns it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from mediasync._facts.model import ByteWindow, MediaFacts

__all__ = ["MOOV_MAX", "read_movie"]

MOOV_MAX = 64 * 1024 * 1024
"""A ``moov`` larger than this is not read (a two-hour film's sample tables stay far below)."""
MAX_TOP_BOXES = 64
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in ``data[start:end]``; stops at a
    malformed size."""
    end = len(data) if end is None else end
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1 and position + 16 <= end:
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            return
        yield kind, position + header, position + size
        position += size


def _find_moov(window: ByteWindow) -> bytes | None:
    position = 0
    for _ in range(MAX_TOP_BOXES):
        header = window.read(position, 16)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header[:8])
        length = 8
        if size == 1:
            if len(header) < 16:
                return None
            (size,) = struct.unpack(">Q", header[8:16])
            length = 16
        elif size == 0:
            size = window.size - position
        if size < length or position + size > window.size:
            return None
        if kind == b"moov":
            return None if size > MOOV_MAX else window.read(position + length, size - length)
        position += size
    return None


def _mvhd(payload: bytes) -> tuple[float | None, datetime | None]:
    if payload[:1] == b"\x01" and len(payload) >= 32:
        created, _, timescale, duration = struct.unpack(">QQIQ", payload[4:32])
    elif len(payload) >= 20:
        created, _, timescale, duration = struct.unpack(">IIII", payload[4:20])
    else:
        return None, None
    seconds = duration / timescale if timescale and duration not in (0, 0xFFFFFFFF) else None
    taken = None
    if created:
        taken = _EPOCH_1904 + timedelta(seconds=created)
        if not 1971 <= taken.year <= 2200:  # 0, or a clock never set
            taken = None
    return seconds, taken


def _track(moov: bytes, start: int, end: int) -> tuple[str | None, int, int]:
    """(handler, width, height) of one ``trak``; width and height as displayed."""
    handler: str | None = None
    width = height = 0
    for kind, body, stop in boxes(moov, start, end):
        if kind == b"tkhd":
            payload = moov[body:stop]
            at = 88 if payload[:1] == b"\x01" else 76
            if len(payload) >= at + 8:
                width, height = (v >> 16 for v in struct.unpack(">II", payload[at : at + 8]))
                a, b, _, c, d = struct.unpack(">iiiii", payload[at - 36 : at - 16])
                if a == 0 and d == 0 and b and c:  # a quarter turn: shown the other way
                    width, height = height, width
        elif kind == b"mdia":
            for inner, content, inner_end in boxes(moov, body, stop):
                if inner == b"hdlr" and inner_end - content >= 12:
                    handler = moov[content + 8 : content + 12].decode("latin-1")
    return handler, width, height


def read_movie(kind: str, window: ByteWindow) -> MediaFacts:
    """The facts of an ISO base media file; without a readable ``moov``, only its format."""
    moov = _find_moov(window)
    if moov is None:
        return MediaFacts(format=kind)
    duration: float | None = None
    taken: datetime | None = None
    size: tuple[int, int] | None = None
    for box, start, end in boxes(moov):
        if box == b"mvhd":
            duration, taken = _mvhd(moov[start:end])
        elif box == b"trak" and size is None:
            handler, width, height = _track(moov, start, end)
            if handler == "vide" and width and height:
                size = (width, height)
    return MediaFacts(
        format=kind,
        width=None if size is None else size[0],
        height=None if size is None else size[1],
        duration=duration,
        taken_at=taken,
    )
