"""Never lose data: a listing that cannot be complete raises, unreadable files are reported."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from media_factory import jpeg_bytes, write_jpeg

from mediasync import MediaEntry, SourceUnreachable
from mediasync_local import LocalSource, SkippedFile

MakeSource = Callable[..., LocalSource]
Listing = Callable[[LocalSource], dict[str, MediaEntry]]


def _permissions_enforced() -> bool:
    """False for root (or a process with CAP_DAC_OVERRIDE), which reads a mode-000 file."""
    with tempfile.TemporaryDirectory() as folder:
        locked = os.path.join(folder, "locked")
        with open(locked, "wb"):
            pass
        os.chmod(locked, 0)
        try:
            with open(locked, "rb"):
                return False
        except PermissionError:
            return True


needs_permissions = pytest.mark.skipif(
    not _permissions_enforced(),
    reason="permissions are not enforced for this user (root); the monkeypatched twin runs",
)


def test_missing_root_is_unreachable_when_listing_starts(
    tmp_path: Path, make_source: MakeSource
) -> None:
    source = make_source(tmp_path / "unmounted")

    with pytest.raises(SourceUnreachable, match=r"source 'pics': root folder .*unmounted"):
        source.list_entries()


def test_root_that_is_a_file_is_unreachable(tmp_path: Path, make_source: MakeSource) -> None:
    write_jpeg(tmp_path / "file.jpg")

    with pytest.raises(SourceUnreachable, match="is not a folder"):
        make_source(tmp_path / "file.jpg").list_entries()


def test_missing_marker_file_is_unreachable(root: Path, make_source: MakeSource) -> None:
    write_jpeg(root / "a.jpg")
    source = make_source(marker_file=".mediasync")

    with pytest.raises(SourceUnreachable, match=r"marker file \.mediasync is missing"):
        source.list_entries()

    (root / ".mediasync").touch()
    assert [entry.path for entry in source.list_entries()] == ["a.jpg"]


def test_root_removed_between_two_listings_is_unreachable(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "a.jpg")
    source = make_source()
    assert list(listing(source)) == ["a.jpg"]

    (root / "a.jpg").unlink()
    root.rmdir()

    with pytest.raises(SourceUnreachable):
        source.list_entries()


def _refuse_scandir(monkeypatch: pytest.MonkeyPatch, folder: Path, error: int) -> None:
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if os.fspath(path) == os.fspath(folder):
            raise OSError(error, os.strerror(error), os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unlistable_subfolder_fails_the_listing_naming_the_folder(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jpeg(root / "a.jpg")
    write_jpeg(root / "private" / "deep" / "b.jpg")
    _refuse_scandir(monkeypatch, root / "private" / "deep", errno.EACCES)

    with pytest.raises(SourceUnreachable, match=r"folder 'private/deep'.*Permission denied"):
        list(make_source().list_entries())


@needs_permissions
def test_chmod_000_subfolder_fails_the_listing(root: Path, make_source: MakeSource) -> None:
    write_jpeg(root / "a.jpg")
    locked = root / "locked"
    write_jpeg(locked / "b.jpg")
    locked.chmod(0)
    try:
        with pytest.raises(SourceUnreachable, match=r"folder 'locked'.*Permission denied"):
            list(make_source().list_entries())
    finally:
        locked.chmod(0o755)


def test_a_listing_error_midway_through_a_folder_fails_the_listing(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(5):
        write_jpeg(root / "album" / f"{index}.jpg", seed=index)
    real_scandir = os.scandir

    class Failing:
        def __init__(self, inner: Any) -> None:
            self.inner = inner
            self.count = 0

        def __enter__(self) -> Failing:
            return self

        def __exit__(self, *exc_info: object) -> None:
            self.inner.close()

        def __iter__(self) -> Iterator[Any]:
            return self

        def __next__(self) -> Any:
            self.count += 1
            if self.count == 3:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            return next(self.inner)

    def scandir(path: Any) -> Any:
        inner = real_scandir(path)
        return Failing(inner) if os.path.basename(path) == "album" else inner

    monkeypatch.setattr(os, "scandir", scandir)

    with pytest.raises(SourceUnreachable, match=r"folder 'album'.*Input/output error"):
        list(make_source().list_entries())


def test_a_file_whose_stat_fails_is_skipped_and_reported(
    root: Path, make_source: MakeSource, listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jpeg(root / "ok.jpg", seed=1)
    write_jpeg(root / "album" / "bad.jpg", seed=2)
    real_scandir = os.scandir

    class Unstattable:
        def __init__(self, inner: os.DirEntry[str]) -> None:
            self.inner = inner
            self.name = inner.name
            self.path = inner.path

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
            raise PermissionError(errno.EACCES, "Permission denied", self.path)

    class Wrapping:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __enter__(self) -> Wrapping:
            return self

        def __exit__(self, *exc_info: object) -> None:
            self.inner.close()

        def __iter__(self) -> Iterator[Any]:
            return self

        def __next__(self) -> Any:
            item = next(self.inner)
            return Unstattable(item) if item.name == "bad.jpg" else item

    monkeypatch.setattr(os, "scandir", lambda path: Wrapping(real_scandir(path)))
    source = make_source()

    assert list(listing(source)) == ["ok.jpg"]
    assert source.skipped == [SkippedFile("album/bad.jpg", "Permission denied")]
    assert str(source.skipped[0]) == "album/bad.jpg: Permission denied"

    monkeypatch.undo()
    assert sorted(listing(source)) == ["album/bad.jpg", "ok.jpg"]
    assert source.skipped == [], "each listing starts a new report"


def test_a_file_whose_first_bytes_cannot_be_read_is_skipped_and_reported(
    root: Path, make_source: MakeSource, listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "IMG_0001").write_bytes(jpeg_bytes(500))

    def unreadable(path: str) -> str | None:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr("mediasync_local._walk.sniff_file", unreadable)
    source = make_source()

    assert listing(source) == {}
    assert source.skipped == [
        SkippedFile("IMG_0001", "cannot read its first bytes: Permission denied")
    ]


@needs_permissions
def test_files_in_a_folder_without_search_permission_are_reported(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "a.jpg")
    folder = root / "readable only"
    write_jpeg(folder / "b.jpg")
    folder.chmod(0o444)  # names can be read, files cannot be stat-ed
    source = make_source()
    try:
        assert list(listing(source)) == ["a.jpg"]
        assert [skipped.path for skipped in source.skipped] == ["readable only/b.jpg"]
    finally:
        folder.chmod(0o755)


def test_a_folder_removed_during_the_listing_fails_it(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jpeg(root / "a.jpg")
    write_jpeg(root / "album" / "b.jpg")
    _refuse_scandir(monkeypatch, root / "album", errno.ENOENT)

    with pytest.raises(SourceUnreachable, match="moved or deleted during the listing"):
        list(make_source().list_entries())
