"""Media facts read from real files' headers: images by Pillow, videos built box by box."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from local.facts_files import MOVIE_TAKEN, exif, image_bytes, movie_bytes, write
from PIL import Image, ImageOps

from mediasync import MediaFacts, hash_file, read_file_facts, read_media_facts
from mediasync._facts.exif import _offset, parse_taken_at
from mediasync._facts.images import HEIF_NOTE

TAKEN = "2024:05:01 12:34:56"


def facts(data: bytes) -> MediaFacts:
    return read_media_facts(io.BytesIO(data))


def test_a_jpeg_turned_by_its_orientation_gives_its_shown_size_time_and_camera() -> None:
    data = image_bytes("JPEG", 64, 48, exif(6, TAKEN, "+02:00", "Canon", "Canon EOS R6"))
    found = facts(data)
    assert (found.format, found.width, found.height) == ("jpeg", 48, 64)
    assert found.taken_at == datetime(2024, 5, 1, 10, 34, 56, tzinfo=UTC)
    assert found.taken_offset == "+02:00"
    assert (found.camera_make, found.camera_model) == ("Canon", "Canon EOS R6")
    assert found.metadata() == {
        "camera_make": "Canon",
        "camera_model": "Canon EOS R6",
        "taken_offset": "+02:00",
    }


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_shown_size_is_what_pillow_shows_after_exif_transpose(orientation: int) -> None:
    data = image_bytes("JPEG", 40, 30, exif(orientation))
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).size
    assert (facts(data).width, facts(data).height) == shown


def test_an_exif_time_without_offset_is_the_wall_clock_read_as_utc() -> None:
    found = facts(image_bytes("JPEG", block=exif(taken=TAKEN)))
    assert found.taken_at == datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)
    assert found.taken_offset is None


@pytest.mark.parametrize(
    ("text", "offset", "subsec", "expected"),
    [
        ("2024:05:01 12:34:56", "-05:30", "25", datetime(2024, 5, 1, 18, 4, 56, 250000, UTC)),
        ("2024:05:01 12:34:56", "+00:00", None, datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-05-01 12:34:56", "+25:00", "1234567", datetime(2024, 5, 1, 12, 34, 56, 123456, UTC)),
        ("2024:02:30 12:34:56", "+02:00", None, None),
        ("0000:00:00 00:00:00", None, None, None),
        ("1700:01:01 00:00:00", None, None, None),
        ("    :  :     :  :  ", "+02:00", None, None),
    ],
)
def test_exif_times_are_read_through_their_offset_and_impossible_ones_are_unknown(
    text: str, offset: str | None, subsec: str | None, expected: datetime | None
) -> None:
    assert parse_taken_at(text, _offset(offset), subsec) == expected


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_give_size_and_exif(kind: str) -> None:
    found = facts(image_bytes(kind, 64, 48, exif(8, TAKEN, "-05:00", "Apple", "iPhone 15")))
    assert (found.format, found.width, found.height) == (kind.lower(), 48, 64)
    assert found.taken_at == datetime(2024, 5, 1, 17, 34, 56, tzinfo=UTC)
    assert found.camera_model == "iPhone 15"


@pytest.mark.parametrize(("kind", "name"), [("GIF", "gif"), ("TIFF", "tiff"), ("BMP", "bmp")])
def test_gif_tiff_and_bmp_give_their_size(kind: str, name: str) -> None:
    found = facts(image_bytes(kind, 33, 21))
    assert (found.format, found.width, found.height) == (name, 33, 21)


def test_a_webp_without_exif_of_each_encoding_gives_its_size() -> None:
    lossy = Image.new("RGB", (31, 17))
    for options in ({"lossless": False}, {"lossless": True}):
        out = io.BytesIO()
        lossy.save(out, "WEBP", **options)
        assert (facts(out.getvalue()).width, facts(out.getvalue()).height) == (31, 17)


@pytest.mark.parametrize("moov_last", [False, True])
@pytest.mark.parametrize(("brand", "name"), [(b"isom", "mp4"), (b"qt  ", "mov"), (b"M4V ", "m4v")])
def test_a_movie_gives_duration_size_and_creation_time_wherever_its_moov_is(
    moov_last: bool, brand: bytes, name: str
) -> None:
    found = facts(movie_bytes(brand, moov_last=moov_last, width=1920, height=1080, seconds=12.5))
    assert found == MediaFacts(
        format=name, width=1920, height=1080, duration=12.5, taken_at=MOVIE_TAKEN
    )


def test_a_movie_turned_by_its_track_matrix_is_shown_portrait() -> None:
    found = facts(movie_bytes(width=1920, height=1080, turned=True))
    assert (found.width, found.height) == (1080, 1920)


def test_a_movie_without_a_video_track_gives_its_duration_only() -> None:
    found = facts(movie_bytes(video=False, seconds=3.0))
    assert (found.width, found.height, found.duration) == (None, None, 3.0)


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_moov_after_a_large_mdat_is_found_by_seeking_not_by_reading_the_mdat() -> None:
    data = movie_bytes(moov_last=True, media=8 * 1024 * 1024)
    stream = CountingStream(data)
    assert read_media_facts(stream).duration == 12.5
    assert stream.bytes_read < 128 * 1024


def test_hashing_reads_the_facts_in_the_same_pass(tmp_path: Path) -> None:
    path = write(tmp_path / "clip.mp4", movie_bytes(moov_last=True, media=3 * 1024 * 1024))
    hashed = hash_file(str(path))
    assert hashed.facts is not None
    assert hashed.facts.duration == 12.5
    assert hashed.facts == read_file_facts(str(path))


def _truncations(data: bytes) -> list[bytes]:
    return [data[:cut] for cut in (0, 3, 20, 100, len(data) // 2, len(data) - 1)]


@pytest.mark.parametrize(
    "data",
    [
        *_truncations(image_bytes("JPEG", block=exif(6, TAKEN, "+02:00", "Canon", "R6"))),
        *_truncations(image_bytes("PNG")),
        *_truncations(image_bytes("WEBP", block=exif(6))),
        *_truncations(movie_bytes(moov_last=True)),
        *_truncations(movie_bytes()),
    ],
)
def test_a_truncated_file_gives_what_it_still_holds_and_never_fails(data: bytes) -> None:
    found = facts(data)
    assert isinstance(found, MediaFacts)
    assert found.width is None or found.width > 0


def test_a_corrupt_exif_block_leaves_the_size_and_loses_only_the_exif_facts() -> None:
    good = image_bytes("JPEG", 64, 48, exif(6, TAKEN))
    start = good.index(b"Exif\x00\x00") + 6
    for garbage in (
        b"\xff" * 40,
        b"II*\x00\xff\xff\xff\x7f" + b"\x00" * 32,
        b"MM\x00*\x00\x00\x00\x08\xff\xff",
    ):
        broken = good[:start] + garbage + good[start + len(garbage) :]
        found = facts(broken)
        assert (found.format, found.width, found.height) in {("jpeg", 64, 48), ("jpeg", 48, 64)}
        assert found.camera_make is None


def test_lying_headers_are_unknown_facts() -> None:
    zero_size = bytearray(image_bytes("PNG"))
    zero_size[16:24] = b"\x00" * 8
    assert (facts(bytes(zero_size)).width, facts(bytes(zero_size)).height) == (None, None)
    huge_moov = movie_bytes()[:24] + b"\xff\xff\xff\xf0moov"
    assert facts(huge_moov) == MediaFacts(format="mp4")
    assert facts(image_bytes("JPEG", block=exif(taken="0000:00:00 00:00:00"))).taken_at is None


def test_bytes_that_are_no_media_give_no_facts() -> None:
    assert facts(b"just some text, named photo.jpg by someone") == MediaFacts()
    assert facts(b"") == MediaFacts()


def test_heic_without_pillow_heif_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pillow_heif", None)
    heic = movie_bytes(b"heic")
    found = facts(heic)
    assert found == MediaFacts(format="heif", note=HEIF_NOTE)
    assert found.stored_version is None


def test_heic_goes_through_pillow_heif_when_it_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    block = image_bytes("JPEG", block=exif(6, TAKEN, None, "Apple", "iPhone 15"))
    exif_block = block[block.index(b"Exif\x00\x00") :]

    class Picture:
        size = (3024, 4032)  # libheif has turned it already
        info: ClassVar[dict[str, Any]] = {"exif": exif_block}

    class FakePillowHeif:
        @staticmethod
        def open_heif(stream: io.BytesIO) -> Picture:
            assert stream.read(12)[4:12] == b"ftypheic"
            return Picture()

    monkeypatch.setitem(sys.modules, "pillow_heif", FakePillowHeif)
    found = facts(movie_bytes(b"heic"))
    assert (found.format, found.width, found.height) == ("heif", 3024, 4032)
    assert found.camera_model == "iPhone 15"
    assert found.stored_version == 1
