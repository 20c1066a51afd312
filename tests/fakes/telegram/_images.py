"""What a photo upload is: its format and size in pixels, read from the header.

Telegram re-encodes every photo it accepts and refuses bytes it cannot decode
(``Bad Request: IMAGE_PROCESS_FAILED``). The fake accepts JPEG, PNG, GIF and WebP by their
signatures and reads the dimensions where the header states them; it decodes nothing.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "sniff_image"]


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def sniff_image(data: bytes) -> ImageInfo | None:
    if data.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(data)
        return ImageInfo("jpeg", width, height)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height)
    if data[:6] in {b"GIF87a", b"GIF89a"} and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageInfo("webp", 0, 0)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walks the segments to the first start-of-frame marker; (0, 0) if there is none."""
    index = 2
    while index + 9 <= len(data):
        if data[index] != 0xFF:
            return 0, 0
        marker = data[index + 1]
        if marker in {0xD8, 0x01} or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in {0xC4, 0xC8, 0xCC}:
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return 0, 0
