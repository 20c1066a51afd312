"""Tiny, realistic media files for tests and benchmarks: deterministic, exact size, fast.

Each writer makes a file of exactly ``size`` bytes with a genuine header (a decodable 1x1 JPEG,
PNG and GIF; an MP4 or QuickTime file with its ``ftyp`` box) padded with pseudo-random bytes in
a place decoders ignore (a comment segment, an ancillary chunk, a ``free`` box). The bytes depend
only on ``(kind, size, seed)``: the same arguments give identical files (duplicates on purpose),
a different ``seed`` gives different bytes of the same size.

    write_jpeg(tmp_path / "a.jpg", 2048, seed=1)
    paths = make_tree(tmp_path / "photos", 1000, seed=7)
"""

from __future__ import annotations

import os
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "KINDS",
    "MIN_SIZES",
    "gif_bytes",
    "jpeg_bytes",
    "make_tree",
    "media_bytes",
    "mov_bytes",
    "mp4_bytes",
    "png_bytes",
    "touch_all",
    "write_gif",
    "write_jpeg",
    "write_media",
    "write_mov",
    "write_mp4",
    "write_png",
]

Seed = int | str


def _payload(kind: str, size: int, seed: Seed, length: int) -> bytes:
    return random.Random(f"{kind}:{size}:{seed}").randbytes(max(length, 0))


# -- JPEG: SOI, APP0, COM padding, then a baseline 1x1 grey image (DQT, SOF0, DHT, SOS), EOI -----

_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_JPEG_IMAGE = (
    b"\xff\xdb\x00\x43\x00" + b"\x01" * 64  # quantisation table 0, all ones
    + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"  # 8-bit, 1x1, one component
    + b"\xff\xc4\x00\x14\x00" + b"\x01" + b"\x00" * 15 + b"\x00"  # DC table 0: one code, 0
    + b"\xff\xc4\x00\x14\x10" + b"\x01" + b"\x00" * 15 + b"\x00"  # AC table 0: one code, EOB
    + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"  # start of scan
    + b"\x3f"  # DC difference 0, end of block, padded with ones
    + b"\xff\xd9"
)  # fmt: skip
_JPEG_MIN = 2 + len(_JFIF) + len(_JPEG_IMAGE)
_COM_MAX = 65535 - 2  # data bytes one COM segment can carry


def jpeg_bytes(size: int, seed: Seed = 0) -> bytes:
    if size < _JPEG_MIN:
        raise ValueError(f"a JPEG needs at least {_JPEG_MIN} bytes, asked for {size}")
    extra = size - _JPEG_MIN
    if extra < 4:  # too small for a COM segment: 0xFF fill bytes may precede any marker
        return b"\xff\xd8" + _JFIF + b"\xff" * extra + _JPEG_IMAGE
    segments = -(-extra // (_COM_MAX + 4))
    carried = extra - 4 * segments
    payload = _payload("jpeg", size, seed, carried)
    share, rest = divmod(carried, segments)
    pieces: list[bytes] = []
    start = 0
    for n in range(segments):
        length = share + (1 if n < rest else 0)
        chunk = payload[start : start + length]
        pieces.append(b"\xff\xfe" + struct.pack(">H", length + 2) + chunk)
        start += length
    return b"\xff\xd8" + _JFIF + b"".join(pieces) + _JPEG_IMAGE


# -- PNG: signature, IHDR, a private ancillary chunk of padding, IDAT of one grey pixel, IEND ----


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_PNG_HEAD = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
_PNG_TAIL = _png_chunk(b"IDAT", zlib.compress(b"\x00\x80")) + _png_chunk(b"IEND", b"")
_PNG_MIN = len(_PNG_HEAD) + len(_PNG_TAIL)


def png_bytes(size: int, seed: Seed = 0) -> bytes:
    if size != _PNG_MIN and size < _PNG_MIN + 12:
        raise ValueError(f"a PNG needs {_PNG_MIN} or at least {_PNG_MIN + 12} bytes, not {size}")
    middle = b""
    if size > _PNG_MIN:
        middle = _png_chunk(b"msPd", _payload("png", size, seed, size - _PNG_MIN - 12))
    return _PNG_HEAD + middle + _PNG_TAIL


# -- GIF: the classic 1x1 GIF89a with comment extension blocks as padding -------------------------

_GIF_HEAD = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
_GIF_IMAGE = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
_GIF_MIN = len(_GIF_HEAD) + len(_GIF_IMAGE)


def gif_bytes(size: int, seed: Seed = 0) -> bytes:
    extra = size - _GIF_MIN
    if extra < 0 or 0 < extra < 5:
        raise ValueError(f"a GIF needs {_GIF_MIN} or at least {_GIF_MIN + 5} bytes, not {size}")
    if not extra:
        return _GIF_HEAD + _GIF_IMAGE
    # A comment extension: 0x21 0xFE, sub-blocks of 1 to 255 bytes each after a length byte, 0x00.
    blocks = -(-(extra - 3) // 256)
    carried = extra - 3 - blocks
    data = _payload("gif", size, seed, carried)
    share, rest = divmod(carried, blocks)
    out = bytearray(b"\x21\xfe")
    start = 0
    for n in range(blocks):
        length = share + (1 if n < rest else 0)
        out += bytes([length]) + data[start : start + length]
        start += length
    out += b"\x00"
    return _GIF_HEAD + bytes(out) + _GIF_IMAGE


# -- MP4 and QuickTime: ftyp box, then a free box of padding --------------------------------------


def _iso_bytes(kind: str, brand: bytes, compatible: bytes, size: int, seed: Seed) -> bytes:
    ftyp_body = brand + b"\x00\x00\x02\x00" + compatible
    ftyp = struct.pack(">I", 8 + len(ftyp_body)) + b"ftyp" + ftyp_body
    minimum = len(ftyp) + 8
    if size < minimum:
        raise ValueError(f"a {kind} file needs at least {minimum} bytes, asked for {size}")
    free = struct.pack(">I", size - len(ftyp)) + b"free"
    return ftyp + free + _payload(kind, size, seed, size - minimum)


def mp4_bytes(size: int, seed: Seed = 0) -> bytes:
    return _iso_bytes("mp4", b"isom", b"isomiso2avc1mp41", size, seed)


def mov_bytes(size: int, seed: Seed = 0) -> bytes:
    return _iso_bytes("mov", b"qt  ", b"qt  ", size, seed)


KINDS: dict[str, Callable[[int, Seed], bytes]] = {
    "jpg": jpeg_bytes,
    "png": png_bytes,
    "gif": gif_bytes,
    "mp4": mp4_bytes,
    "mov": mov_bytes,
}
"""Extension → bytes maker."""
MIN_SIZES = {"jpg": _JPEG_MIN, "png": _PNG_MIN, "gif": _GIF_MIN, "mp4": 40, "mov": 28}


def media_bytes(kind: str, size: int = 2048, seed: Seed = 0) -> bytes:
    """The bytes of a ``kind`` file (``jpg``, ``png``, ``gif``, ``mp4``, ``mov``)."""
    return KINDS[kind](size, seed)


def _write(path: Path | str, data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def write_jpeg(path: Path | str, size: int = 2048, *, seed: Seed = 0) -> Path:
    return _write(path, jpeg_bytes(size, seed))


def write_png(path: Path | str, size: int = 2048, *, seed: Seed = 0) -> Path:
    return _write(path, png_bytes(size, seed))


def write_gif(path: Path | str, size: int = 2048, *, seed: Seed = 0) -> Path:
    return _write(path, gif_bytes(size, seed))


def write_mp4(path: Path | str, size: int = 4096, *, seed: Seed = 0) -> Path:
    return _write(path, mp4_bytes(size, seed))


def write_mov(path: Path | str, size: int = 4096, *, seed: Seed = 0) -> Path:
    return _write(path, mov_bytes(size, seed))


def write_media(path: Path | str, size: int = 2048, *, seed: Seed = 0, kind: str = "") -> Path:
    """A media file whose kind comes from ``kind`` or else the path's extension."""
    kind = kind or Path(path).suffix.lower().lstrip(".").replace("jpeg", "jpg")
    return _write(path, media_bytes(kind, size, seed))


def make_tree(
    root: Path | str,
    n_files: int,
    *,
    seed: Seed = 0,
    depth: int = 3,
    fanout: int = 4,
    files_per_folder: int = 50,
    size: int | tuple[int, int] = 2048,
    kinds: tuple[str, ...] = ("jpg", "jpg", "jpg", "png", "mp4"),
) -> list[Path]:
    """Writes ``n_files`` media files in nested folders under ``root``; returns relative paths.

    Folders are ``d00/d01/…`` up to ``depth`` levels with ``fanout`` children each, filled
    ``files_per_folder`` at a time in a seeded order; names are ``IMG_000123.jpg``. ``size`` is
    exact or a ``(low, high)`` range drawn per file, raised where needed to the kind's minimum
    plus 300 bytes. Every file has different bytes; the same arguments give the same tree.
    """
    base = Path(root)
    rng = random.Random(f"tree:{seed}")
    folders = _folders(depth, fanout)
    made: set[Path] = set()
    written: list[Path] = []
    for index in range(n_files):
        folder = folders[(index // files_per_folder) % len(folders)]
        kind = kinds[rng.randrange(len(kinds))]
        file_size = size if isinstance(size, int) else rng.randint(*size)
        file_size = max(file_size, MIN_SIZES[kind] + 300)  # room for every kind's padding rules
        relative = folder / f"IMG_{index:06d}.{kind}"
        directory = base / folder
        if directory not in made:
            directory.mkdir(parents=True, exist_ok=True)
            made.add(directory)
        (base / relative).write_bytes(media_bytes(kind, file_size, f"{seed}:{index}"))
        written.append(relative)
    return written


def _folders(depth: int, fanout: int) -> list[Path]:
    """The root and every folder of a ``fanout``-ary tree of ``depth`` levels, shallow first."""
    levels = [[Path()]]
    for _ in range(depth):
        levels.append([parent / f"d{i:02d}" for parent in levels[-1] for i in range(fanout)])
    return [folder for level in levels for folder in level]


def touch_all(root: Path | str, when: float) -> None:
    """Sets every file's access and modification time under ``root`` (for stable fixtures)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (when, when))
