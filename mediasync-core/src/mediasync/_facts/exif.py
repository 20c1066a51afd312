"""EXIF, and TIFF files, read tag by tag: only the handful of tags mediasync keeps.

A TIFF structure is a chain of directories of 12-byte entries (tag, type, count, value or
offset). Parsing the two directories that matter (the first image's and its EXIF
sub-directory) for seven tags takes some microseconds; a general parser that decodes every tag,
maker notes included, took over a hundred per photo, more than hashing a small JPEG.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs

__all__ = ["ExifFacts", "parse_exif", "parse_taken_at"]

Read = Callable[[int, int], bytes]
"""``read(offset, length)`` within the TIFF structure (offset 0 is its byte-order mark)."""

MAX_ENTRIES = 1000
"""A directory claiming more entries is taken as corrupt."""

_IFD0_TAGS = {0x00FE, 0x0100, 0x0101, 0x010F, 0x0110, 0x0112, 0x8769}
_EXIF_TAGS = {0x9003, 0x9004, 0x9011, 0x9012, 0x9291, 0x9292}
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


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


def _directory(read: Read, offset: int, order: str, wanted: set[int]) -> dict[int, object]:
    count_bytes = read(offset, 2)
    if len(count_bytes) < 2:
        return {}
    (count,) = struct.unpack(order + "H", count_bytes)
    if count > MAX_ENTRIES:
        return {}
    table = read(offset + 2, 12 * count)
    found: dict[int, object] = {}
    entry = order + "HHI4s"
    for tag, kind, number, inline in struct.iter_unpack(entry, table[: len(table) // 12 * 12]):
        if tag not in wanted or kind not in _SIZES:
            continue
        length = _SIZES[kind] * number
        if length <= 4:
            raw = inline[:length]
        elif length <= 4096:
            raw = read(struct.unpack(order + "I", inline)[0], length)
        else:
            continue
        found[tag] = _value(raw, kind, order)
    return found


def _value(raw: bytes, kind: int, order: str) -> object:
    if kind == 2:
        return raw.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()
    if kind == 3 and len(raw) >= 2:
        return struct.unpack(order + "H", raw[:2])[0]
    if kind in (4, 9) and len(raw) >= 4:
        return struct.unpack(order + ("I" if kind == 4 else "i"), raw[:4])[0]
    return raw


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
    ifd0 = _directory(read, first, order, _IFD0_TAGS)
    sub = ifd0.get(0x8769)
    exif = _directory(read, sub, order, _EXIF_TAGS) if isinstance(sub, int) and sub else {}
    orientation = ifd0.get(0x0112)
    taken, text = None, None
    for time_tag, offset_tag, subsec_tag in ((0x9003, 0x9011, 0x9291), (0x9004, 0x9012, 0x9292)):
        zone = _offset(exif.get(offset_tag))
        taken = parse_taken_at(exif.get(time_tag), zone, exif.get(subsec_tag))
        if taken is not None:
            text = exif.get(offset_tag) if zone is not None else None
            break
    subfile = ifd0.get(0x00FE)
    return ExifFacts(
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        taken_at=taken,
        taken_offset=text if isinstance(text, str) else None,
        make=_text(ifd0.get(0x010F)),
        model=_text(ifd0.get(0x0110)),
        width=_int(ifd0.get(0x0100)),
        height=_int(ifd0.get(0x0101)),
        reduced=isinstance(subfile, int) and bool(subfile & 1),
    )


def _offset(value: object) -> timezone | None:
    """``"+02:00"`` as a zone; anything else (``"   :  "``, ``"+25:00"``) is no offset."""
    if not isinstance(value, str) or len(value) != 6 or value[0] not in "+-" or value[3] != ":":
        return None
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
    try:
        moment = datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]),
            int(text[11:13]), int(text[14:16]), int(text[17:19]),
        )  # fmt: skip
    except ValueError:
        return None
    if not 1800 <= moment.year <= 2200:
        return None
    if isinstance(subsec, str) and subsec.strip().isdigit():
        digits = subsec.strip()[:6].ljust(6, "0")
        moment = moment.replace(microsecond=int(digits))
    return moment.replace(tzinfo=zone or UTC).astimezone(UTC)
