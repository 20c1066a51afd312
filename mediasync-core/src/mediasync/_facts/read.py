"""Which format a file's first bytes announce, and the reader of its facts.

The format comes from the bytes, never the name: a PNG named ``.jpg`` is read as a PNG, a text
file named ``.jpg`` gives no facts. A reader that meets a header it cannot make sense of
(truncated, corrupt, lying) gives unknown facts: reading facts never fails a sync.
"""

from __future__ import annotations

import logging
import os
from typing import BinaryIO

from mediasync._facts.images import READERS, read_image
from mediasync._facts.model import ByteWindow, MediaFacts
from mediasync._facts.movies import read_movie

__all__ = ["HEAD_BYTES", "facts_of", "read_file_facts", "read_media_facts", "sniff_format"]

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
"""Read first when only the facts are wanted; a JPEG's EXIF and frame header fit many times."""
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_MOVIE_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_BMP_HEADERS = frozenset({12, 40, 52, 56, 64, 108, 124})


def _ftyp(head: bytes) -> str | None:
    brand = head[8:12]
    if brand in _HEIF_BRANDS:
        return "heif"
    if brand in (b"avif", b"avis"):
        return "avif"
    if brand == b"qt  ":
        return "mov"
    if brand.startswith((b"3gp", b"3g2")):
        return "3gp"
    if brand in (b"M4V ", b"M4VH", b"M4VP"):
        return "m4v"
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return None  # audio
    return "mp4"


def sniff_format(head: bytes) -> str | None:
    """``jpeg``, ``png``, ``gif``, ``webp``, ``bmp``, ``tiff``, ``heif``, ``avif``, ``mp4``,
    ``mov``, ``m4v``, ``3gp`` from a file's first (at least 32) bytes; ``None`` otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_HEADERS:
        return "bmp"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _ftyp(head)
    if head[4:8] in _MOVIE_BOXES:
        return "mov"
    return None


def facts_of(window: ByteWindow) -> MediaFacts:
    """The facts of the file seen through ``window``; unknown ones where it cannot tell."""
    kind = sniff_format(window.head(32))
    if kind is None:
        return MediaFacts()
    try:
        if kind in READERS:
            return read_image(kind, window)
        if kind == "avif":
            return MediaFacts(format=kind)
        return read_movie(kind, window)
    except Exception as exc:  # a header we cannot read is an unknown fact, never a failure
        log.debug("media facts unreadable (%s): %s", kind, exc)
        return MediaFacts(format=kind)


def read_media_facts(stream: BinaryIO) -> MediaFacts:
    """The facts of the bytes of ``stream``, from its start.

    A seekable stream is read where the format needs (a ``moov`` at the end: a seek); from one
    that is not, only the first ``HEAD_BYTES`` bytes are read.
    """
    if not stream.seekable():
        head = stream.read(HEAD_BYTES)
        return facts_of(ByteWindow(head, len(head)))
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    head = stream.read(HEAD_BYTES)

    def read_at(offset: int, length: int) -> bytes:
        stream.seek(offset)
        return stream.read(length)

    return facts_of(ByteWindow(head, size, read_at))


def read_file_facts(path: str) -> MediaFacts:
    """The facts of the file at ``path``, reading its headers only (not the whole file).

    Raises:
        OSError: the file cannot be opened.
    """
    with open(path, "rb", buffering=0) as stream:
        fd = stream.fileno()
        size = os.fstat(fd).st_size
        head = os.pread(fd, HEAD_BYTES, 0)
        return facts_of(ByteWindow(head, size, lambda offset, length: os.pread(fd, length, offset)))
