"""Writing into a local folder: atomic, safe names, never over another file, idempotent."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from media_factory import gif_bytes, jpeg_bytes, mp4_bytes, png_bytes, write_jpeg

from mediasync import MediaEntry, Provenance, SourceError, SourceUnreachable
from mediasync_local import LocalSource

IG_17 = Provenance("instagram", "insta", "17")

MakeSource = Callable[..., LocalSource]
Listing = Callable[[LocalSource], dict[str, MediaEntry]]


def files_under(root: Path) -> list[str]:
    """Every file under ``root``, hidden ones included, as relative POSIX paths."""
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if not path.is_dir()
    )


def test_upload_writes_the_file_and_returns_the_entry_the_listing_will_show(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    source = make_source()
    data = jpeg_bytes(5000, seed=1)

    entry = source.upload(io.BytesIO(data), "beach.jpg", folder="2024/summer", provenance=IG_17)

    assert (root / "2024" / "summer" / "beach.jpg").read_bytes() == data
    assert entry.path == "2024/summer/beach.jpg"
    assert entry.size == 5000
    assert entry.mime_type == "image/jpeg"
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    assert entry.provenance == IG_17
    listed = listing(source)["2024/summer/beach.jpg"]
    assert (listed.source_id, listed.size, listed.mtime) == (entry.source_id, 5000, entry.mtime)
    assert files_under(root) == [".mediasync-copies.jsonl", "2024/summer/beach.jpg"], (
        "no temporary file is left; the copy's marker is in the manifest"
    )


def test_a_name_taken_by_other_bytes_gets_a_number(root: Path, make_source: MakeSource) -> None:
    write_jpeg(root / "photo.jpg", seed=1)
    write_jpeg(root / "photo (1).jpg", seed=2)
    source = make_source()

    entry = source.upload(io.BytesIO(jpeg_bytes(2048, seed=3)), "photo.jpg")

    assert entry.path == "photo (2).jpg"
    assert (root / "photo.jpg").read_bytes() == jpeg_bytes(2048, seed=1), "never overwritten"
    assert (root / "photo (1).jpg").read_bytes() == jpeg_bytes(2048, seed=2)
    assert (root / "photo (2).jpg").read_bytes() == jpeg_bytes(2048, seed=3)


def test_uploading_the_same_bytes_twice_writes_once(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "photo.jpg", seed=1)  # a different photo already has the name
    source = make_source()
    data = jpeg_bytes(2048, seed=2)

    first = source.upload(io.BytesIO(data), "photo.jpg")
    second = source.upload(io.BytesIO(data), "photo.jpg")

    assert first.path == second.path == "photo (1).jpg"
    assert first.source_id == second.source_id
    assert second.sha256 == hashlib.sha256(data).hexdigest()
    assert files_under(root) == ["photo (1).jpg", "photo.jpg"]


def test_the_same_name_with_the_same_size_but_other_bytes_is_not_taken_for_a_copy(
    root: Path, make_source: MakeSource
) -> None:
    write_jpeg(root / "photo.jpg", 3000, seed=1)

    entry = make_source().upload(io.BytesIO(jpeg_bytes(3000, seed=2)), "photo.jpg")

    assert entry.path == "photo (1).jpg"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.jpg", "_.._etc_passwd.jpg"),
        ("/absolute/path.jpg", "absolute_path.jpg"),
        ("..", "unnamed.jpg"),
        ("", "unnamed.jpg"),
        (".hidden.jpg", "hidden.jpg"),
        ("nul\x00byte\n.jpg", "nulbyte.jpg"),
        ("back\\slash.jpg", "back_slash.jpg"),
        ("~$lock.jpg", "lock.jpg"),
        ("evil\u202egpj.exe", "evilgpj.exe.jpg"),
        ("photo", "photo.jpg"),
        ("photo.txt", "photo.txt.jpg"),
        ("Thumbs.db", "Thumbs.db.jpg"),
        ("movie.mp4.part", "movie.mp4.part.jpg"),
        ("caf\udce9.jpg", "caf_.jpg"),
        ("caf\ufffde9.jpg", "caf_e9.jpg"),
    ],
)
def test_hostile_names_are_made_safe_and_listable(
    root: Path, make_source: MakeSource, listing: Listing, name: str, expected: str
) -> None:
    source = make_source()

    entry = source.upload(io.BytesIO(jpeg_bytes(700)), name)

    assert entry.path == expected
    assert (root / expected).is_file()
    assert list(listing(source)) == [expected]


def test_a_long_name_is_cut_to_255_bytes_keeping_its_extension(
    root: Path, make_source: MakeSource
) -> None:
    source = make_source()
    name = "é" * 300 + ".jpeg"

    first = source.upload(io.BytesIO(jpeg_bytes(700, seed=1)), name)
    second = source.upload(io.BytesIO(jpeg_bytes(700, seed=2)), name)

    assert first.path.endswith("é.jpeg")
    assert len(first.path.encode()) <= 255
    assert second.path.endswith(" (1).jpeg")
    assert len(second.path.encode()) <= 255
    assert {p.name for p in root.iterdir()} == {first.path, second.path}


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("../../outside", "outside"),
        ("/abs/olute", "abs/olute"),
        ("a/./b/../c", "a/b/c"),
        (".hidden/x", "hidden/x"),
        ("win\\style\\path", "win/style/path"),
        ("@eaDir", "@eaDir_"),
        ("..", ""),
    ],
)
def test_folders_are_made_safe_and_stay_inside_the_root(
    root: Path, make_source: MakeSource, listing: Listing, folder: str, expected: str
) -> None:
    source = make_source()

    entry = source.upload(io.BytesIO(png_bytes(300)), "p.png", folder=folder)

    assert entry.folder == expected
    assert (root / expected / "p.png").is_file()
    assert list(listing(source)) == [entry.path]
    assert not (root.parent / "outside").exists()


def test_a_folder_linking_outside_the_root_is_refused(
    root: Path, tmp_path: Path, make_source: MakeSource
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "escape")

    with pytest.raises(SourceError, match="not a folder inside"):
        make_source().upload(io.BytesIO(png_bytes(300)), "p.png", folder="escape/sub")

    assert list(outside.iterdir()) == []


def test_a_folder_linking_inside_the_root_is_used(root: Path, make_source: MakeSource) -> None:
    (root / "real").mkdir()
    os.symlink(root / "real", root / "alias")

    entry = make_source().upload(io.BytesIO(png_bytes(300)), "p.png", folder="alias")

    assert entry.path == "alias/p.png"
    assert (root / "real" / "p.png").is_file()


def test_a_failing_stream_leaves_nothing_behind(root: Path, make_source: MakeSource) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise ConnectionError("download interrupted")
            return b"\xff\xd8\xff" + b"x" * 100

    with pytest.raises(ConnectionError):
        make_source().upload(Broken(), "photo.jpg", folder="album")  # type: ignore[arg-type]

    assert files_under(root) == []


def test_a_failing_disk_leaves_nothing_behind(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)

    with pytest.raises(OSError, match="No space left"):
        make_source().upload(io.BytesIO(mp4_bytes(2000)), "clip.mp4")

    assert files_under(root) == []


def test_without_hard_links_the_name_is_reserved_then_replaced(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jpeg(root / "photo.jpg", seed=1)

    def no_links(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    source = make_source()
    data = jpeg_bytes(2048, seed=2)

    entry = source.upload(io.BytesIO(data), "photo.jpg")
    again = source.upload(io.BytesIO(data), "photo.jpg")

    assert entry.path == again.path == "photo (1).jpg"
    assert (root / "photo (1).jpg").read_bytes() == data
    assert (root / "photo.jpg").read_bytes() == jpeg_bytes(2048, seed=1)
    assert files_under(root) == ["photo (1).jpg", "photo.jpg"]


def test_the_mime_type_comes_from_the_bytes_when_the_name_has_none(
    make_source: MakeSource,
) -> None:
    source = make_source()

    assert source.upload(io.BytesIO(gif_bytes(400)), "anim").mime_type == "image/gif"
    assert source.upload(io.BytesIO(mp4_bytes(400)), "clip").path == "clip.mp4"


def test_upload_to_a_missing_root_is_unreachable_and_creates_nothing(
    tmp_path: Path, make_source: MakeSource
) -> None:
    source = make_source(tmp_path / "unmounted")

    with pytest.raises(SourceUnreachable):
        source.upload(io.BytesIO(png_bytes(300)), "p.png", folder="a")

    assert not (tmp_path / "unmounted").exists()


def test_upload_without_the_marker_file_is_unreachable(root: Path, make_source: MakeSource) -> None:
    with pytest.raises(SourceUnreachable, match="marker"):
        make_source(marker_file=".mediasync").upload(io.BytesIO(png_bytes(300)), "p.png")

    assert files_under(root) == []
