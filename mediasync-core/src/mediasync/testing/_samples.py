"""Small, valid media files made in memory, so the suite needs no fixture files on disk.

Each maker takes a ``seed`` and returns different bytes for different seeds, so a test can tell
files apart by content. The PNG and JPEG decode in any image library; the MP4 carries only a
valid ``ftyp`` header (enough for type sniffing, not for playing).
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["default_media_files", "sample_jpeg", "sample_mp4", "sample_png"]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def sample_png(seed: int = 0) -> bytes:
    """A 1x1 RGB PNG whose colour depends on ``seed``."""
    colour = bytes(((seed * 67) % 256, (seed * 131) % 256, (seed * 197) % 256))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" + colour))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, data: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data


def sample_jpeg(seed: int = 0) -> bytes:
    """An 8x8 grey baseline JPEG; ``seed`` goes into a comment segment."""
    one_code = bytes([1] + [0] * 15)  # one Huffman code, one bit long
    return b"".join(
        [
            b"\xff\xd8",
            _jpeg_segment(0xFE, f"mediasync sample {seed}".encode("ascii")),
            _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64)),
            _jpeg_segment(0xC0, struct.pack(">BHHBBBB", 8, 8, 8, 1, 1, 0x11, 0)),
            _jpeg_segment(0xC4, b"\x00" + one_code + b"\x00"),  # DC: difference 0
            _jpeg_segment(0xC4, b"\x10" + one_code + b"\x00"),  # AC: end of block
            _jpeg_segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),
            b"\x3f",  # DC code 0, EOB code 0, padded with ones
            b"\xff\xd9",
        ]
    )


def sample_mp4(seed: int = 0) -> bytes:
    """An ISO-BMFF ``ftyp`` box followed by a ``free`` box holding ``seed``."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41"
    free = b"free" + f"mediasync sample {seed}".encode("ascii")
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(free) + 4) + free


def default_media_files() -> dict[str, bytes]:
    """What ``SourceConformance.media_files`` holds unless a subclass overrides it.

    Nested folders, a name with spaces and non-ASCII letters, a video, and two files with the
    same bytes at different paths (identifiers must still differ).
    """
    return {
        "beach.jpg": sample_jpeg(1),
        "2024/summer/sunset.png": sample_png(2),
        "2024/summer/clip.mp4": sample_mp4(3),
        "2024/copy of beach.jpg": sample_jpeg(1),
        "Fotos für Oma/Übersicht 1.png": sample_png(4),
    }
