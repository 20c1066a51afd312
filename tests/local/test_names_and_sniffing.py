"""Safe names for uploads, media detection by first bytes, and the media factory itself."""

from __future__ import annotations

import os
import random
import struct

import pytest
from media_factory import KINDS, MIN_SIZES, media_bytes

from mediasync_local._names import MAX_NAME_BYTES, is_listed_file, numbered, safe_name
from mediasync_local._paths import ESCAPE, os_path, text_name
from mediasync_local._sniff import SNIFF_BYTES, needs_sniff, sniff


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 32


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", "video/x-msvideo"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
        (ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (ftyp(b"mif1", b"mif1", b"heic"), "image/heic"),
        (ftyp(b"mif1", b"mif1", b"avif"), "image/avif"),
        (ftyp(b"avif", b"mif1", b"avif"), "image/avif"),
        (ftyp(b"mif1", b"mif1"), "image/heif"),
        (ftyp(b"isom", b"isom", b"avc1"), "video/mp4"),
        (ftyp(b"mp42", b"isom"), "video/mp4"),
        (ftyp(b"qt  ", b"qt  "), "video/quicktime"),
        (ftyp(b"M4V ", b"M4V "), "video/x-m4v"),
        (ftyp(b"3gp5", b"3gp5"), "video/3gpp"),
        (ftyp(b"M4A ", b"M4A ", b"isom"), None),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"),
        (b"%PDF-1.7", None),
        (b"ID3\x04\x00", None),
        (b"", None),
        (b"\xff\xd8", None),
    ],
)
def test_sniff_recognises_media_by_first_bytes(head: bytes, expected: str | None) -> None:
    assert sniff(head[:SNIFF_BYTES]) == expected


@pytest.mark.parametrize(
    ("extension", "sniffed"), [("", True), ("jpg", False), ("txt", False), ("bin", True)]
)
def test_only_missing_or_unknown_extensions_are_sniffed(extension: str, sniffed: bool) -> None:
    assert needs_sniff(extension) is sniffed


def test_numbered_names_keep_the_extension() -> None:
    assert numbered("photo.jpg", 3) == "photo (3).jpg"
    assert numbered("archive", 1) == "archive (1)"
    assert numbered("x" * 255, 12).endswith(" (12)")
    assert len(numbered("x" * 255, 12).encode()) == MAX_NAME_BYTES


def test_safe_name_holds_its_promises_for_any_input() -> None:
    rng = random.Random(42)
    alphabet = "ab.é日/\\\x00\n\r\t ~$-_()\u202e\u200f\udce9😀"
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))

        safe = safe_name(name)

        assert safe, name
        assert safe not in (".", "..")
        assert not safe.startswith((".", " ", "~$")), name
        assert not any(char in safe for char in "/\\\x00\n\r\t\u202e\u200f")
        assert len(safe.encode()) <= MAX_NAME_BYTES
        assert safe_name(safe) == safe, "making a safe name safe changes nothing"
        if safe.endswith(".jpg"):
            assert is_listed_file(safe)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_media_factory_is_exact_deterministic_and_recognisable(kind: str) -> None:
    for size in [MIN_SIZES[kind], MIN_SIZES[kind] + 20, 1000, 70_000, 140_001]:
        data = media_bytes(kind, size, seed=1)
        assert len(data) == size
        assert media_bytes(kind, size, seed=1) == data
        assert sniff(data[:SNIFF_BYTES]) is not None
    assert media_bytes(kind, 5000, seed=1) != media_bytes(kind, 5000, seed=2)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"plain.jpg", "plain.jpg"),
        ("café.jpg".encode(), "café.jpg"),
        (b"caf\xe9.jpg", "caf\ufffde9.jpg"),
        (b"\xff\xfe", "\ufffdff\ufffdfe"),
        ("\ufffd.jpg".encode(), "\ufffd\ufffd.jpg"),
        ("\ufffd".encode() + b"\xe9", "\ufffd\ufffd\ufffde9"),
    ],
)
def test_names_become_storable_text_and_back(raw: bytes, text: str) -> None:
    name = os.fsdecode(raw)

    assert text_name(name) == text
    assert os.fsencode(os_path(text)) == raw


def test_any_byte_name_round_trips_through_text() -> None:
    rng = random.Random(7)
    pieces = [b"a", b".", b" ", b"\xe9", b"\xff", b"\x80", "é".encode(), ESCAPE.encode(), b"e9"]
    for _ in range(3000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        text = text_name(os.fsdecode(raw))
        text.encode("utf-8")
        assert os.fsencode(os_path(text)) == raw
