"""What the local source lists, and what each entry says."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from media_factory import jpeg_bytes, make_tree, mp4_bytes, png_bytes, write_jpeg, write_media

from mediasync import Capability, MediaEntry, MediaKind
from mediasync_local import LocalSource

MakeSource = Callable[..., LocalSource]
Listing = Callable[[LocalSource], dict[str, MediaEntry]]


def test_declares_what_a_folder_can_do_and_not_stable_ids_or_native_hash() -> None:
    assert LocalSource.type_name == "local"
    assert LocalSource.capabilities == {
        Capability.LISTABLE,
        Capability.DOWNLOADABLE,
        Capability.WRITABLE,
        Capability.FOLDER_FINGERPRINTS,
    }


def test_nested_folders_are_listed_with_relative_posix_paths(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "top.jpg")
    write_media(root / "2023" / "summer" / "beach.png")
    write_media(root / "2023" / "summer" / "deep" / "er" / "clip.mp4", 5000)

    entries = listing(make_source())

    assert sorted(entries) == ["2023/summer/beach.png", "2023/summer/deep/er/clip.mp4", "top.jpg"]
    clip = entries["2023/summer/deep/er/clip.mp4"]
    assert clip.name == "clip.mp4"
    assert clip.folder == "2023/summer/deep/er"
    assert clip.size == 5000
    assert clip.mime_type == "video/mp4"
    assert clip.kind is MediaKind.VIDEO
    assert clip.sha256 is None


def test_entry_carries_device_inode_size_and_exact_utc_mtime(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    path = write_jpeg(root / "a.jpg", 3000)
    os.utime(path, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))

    entry = listing(make_source())["a.jpg"]

    st = os.stat(path)
    assert entry.source_id == f"{st.st_dev}:{st.st_ino}"
    assert entry.size == 3000
    assert entry.mtime == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert entry.mtime.tzinfo is UTC
    assert entry.mime_type == "image/jpeg"


def test_mtime_before_1970_is_floored_to_the_microsecond(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    path = write_jpeg(root / "old.jpg")
    os.utime(path, ns=(-1_500, -1_500))

    entry = listing(make_source())["old.jpg"]

    assert entry.mtime == datetime(1969, 12, 31, 23, 59, 59, 999998, tzinfo=UTC)


def test_hidden_files_and_folders_and_junk_are_skipped(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "keep.jpg")
    for junk in [
        ".hidden.jpg",
        ".DS_Store",
        ".trash/inside.jpg",
        "album/.thumbnails/t.jpg",
        "Thumbs.db",
        "DESKTOP.INI",
        "movie.mp4.part",
        "photo.jpg.crdownload",
        "photo.jpg.download",
        "upload.tmp",
        "~$draft.jpg",
        "~$DRAFT.JPG",
        ".HIDDEN.JPG",
        "@eaDir/keep.jpg/SYNOFILE_THUMB_XL.jpg",
        "$RECYCLE.BIN/old.jpg",
        "lost+found/#1234",
        "Safari.download/photo.jpg",
    ]:
        path = root / junk
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes(500))

    assert sorted(listing(make_source())) == ["keep.jpg"]


def test_no_junk_name_has_a_media_extension() -> None:
    """The listing's inline path lists a name with a media extension after checking only the
    hidden and junk prefixes: a junk name or suffix with a media extension would slip through."""
    from mediasync_local._names import JUNK_FILES, JUNK_SUFFIXES
    from mediasync_local._sniff import MEDIA_TYPES, extension_of

    assert not [name for name in JUNK_FILES if extension_of(name) in MEDIA_TYPES]
    assert not [suffix for suffix in JUNK_SUFFIXES if extension_of(f"x{suffix}") in MEDIA_TYPES]


def test_known_extensions_are_trusted_without_reading_and_others_are_sniffed(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    (root / "IMG_0001").write_bytes(jpeg_bytes(800))  # no extension: sniffed, a JPEG
    (root / "clip").write_bytes(mp4_bytes(900))
    (root / "photo.jpg_original").write_bytes(png_bytes(700))  # unknown extension: sniffed
    (root / "notes.txt").write_bytes(jpeg_bytes(800))  # known non-media: never read
    (root / "song.mp3").write_bytes(mp4_bytes(900))
    (root / "data.bin").write_bytes(os.urandom(300))  # unknown and not media
    (root / "README").write_bytes(b"just some text, long enough to be sniffed\n")
    (root / "fake.jpg").write_bytes(b"not a jpeg at all")  # media extension: trusted

    entries = listing(make_source())

    assert {path: entry.mime_type for path, entry in entries.items()} == {
        "IMG_0001": "image/jpeg",
        "clip": "video/mp4",
        "photo.jpg_original": "image/png",
        "fake.jpg": "image/jpeg",
    }


def test_a_listing_of_known_extensions_reads_no_file(
    root: Path, make_source: MakeSource, listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(root, 40, seed=1)
    (root / "notes.txt").write_text("hello")

    def no_reading(path: str) -> str | None:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr("mediasync_local._walk.sniff_file", no_reading)

    assert len(listing(make_source())) == 40


@pytest.mark.parametrize("extension", ["JPG", "Jpeg", "MOV", "HEIC", "Mp4", "dng"])
def test_extensions_are_matched_whatever_their_case(
    root: Path, make_source: MakeSource, listing: Listing, extension: str
) -> None:
    (root / f"IMG.{extension}").write_bytes(b"x" * 10)

    assert list(listing(make_source())) == [f"IMG.{extension}"]


def test_a_fifo_with_an_unknown_extension_does_not_hang_the_listing(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    os.mkfifo(root / "pipe")
    os.mkfifo(root / "pipe.jpg")
    write_jpeg(root / "a.jpg")

    assert list(listing(make_source())) == ["a.jpg"]


def test_empty_files_are_listed_by_extension_and_skipped_without_one(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    (root / "empty.jpg").touch()
    (root / "empty").touch()

    entries = listing(make_source())

    assert list(entries) == ["empty.jpg"]
    assert entries["empty.jpg"].size == 0


def test_names_with_spaces_and_unicode_are_kept_exactly(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    nfc = unicodedata.normalize("NFC", "café.jpg")
    nfd = unicodedata.normalize("NFD", "café.jpg")
    assert nfc != nfd
    write_jpeg(root / "my holiday" / "  two  spaces .jpg", seed=1)
    write_jpeg(root / nfc, seed=2)
    write_jpeg(root / nfd, seed=3)
    write_jpeg(root / "日本" / "写真 😀.jpg", seed=4)

    entries = listing(make_source())

    assert set(entries) == {"my holiday/  two  spaces .jpg", nfc, nfd, "日本/写真 😀.jpg"}
    assert entries[nfc].source_id != entries[nfd].source_id
    source = make_source()
    with source.open(entries[nfd]) as stream:
        assert stream.read() == jpeg_bytes(2048, 3)


def test_names_that_are_not_utf8_are_storable_text_that_opens_the_same_bytes(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    folder = os.fsencode(root) + b"/\xc0ld"
    os.mkdir(folder)
    data = jpeg_bytes(1500, seed=9)
    with open(folder + b"/caf\xe9 \xff.jpg", "wb") as stream:
        stream.write(data)
    write_jpeg(root / "lossy \ufffd.jpg", seed=10)  # a real U+FFFD in a name

    source = make_source()
    entries = listing(source)

    assert set(entries) == {"\ufffdc0ld/caf\ufffde9 \ufffdff.jpg", "lossy \ufffd\ufffd.jpg"}
    for path, entry in entries.items():
        path.encode("utf-8")  # the index can store it
        with source.open(entry) as stream:
            assert stream.read()[:3] == b"\xff\xd8\xff"
    entry = entries["\ufffdc0ld/caf\ufffde9 \ufffdff.jpg"]
    assert source.sha256(entry) == hashlib.sha256(data).hexdigest()


def test_id_is_stable_across_a_rename_and_a_move_within_the_filesystem(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "a.jpg")
    source = make_source()
    before = listing(source)["a.jpg"]

    (root / "sub").mkdir()
    os.rename(root / "a.jpg", root / "sub" / "b.jpg")
    after = listing(source)

    assert list(after) == ["sub/b.jpg"]
    assert after["sub/b.jpg"].source_id == before.source_id
    assert after["sub/b.jpg"].mtime == before.mtime


def test_hard_links_are_listed_once(root: Path, make_source: MakeSource, listing: Listing) -> None:
    write_jpeg(root / "a.jpg")
    os.link(root / "a.jpg", root / "b.jpg")
    write_jpeg(root / "c.jpg", seed=2)

    entries = listing(make_source())

    assert len(entries) == 2
    assert "c.jpg" in entries


def test_the_listing_streams(root: Path, make_source: MakeSource) -> None:
    make_tree(root, 30, seed=2)

    iterator = make_source().list_entries()

    assert (next(iter(iterator)).size or 0) > 0
    assert not isinstance(iterator, list | tuple)


def test_open_and_sha256_read_the_bytes(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    data = mp4_bytes(3 * 1024 * 1024 + 17, seed=5)  # spans several hash chunks
    (root / "big.mp4").write_bytes(data)
    source = make_source()
    entry = listing(source)["big.mp4"]

    with source.open(entry) as stream:
        assert stream.read() == data
    assert source.sha256(entry) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("path", ["../outside.jpg", "/etc/passwd", "a/../../b.jpg", ""])
def test_open_refuses_paths_outside_the_root(make_source: MakeSource, path: str) -> None:
    from mediasync import SourceError

    entry = MediaEntry(source_id="1:2", path=path, size=0, mtime=datetime.now(UTC))

    with pytest.raises(SourceError, match="not a path inside the root"):
        make_source().open(entry)


def test_media_tree_of_many_files_is_listed_completely(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    made = make_tree(root, 500, seed=3, depth=3, fanout=3, files_per_folder=7)

    entries = listing(make_source())

    assert set(entries) == {path.as_posix() for path in made}
