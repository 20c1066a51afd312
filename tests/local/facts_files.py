"""Real media files for the media-facts tests: images written by Pillow (with EXIF where the
format has it), and MP4/QuickTime files built box by box, ``moov`` before or after ``mdat``."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ORIENTATION, MAKE, MODEL, EXIF_IFD = 0x0112, 0x010F, 0x0110, 0x8769
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


def exif(
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    make: str | None = None,
    model: str | None = None,
) -> Image.Exif:
    block = Image.Exif()
    for tag, value in ((ORIENTATION, orientation), (MAKE, make), (MODEL, model)):
        if value is not None:
            block[tag] = value
    sub = block.get_ifd(EXIF_IFD)
    if taken is not None:
        sub[DATE_TIME_ORIGINAL] = taken
    if offset is not None:
        sub[OFFSET_TIME_ORIGINAL] = offset
    return block


def image_bytes(
    kind: str, width: int = 64, height: int = 48, block: Image.Exif | None = None
) -> bytes:
    """A ``kind`` (``JPEG``, ``PNG``, ``WEBP``, ``GIF``, ``TIFF``) image from Pillow."""
    picture = Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    extra = {} if block is None else {"exif": block}
    picture.save(out, kind, **extra)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mvhd(created: int, timescale: int, duration: int) -> bytes:
    body = struct.pack(">IIIII", 0, created, created, timescale, duration)
    return box(b"mvhd", body + b"\x00" * 80)


def _tkhd(width: int, height: int, turned: bool) -> bytes:
    one = 0x10000
    a, b, c, d = (0, one, -one, 0) if turned else (one, 0, 0, one)
    matrix = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 0x40000000)
    head = struct.pack(">IIIIII", 0, 0, 0, 1, 0, 0) + b"\x00" * 16
    return box(b"tkhd", head + matrix + struct.pack(">II", width << 16, height << 16))


def _trak(handler: bytes, width: int, height: int, turned: bool = False) -> bytes:
    hdlr = box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 13)
    return box(b"trak", _tkhd(width, height, turned) + box(b"mdia", hdlr))


MOVIE_TAKEN = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
_SINCE_1904 = int((MOVIE_TAKEN - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds())


def movie_bytes(
    brand: bytes = b"isom",
    *,
    moov_last: bool = False,
    width: int = 1920,
    height: int = 1080,
    seconds: float = 12.5,
    created: int = _SINCE_1904,
    video: bool = True,
    turned: bool = False,
    media: int = 4096,
) -> bytes:
    """An MP4 (``isom``) or QuickTime (``qt  ``) file: ``ftyp``, ``moov`` and an ``mdat`` of
    ``media`` bytes, ``moov`` first or last; with a video track or only a sound track."""
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    track = _trak(b"vide", width, height, turned) if video else _trak(b"soun", 0, 0)
    moov = box(b"moov", _mvhd(created, 1000, int(seconds * 1000)) + track)
    mdat = box(b"mdat", bytes(range(256)) * (media // 256))
    return ftyp + (mdat + moov if moov_last else moov + mdat)
