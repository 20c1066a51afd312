"""Tiny encoders for derived assets: a genuine, decodable mid-grey JPEG or PNG of any size.

The fake does not decode pictures, so a derivative carries the size and format a transformation
asks for, not the original's pixels: enough for a client that checks what it was handed (a JPEG
of 1080x1350 where it asked for one) without an imaging library in the test environment.

The JPEG is baseline, one 8-bit component, 8x8 blocks each coded as "DC difference 0, end of
block" with one-code Huffman tables, so its scan is two zero bits per block: a 4000x3000 picture
takes 47 KB. The PNG is 8-bit greyscale, every row filter 0, compressed row by row.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["ENCODERS", "write_grey_jpeg", "write_grey_png"]

_MAX_SIDE = 65_535


def _check(width: int, height: int) -> None:
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        raise ValueError(f"cannot encode a {width}x{height} picture")


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def write_grey_jpeg(path: Path, width: int, height: int) -> int:
    """Writes the JPEG to ``path``; returns its size in bytes."""
    _check(width, height)
    blocks = -(-width // 8) * -(-height // 8)
    bits = 2 * blocks
    scan = bytearray(bits // 8)
    if bits % 8:
        scan.append(0xFF >> (bits % 8))  # the last byte's spare bits are padded with ones
    parts = [
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xDB, b"\x00" + b"\x01" * 64),
        _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
        _segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"),  # DC: one 1-bit code, 0
        _segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"),  # AC: one 1-bit code, EOB
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        bytes(scan),
        b"\xff\xd9",
    ]
    data = b"".join(parts)
    path.write_bytes(data)
    return len(data)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_grey_png(path: Path, width: int, height: int) -> int:
    """Writes the PNG to ``path``; returns its size in bytes."""
    _check(width, height)
    row = b"\x00" + b"\x80" * width
    packer = zlib.compressobj(6)
    compressed = [packer.compress(row) for _ in range(height)]
    compressed.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(compressed))
        + _png_chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return len(data)


ENCODERS = {"jpg": write_grey_jpeg, "png": write_grey_png}
"""Formats the fake can make a derivative in, whatever the original's format."""
