"""Conformance tests for writing to a source and reading its change feed."""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Callable
from pathlib import Path

import pytest

from mediasync._errors import CursorInvalid
from mediasync._models import Capability, MediaEntry
from mediasync._source import Source
from mediasync.testing._helpers import (
    AddMedia,
    RemoveMedia,
    by_id,
    drain_changes,
    list_all,
    nfc,
    path_problem,
    read_bytes,
    require,
)
from mediasync.testing._source_base import SourceSuiteBase

__all__ = ["ChangeFeedTests", "UploadTests"]


def _upload(source: Source, data: bytes, name: str, folder: str = "") -> MediaEntry:
    entry = source.upload(io.BytesIO(data), name, folder=folder)
    assert isinstance(entry, MediaEntry), f"upload() returned {entry!r}, not a MediaEntry"
    return entry


def _naive_targets(root: Path, folder: str, name: str) -> set[Path]:
    """Where a careless implementation would write ``name`` (outside ``root`` only)."""
    targets = set()
    for joined in (os.path.join(root, folder, name), os.path.join(folder, name)):
        target = Path(os.path.normpath(joined.replace("\\", "/").replace("\x00", "")))
        if target.is_absolute() and not target.is_relative_to(root):
            targets.add(target)
    return targets


class UploadTests(SourceSuiteBase):
    def _assert_listed(self, source: Source, entry: MediaEntry, data: bytes) -> None:
        listed = by_id(list_all(source))
        assert entry.source_id in listed, (
            f"upload() returned source_id {entry.source_id!r} but the listing does not hold it"
        )
        assert listed[entry.source_id].path == entry.path, "listed at another path"
        assert listed[entry.source_id].size == len(data) == entry.size
        if Capability.DOWNLOADABLE in type(source).capabilities:
            assert read_bytes(source, listed[entry.source_id]) == data

    def test_upload_appears_in_the_listing_with_the_same_bytes(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """``upload`` must write the whole stream and return the entry the next listing
        yields for it: same ``source_id``, path and size."""
        require(source, Capability.LISTABLE, Capability.WRITABLE)
        before = len(list_all(source))
        data = upload_bytes(1)
        entry = _upload(source, data, self.upload_name)
        if self.paths_are_kept:
            assert entry.path == self.upload_name
        self._assert_listed(source, entry, data)
        assert len(list_all(source)) == before + 1, "upload() changed other entries"

    def test_upload_into_a_new_folder_creates_it(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """``upload(..., folder="a/b")`` must create missing folders below the root."""
        require(source, Capability.LISTABLE, Capability.WRITABLE)
        data = upload_bytes(2)
        entry = _upload(source, data, self.upload_name, folder="new album/2024")
        if self.paths_are_kept:
            assert entry.path == f"new album/2024/{self.upload_name}"
        self._assert_listed(source, entry, data)

    def test_hostile_names_stay_inside_the_root(
        self,
        source: Source,
        upload_bytes: Callable[[int], bytes],
        media_files: dict[str, bytes],
        root_dir: Path | None,
    ) -> None:
        """Names and folders come from elsewhere (captions, other services): ``upload`` must
        turn each into a safe name inside the root (drop ``..``, ``/`` and NUL, replace
        separators) instead of writing where the name points."""
        require(source, Capability.LISTABLE, Capability.WRITABLE)
        ext = posixpath.splitext(self.upload_name)[1]
        kinds = type(source).media_kinds
        for seed, (folder, template) in enumerate(self.hostile_names, start=100):
            name = template.format(ext=ext)
            targets = _naive_targets(root_dir, folder, name) if root_dir else set()
            existing = {t for t in targets if t.exists()}
            data = upload_bytes(seed)
            entry = _upload(source, data, name, folder=folder)
            problem = path_problem(entry.path)
            assert problem is None, f"upload of {(folder, name)!r} gave {entry.path!r}: {problem}"
            escaped = sorted(str(t) for t in targets - existing if t.exists())
            assert not escaped, f"upload of {(folder, name)!r} wrote outside the root: {escaped}"
            if entry.kind in kinds:
                self._assert_listed(source, entry, data)
        self._assert_media_files_intact(source, media_files)

    def _assert_media_files_intact(self, source: Source, media_files: dict[str, bytes]) -> None:
        if not self.paths_are_kept or Capability.DOWNLOADABLE not in type(source).capabilities:
            return
        listed = {nfc(e.path): e for e in list_all(source)}
        for path, data in media_files.items():
            assert nfc(path) in listed, f"{path} disappeared after uploads"
            assert read_bytes(source, listed[nfc(path)]) == data, f"{path} was overwritten"

    def test_uploading_a_taken_name_keeps_both_files(
        self,
        source: Source,
        upload_bytes: Callable[[int], bytes],
        media_files: dict[str, bytes],
    ) -> None:
        """``upload`` must never overwrite: when the name is taken, write under another one
        (``photo (1).jpg``) and return that entry."""
        require(source, Capability.LISTABLE, Capability.WRITABLE)
        first_data, second_data = upload_bytes(3), upload_bytes(4)
        first = _upload(source, first_data, self.upload_name)
        second = _upload(source, second_data, self.upload_name)
        assert first.source_id != second.source_id, "the second upload replaced the first"
        assert first.path != second.path, "two uploads returned the same path"
        self._assert_listed(source, first, first_data)
        self._assert_listed(source, second, second_data)
        if self.paths_are_kept:
            taken = sorted(media_files)[0]
            folder, name = posixpath.split(taken)
            third = _upload(source, upload_bytes(5), name, folder=folder)
            assert nfc(third.path) != nfc(taken), f"upload() overwrote {taken}"
        self._assert_media_files_intact(source, media_files)


class ChangeFeedTests(SourceSuiteBase):
    def test_change_feed_is_quiet_without_changes(self, source: Source) -> None:
        """``changes(start_cursor())`` with nothing changed must report no upserts and no
        removals: the cursor must mean "now", not "the beginning of time"."""
        require(source, Capability.CHANGE_FEED)
        cursor = source.start_cursor()
        assert isinstance(cursor, str), "start_cursor() must return a str"
        assert cursor, "start_cursor() returned an empty cursor"
        page = drain_changes(source, cursor)
        assert page.upserts == (), "changes reported although nothing changed"
        assert page.removed == (), "removals reported although nothing changed"

    def test_change_feed_reports_an_added_file(
        self, source: Source, add_media: AddMedia, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """A file added after ``start_cursor()`` must come back as one upsert, and reading on
        from the cursor ``changes`` returned must not report it again."""
        require(source, Capability.CHANGE_FEED)
        cursor = source.start_cursor()
        data = upload_bytes(6)
        path = f"feed/added{posixpath.splitext(self.upload_name)[1]}"
        add_media(path, data)
        page = drain_changes(source, cursor)
        assert len(page.upserts) == 1, f"expected one upsert, got {page.upserts!r}"
        assert page.removed == ()
        added = page.upserts[0]
        assert added.size == len(data)
        if self.paths_are_kept:
            assert nfc(added.path) == nfc(path)
        if Capability.LISTABLE in type(source).capabilities:
            assert added.source_id in by_id(list_all(source)), "the listing disagrees with it"
        again = drain_changes(source, page.cursor)
        assert again.upserts == (), "the cursor did not move on past the change"
        assert again.removed == ()

    def test_change_feed_reports_an_upload(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """A file written with ``upload`` must show up in the change feed as an upsert."""
        require(source, Capability.CHANGE_FEED, Capability.WRITABLE)
        cursor = source.start_cursor()
        entry = _upload(source, upload_bytes(7), self.upload_name)
        page = drain_changes(source, cursor)
        assert [e.source_id for e in page.upserts] == [entry.source_id]

    def test_change_feed_reports_a_removed_file(
        self, source: Source, remove_media: RemoveMedia
    ) -> None:
        """A file deleted after ``start_cursor()`` must be reported in ``removed`` by its
        ``source_id`` (the one the listing gave it)."""
        require(source, Capability.LISTABLE, Capability.CHANGE_FEED)
        entry = sorted(list_all(source), key=lambda e: e.path)[0]
        cursor = source.start_cursor()
        remove_media(entry)
        page = drain_changes(source, cursor)
        assert page.removed == (entry.source_id,)
        assert page.upserts == ()

    def test_invalid_cursor_raises_cursor_invalid(self, source: Source) -> None:
        """A cursor the source does not accept must raise ``CursorInvalid`` (map the
        provider's "invalid page token" error to it), so the strategy can fall back to a scan."""
        require(source, Capability.CHANGE_FEED)
        with pytest.raises(CursorInvalid):
            drain_changes(source, self.invalid_cursor)
