"""EXIF, and TIFF files, read tag by tag: only the handful of tags mediasync keeps.

A TIFF structure is a chain of directories of 12-byte entries (tag, type, count, value or
offset). Parsing the two directories that matter (the first image's and its EXIF
sub-directory) for seven tags takes some microseconds; a general parser that decodes every tag,
maker notes included, took over a hundred per photo, more than hashing a small JPEG.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs

__all__ = ["ExifFacts", "parse_exif", "parse_taken_at"]

Read = Callable[[int, int], bytes]
"""``read(offset, length)`` within the TIFF structure (offset 0 is its byte-order mark)."""

MAX_ENTRIES = 1000
"""A directory claiming more entries is taken as corrupt."""

_IFD0_TAGS = frozenset({0x00FE, 0x0100, 0x0101, 0x010F, 0x0110, 0x0112, 0x8769})
_EXIF_TAGS = frozenset({0x9003, 0x9004, 0x9011, 0x9012, 0x9291, 0x9292})


@attrs.frozen(slots=True)
class ExifFacts:
    orientation: int = 1
    taken_at: datetime | None = None
    taken_offset: str | None = None
    make: str | None = None
    model: str | None = None
    width: int | None = None
    """The directory's own image size (TIFF files; a JPEG's EXIF does not describe it)."""
    height: int | None = None
    reduced: bool = False
    """The first image is a reduced-resolution copy (a raw file's preview)."""

    @property
    def turned(self) -> bool:
        """Orientations 5 to 8 turn the image a quarter: width and height swap."""
        return self.orientation in (5, 6, 7, 8)


_ENTRY = {order: struct.Struct(order + "HHI4s") for order in "<>"}
_SHORT = {order: struct.Struct(order + "H") for order in "<>"}
_LONG = {order: struct.Struct(order + "I") for order in "<>"}
_SIGNED = {order: struct.Struct(order + "i") for order in "<>"}


def _directory(
    read: Read, offset: int, order: str, wanted: frozenset[int], found: dict[int, object]
) -> None:
    """Adds the ``wanted`` tags of the directory at ``offset`` to ``found``: strings decoded,
    numbers as their first value, other types skipped (no kept tag is of another type).

    Written for the few microseconds it has per photo, in a hashing process whose caches the
    hash has just flushed: precompiled structs, no call per entry."""
    count_bytes = read(offset, 2)
    if len(count_bytes) < 2:
        return
    (count,) = _SHORT[order].unpack(count_bytes)
    if count > MAX_ENTRIES:
        return
    table = read(offset + 2, 12 * count)
    for tag, kind, number, inline in _ENTRY[order].iter_unpack(table[: len(table) // 12 * 12]):
        if tag not in wanted or not number:
            continue
        if kind == 2:  # ASCII, NUL-terminated
            if number <= 4:
                raw = inline[:number]
            elif number <= 4096:
                raw = read(_LONG[order].unpack(inline)[0], number)
            else:
                continue
            found[tag] = raw.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()
        elif kind in (3, 4, 9):  # SHORT, LONG, SLONG: the first value
            width = 2 if kind == 3 else 4
            if width * number > 4:
                inline = read(_LONG[order].unpack(inline)[0], 4)
                if len(inline) < width:
                    continue
            numbers = _SHORT if kind == 3 else _LONG if kind == 4 else _SIGNED
            found[tag] = numbers[order].unpack_from(inline)[0]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value and value.isprintable() else None


def parse_exif(read: Read) -> ExifFacts | None:
    """The kept tags of a TIFF structure, or ``None`` when it is not one."""
    header = read(0, 8)
    if len(header) < 8 or header[:2] not in (b"II", b"MM"):
        return None
    order = "<" if header[:2] == b"II" else ">"
    magic, first = struct.unpack(order + "HI", header[2:8])
    if magic != 42:
        return None
    tags: dict[int, object] = {}
    _directory(read, first, order, _IFD0_TAGS, tags)
    sub = tags.get(0x8769)
    if isinstance(sub, int) and sub:
        _directory(read, sub, order, _EXIF_TAGS, tags)
    taken, text = None, None
    for time_tag, offset_tag, subsec_tag in ((0x9003, 0x9011, 0x9291), (0x9004, 0x9012, 0x9292)):
        text = tags.get(offset_tag)
        zone = _offset(text)
        taken = parse_taken_at(tags.get(time_tag), zone, tags.get(subsec_tag))
        if taken is not None:
            break
    orientation, subfile = tags.get(0x0112), tags.get(0x00FE)
    return ExifFacts(
        orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        taken,
        text if taken is not None and zone is not None and isinstance(text, str) else None,
        _text(tags.get(0x010F)),
        _text(tags.get(0x0110)),
        _int(tags.get(0x0100)),
        _int(tags.get(0x0101)),
        isinstance(subfile, int) and bool(subfile & 1),
    )


def _offset(value: object) -> timezone | None:
    """``"+02:00"`` as a zone; anything else (``"   :  "``, ``"+25:00"``) is no offset."""
    if not isinstance(value, str) or len(value) != 6 or value[0] not in "+-" or value[3] != ":":
        return None
    return _zone(value)


@functools.lru_cache(maxsize=64)
def _zone(value: str) -> timezone | None:
    """A photo library has a handful of offsets: each zone is made once."""
    try:
        hours, minutes = int(value[1:3]), int(value[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if value[0] == "-" else delta)


def parse_taken_at(text: object, zone: timezone | None, subsec: object) -> datetime | None:
    """``"2024:05:01 12:34:56"`` (EXIF's form; ``-`` also accepted) as an aware UTC time:
    through ``zone`` when known, else read as UTC. Blank or impossible dates are unknown."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    micros = 0
    if isinstance(subsec, str) and subsec.strip().isdigit():
        micros = int(subsec.strip()[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]),
            int(text[11:13]), int(text[14:16]), int(text[17:19]), micros, zone or UTC,
        )  # fmt: skip
    except ValueError:
        return None
    if not 1800 <= moment.year <= 2200:
        return None
    return moment if zone is None else moment.astimezone(UTC)
