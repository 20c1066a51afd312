"""What Instagram reads in the bytes it fetched: image format, JPEG dimensions, video container.

Facts followed (IG User Media reference, "Image Specifications", "Story Image Specifications",
"Reel Specifications"; Content Publishing guide, "Limitations"):

- "JPEG is the only image format supported. Extended JPEG formats such as MPO and JPS are not
  supported." The format is told from the bytes, never from the URL or the Content-Type: JPEG
  starts ``FF D8 FF``; an MPO carries an APP2 ``MPF`` segment, a JPS an APP3 ``_JPSJPS_`` one.
  Anything else is 36001/2207005 naming the format found.
- Images: "File size: 8 MB maximum" (the error says "less than 8 MiB": 8 * 1024 * 1024 bytes,
  36000/2207004). Feed and carousel images: "Aspect ratio: Must be within a 4:5 to 1.91:1
  range" (36003/2207009), width over height read from the JPEG's start-of-frame marker. Width
  limits are not errors ("will be scaled"). Story images and reel covers have no ratio limit.
- Videos: "Container: MOV or MP4 (MPEG-4 Part 14)": an ISO base media file whose first box is
  ``ftyp`` (and not a HEIF/AVIF still); anything else is 352/2207026. Codecs, duration and the
  moov position are not checked (the fake decodes nothing).
"""

from __future__ import annotations

import struct

from fakes.instagram._errors import MediaRejected

__all__ = [
    "IMAGE_MAX_BYTES",
    "MAX_RATIO",
    "MIN_RATIO",
    "check_image",
    "check_video",
    "image_format",
    "jpeg_dimensions",
]

IMAGE_MAX_BYTES = 8 * 1024 * 1024
MIN_RATIO = 4 / 5
MAX_RATIO = 1.91
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
"""Start-of-frame markers (SOF0 to SOF15 less DHT C4, JPG C8 and DAC CC)."""
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_IMAGE_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"avif"}
"""``ftyp`` brands of still images (HEIF, AVIF): ISO files that are not videos."""
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """The JPEG's marker segments up to the first scan: ``(marker, payload)`` pairs."""
    found: list[tuple[int, bytes]] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return found
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker in {0xD9, 0xDA}:
            return found
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        found.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length
    return found


def image_format(data: bytes) -> str:
    """``jpeg``, an extended JPEG (``mpo``, ``jps``), or another format's name, ``unknown``."""
    if data.startswith(b"\xff\xd8\xff"):
        for marker, payload in _segments(data):
            if marker == 0xE2 and payload.startswith(b"MPF\x00"):
                return "mpo"
            if marker == 0xE3 and payload.startswith(b"_JPSJPS_"):
                return "jps"
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        return "heic" if data[8:12] in _IMAGE_BRANDS else "mp4"
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return "unknown"


def jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from the first start-of-frame segment, or None if there is none."""
    for marker, payload in _segments(data):
        if marker in _SOF and len(payload) >= 5:
            height, width = struct.unpack(">HH", payload[1:5])
            return width, height
    return None


def check_image(data: bytes, *, feed: bool) -> None:
    """Raises ``MediaRejected`` unless ``data`` is a JPEG Instagram takes (``feed``: ratio too)."""
    if len(data) > IMAGE_MAX_BYTES:
        raise MediaRejected(2207004, size="8 MiB")
    kind = image_format(data)
    if kind != "jpeg":
        raise MediaRejected(2207005, image_format=kind, formats="jpeg")
    size = jpeg_dimensions(data)
    if size is None or 0 in size:
        raise MediaRejected(2207005, image_format="jpeg without a frame header", formats="jpeg")
    width, height = size
    ratio = width / height
    if feed and not MIN_RATIO - 1e-9 <= ratio <= MAX_RATIO + 1e-9:
        raise MediaRejected(2207009, ratio=f"{ratio:.3g}:1")


def check_video(data: bytes) -> None:
    """Raises ``MediaRejected`` (2207026) unless ``data`` is an MP4 or MOV file."""
    if len(data) < 12 or data[4:8] != b"ftyp" or data[8:12] in _IMAGE_BRANDS:
        raise MediaRejected(2207026, video="MP4 or MOV")
