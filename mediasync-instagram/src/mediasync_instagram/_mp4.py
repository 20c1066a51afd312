"""What an MP4 or MOV file says about itself in its ``moov`` box: duration and video tracks.

ISO base media files are a sequence of boxes (size, type, payload). The top level is walked by
seeking over each box, so a ``moov`` placed after a 300 MB ``mdat`` costs a few reads, and only
the ``moov`` itself (a few kilobytes to a few megabytes) is read: ``mvhd`` gives the timescale
and duration, each ``trak``'s ``tkhd`` its display size and ``mdia/hdlr`` its handler (``vide``
for a video track, ``soun`` for audio).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

import attrs

__all__ = ["MOOV_MAX", "Movie", "read_movie"]

MOOV_MAX = 64 * 1024 * 1024
"""A ``moov`` larger than this is not read (a two-hour film's sample tables stay far below)."""


@attrs.frozen
class Track:
    handler: str | None
    width: int
    height: int


@attrs.frozen
class Movie:
    """The facts of a ``moov`` box; ``duration`` in seconds, ``None`` without an ``mvhd``."""

    duration: float | None
    tracks: tuple[Track, ...]

    @property
    def video(self) -> Track | None:
        """The first video track: ``vide`` handler, or a sized track without a handler."""
        for track in self.tracks:
            if track.handler == "vide" or (track.handler is None and track.width and track.height):
                return track
        return None


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of the boxes in ``data[start:end]``; stops at a malformed size."""
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
        yield kind, data[position + header : position + size]
        position += size


def _find_moov(stream: BinaryIO) -> bytes | None:
    """The ``moov`` payload, found by seeking from box to box at the top level."""
    stream.seek(0)
    while True:
        header = stream.read(8)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        length = 8
        if size == 1:
            extended = stream.read(8)
            if len(extended) < 8:
                return None
            (size,) = struct.unpack(">Q", extended)
            length = 16
        if kind == b"moov":
            if size == 0:
                return stream.read(MOOV_MAX)
            if size - length > MOOV_MAX or size < length:
                return None
            return stream.read(size - length)
        if size == 0 or size < length:
            return None
        stream.seek(size - length, 1)


def _mvhd(payload: bytes) -> float | None:
    version = payload[0] if payload else 0
    if version == 1 and len(payload) >= 32:
        timescale, duration = struct.unpack(">IQ", payload[20:32])
    elif len(payload) >= 20:
        timescale, duration = struct.unpack(">II", payload[12:20])
    else:
        return None
    return duration / timescale if timescale else None


def _track(payload: bytes) -> Track:
    width = height = 0
    handler: str | None = None
    for kind, body in _boxes(payload):
        if kind == b"tkhd" and body:
            at = 88 if body[0] == 1 else 76
            if len(body) >= at + 8:
                fixed_width, fixed_height = struct.unpack(">II", body[at : at + 8])
                width, height = fixed_width >> 16, fixed_height >> 16
        elif kind == b"mdia":
            for inner, content in _boxes(body):
                if inner == b"hdlr" and len(content) >= 12:
                    handler = content[8:12].decode("latin-1")
    return Track(handler, width, height)


def read_movie(stream: BinaryIO) -> Movie | None:
    """The movie's facts, or ``None`` when the file has no ``moov`` box (not playable)."""
    moov = _find_moov(stream)
    if moov is None:
        return None
    duration: float | None = None
    tracks: list[Track] = []
    for kind, payload in _boxes(moov):
        if kind == b"mvhd":
            duration = _mvhd(payload)
        elif kind == b"trak":
            tracks.append(_track(payload))
    return Movie(duration, tuple(tracks))
