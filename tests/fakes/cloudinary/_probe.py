"""What kind of file a stored upload is, its format and its size in pixels, read from its headers.

Recognised: JPEG (dimensions from the first SOF marker, walking past any APPn/COM segments),
PNG (IHDR), GIF, WebP (VP8, VP8L, VP8X), HEIF/HEIC (``ftyp`` with a HEIF brand; width and height
from the ``ispe`` property in ``meta``/``iprp``/``ipco``, ISO/IEC 23008-12), other ISO media
(``ftyp``: ``qt  `` is MOV, any other brand MP4; width, height and duration from
``moov``/``tkhd``/``mvhd`` when present) and WebM. Anything else is raw. Only headers are read:
a 300 MB video costs a few seeks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

__all__ = ["Probe", "probe"]

Kind = Literal["image", "video", "raw"]
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class Probe:
    kind: Kind
    format: str | None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    has_movie_header: bool = False
    """ISO media only: a ``moov`` box was found (a playable file has one)."""


def probe(path: Path) -> Probe:
    with path.open("rb") as handle:
        head = handle.read(32)
        if head.startswith(b"\xff\xd8"):
            return _jpeg(handle)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return Probe("image", "png", width, height)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return Probe("image", "gif", width, height)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(handle)
        if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
            return _heif(handle)
        if head[4:8] == b"ftyp":
            return _iso_media(handle, head[8:12])
        if head.startswith(b"\x1a\x45\xdf\xa3"):
            return Probe("video", "webm")
    return Probe("raw", None)


def _jpeg(handle: BinaryIO) -> Probe:
    handle.seek(2)
    while True:
        byte = handle.read(1)
        if not byte:
            return Probe("raw", None)
        if byte != b"\xff":
            continue
        marker = handle.read(1)
        while marker == b"\xff":
            marker = handle.read(1)
        if not marker:
            return Probe("raw", None)
        code = marker[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:
            continue
        if code in (0xD9, 0xDA):
            return Probe("raw", None)  # image data or end before any frame header
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return Probe("raw", None)
        (length,) = struct.unpack(">H", length_bytes)
        if code in _SOF:
            frame = handle.read(5)
            if len(frame) < 5:
                return Probe("raw", None)
            height, width = struct.unpack(">HH", frame[1:5])
            return Probe("image", "jpg", width, height)
        handle.seek(length - 2, 1)


def _webp(handle: BinaryIO) -> Probe:
    handle.seek(12)
    chunk = handle.read(8)
    data = handle.read(10)
    kind = chunk[:4]
    if kind == b"VP8 " and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return Probe("image", "webp", width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L" and len(data) >= 5:
        bits = int.from_bytes(data[1:5], "little")
        return Probe("image", "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8X" and len(data) >= 10:
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
        return Probe("image", "webp", width, height)
    return Probe("raw", None)


def _boxes(handle: BinaryIO, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes between ``start`` and ``end``."""
    found: list[tuple[bytes, int, int]] = []
    offset = start
    while offset + 8 <= end:
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        payload = offset + 8
        if size == 1:
            (size,) = struct.unpack(">Q", handle.read(8))
            payload += 8
        elif size == 0:
            size = end - offset
        if size < payload - offset:
            break
        found.append((kind, payload, min(offset + size, end)))
        offset += size
    return found


def _heif(handle: BinaryIO) -> Probe:
    """A HEIF image: its size from the first ``ispe`` (a full box: version and flags, then
    width and height as 32-bit integers); no ``ispe`` means no readable image."""
    handle.seek(0, 2)
    end = handle.tell()
    meta = next((box for box in _boxes(handle, 0, end) if box[0] == b"meta"), None)
    if meta is None:
        return Probe("raw", None)
    for kind, start, stop in _boxes(handle, meta[1] + 4, meta[2]):  # meta is a full box
        if kind != b"iprp":
            continue
        for sub, sub_start, sub_stop in _boxes(handle, start, stop):
            if sub != b"ipco":
                continue
            for prop, prop_start, prop_stop in _boxes(handle, sub_start, sub_stop):
                if prop == b"ispe" and prop_stop - prop_start >= 12:
                    handle.seek(prop_start + 4)
                    width, height = struct.unpack(">II", handle.read(8))
                    return Probe("image", "heic", width, height)
    return Probe("raw", None)


def _iso_media(handle: BinaryIO, brand: bytes) -> Probe:
    fmt = "mov" if brand == b"qt  " else "mp4"
    handle.seek(0, 2)
    end = handle.tell()
    moov = next((box for box in _boxes(handle, 0, end) if box[0] == b"moov"), None)
    if moov is None:
        return Probe("video", fmt)
    duration: float | None = None
    width = height = None
    for kind, start, stop in _boxes(handle, moov[1], moov[2]):
        if kind == b"mvhd":
            duration = _movie_duration(handle, start)
        elif kind == b"trak" and width is None:
            for sub, sub_start, _sub_stop in _boxes(handle, start, stop):
                if sub == b"tkhd":
                    width, height = _track_size(handle, sub_start)
    return Probe("video", fmt, width, height, duration, has_movie_header=True)


def _movie_duration(handle: BinaryIO, start: int) -> float | None:
    handle.seek(start)
    version = handle.read(4)[0]
    if version == 1:
        _created, _modified, scale, length = struct.unpack(">QQIQ", handle.read(28))
    else:
        _c, _m, scale, length = struct.unpack(">IIII", handle.read(16))
    return round(length / scale, 3) if scale else None


def _track_size(handle: BinaryIO, start: int) -> tuple[int | None, int | None]:
    handle.seek(start)
    version = handle.read(4)[0]
    handle.seek(start + 4 + (32 if version == 1 else 20) + 8 + 8 + 36)
    raw = handle.read(8)
    if len(raw) < 8:
        return None, None
    width, height = struct.unpack(">II", raw)
    if not width or not height:
        return None, None
    return width >> 16, height >> 16
