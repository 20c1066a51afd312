"""Conformance tests for reading a source: declaration, health, listing, bytes, stable ids."""

from __future__ import annotations

import posixpath
from collections import Counter
from datetime import timedelta

import attrs
import pytest

from mediasync._errors import SourceUnreachable
from mediasync._models import Capability, HealthCheck, MediaEntry, MediaKind
from mediasync._source import Source
from mediasync.testing._helpers import (
    RenameMedia,
    by_id,
    list_all,
    nfc,
    path_problem,
    read_bytes,
    require,
    sha256_hex,
)
from mediasync.testing._source_base import SourceSuiteBase

__all__ = ["DeclarationTests", "DownloadTests", "ListingTests", "StableIdTests"]

_METHODS = {
    Capability.DOWNLOADABLE: ("open",),
    Capability.WRITABLE: ("upload",),
    Capability.CHANGE_FEED: ("start_cursor", "changes"),
    Capability.FOLDER_FINGERPRINTS: ("list_folders",),
    Capability.NEWEST_FIRST: ("list_pages",),
}


class DeclarationTests(SourceSuiteBase):
    def test_declares_type_name_settings_and_capabilities(self, source: Source) -> None:
        """Set ``type_name`` (short, lowercase), ``Settings`` (an attrs class),
        ``capabilities`` (a frozenset of ``Capability``) and ``media_kinds`` (of ``MediaKind``)
        as class attributes of your ``Source`` subclass."""
        cls = type(source)
        assert isinstance(cls.type_name, str), "type_name must be a str"
        assert cls.type_name, "type_name must not be empty"
        assert cls.type_name == cls.type_name.lower(), f"type_name {cls.type_name!r}: lowercase"
        assert " " not in cls.type_name, "type_name must not contain spaces"
        assert attrs.has(cls.Settings), "Settings must be an attrs class (@attrs.frozen)"
        assert isinstance(cls.capabilities, frozenset), "capabilities must be a frozenset"
        assert all(isinstance(c, Capability) for c in cls.capabilities)
        assert isinstance(cls.media_kinds, frozenset), "media_kinds must be a frozenset"
        assert cls.media_kinds, "media_kinds must name at least one MediaKind"
        assert all(isinstance(k, MediaKind) for k in cls.media_kinds)

    def test_declared_capabilities_have_their_methods(self, source: Source) -> None:
        """Each declared capability needs its methods overridden: ``open`` for DOWNLOADABLE,
        ``upload`` for WRITABLE, ``start_cursor`` and ``changes`` for CHANGE_FEED."""
        cls = type(source)
        for capability, methods in _METHODS.items():
            if capability not in cls.capabilities:
                continue
            for method in methods:
                assert getattr(cls, method) is not getattr(Source, method), (
                    f"{cls.__name__} declares Capability.{capability.name} "
                    f"but does not override {method}()"
                )

    def test_check_reports_a_healthy_source(self, source: Source) -> None:
        """``check()`` on a source whose root exists must return ``HealthCheck.healthy()``;
        if it does not, read its ``problem`` to see which step of your check failed."""
        result = source.check()
        assert isinstance(result, HealthCheck), "check() must return a HealthCheck"
        assert result.ok, f"check() failed on a healthy source: {result.problem}"
        assert result.problem is None, "a healthy check must not carry a problem"

    def test_check_reports_a_missing_root(self, missing_root_source: Source) -> None:
        """``check()`` must return ``HealthCheck.failed(problem, fix)`` (never raise) when the
        root does not exist, with a one-line ``problem`` naming the root."""
        result = missing_root_source.check()
        assert isinstance(result, HealthCheck), "check() must return a HealthCheck"
        assert not result.ok, "check() said a source whose root does not exist is healthy"
        assert isinstance(result.problem, str), "a failed check must set `problem`"
        assert result.problem.strip(), "a failed check must say what is wrong in `problem`"
        assert "\n" not in result.problem, "`problem` must be one line"


class ListingTests(SourceSuiteBase):
    def test_listing_a_missing_root_raises_source_unreachable(
        self, missing_root_source: Source
    ) -> None:
        """Listing a root that does not exist must raise ``SourceUnreachable``: an empty
        listing would make the sync engine mark every indexed item removed."""
        require(missing_root_source, Capability.LISTABLE)
        with pytest.raises(SourceUnreachable):
            list_all(missing_root_source)

    def test_listing_yields_media_entries(self, source: Source) -> None:
        """``list_entries()`` must be a generator yielding ``MediaEntry`` instances."""
        require(source, Capability.LISTABLE)
        entries = list_all(source)
        assert entries, "the listing is empty although the root holds media_files"
        for entry in entries:
            assert isinstance(entry, MediaEntry), f"listed {entry!r}, not a MediaEntry"

    def test_listing_matches_media_files(
        self, source: Source, media_files: dict[str, bytes]
    ) -> None:
        """The listing must hold one entry per file in ``media_files``, nothing more: check
        that your listing recurses into sub-folders and reports paths relative to the root
        (or set ``paths_are_kept = False`` if your source makes up its own paths)."""
        require(source, Capability.LISTABLE)
        entries = list_all(source)
        if self.paths_are_kept:
            listed = {nfc(e.path): e for e in entries}
            expected = {nfc(path) for path in media_files}
            assert sorted(listed) == sorted(expected)
            for path, data in media_files.items():
                assert listed[nfc(path)].size == len(data), f"wrong size for {path}"
            assert len(entries) == len(media_files), "a path was listed more than once"
        else:
            assert len(entries) == len(media_files)
            sizes = sorted(e.size for e in entries if e.size is not None)
            assert set(sizes) <= set(map(len, media_files.values())), "sizes of no stored file"

    def test_source_ids_are_unique_strings(self, source: Source) -> None:
        """Every entry needs its own non-empty ``source_id`` string, even two files with the
        same bytes: derive it from the file's identity (inode, remote id), not its content."""
        require(source, Capability.LISTABLE)
        ids = [entry.source_id for entry in list_all(source)]
        assert all(isinstance(i, str) and i for i in ids), f"empty or non-str ids in {ids!r}"
        repeated = [i for i, n in Counter(ids).items() if n > 1]
        assert not repeated, f"source_id values listed more than once: {repeated}"

    def test_paths_are_relative_posix_paths(self, source: Source) -> None:
        """``path`` must be relative to the root with ``/`` separators: no leading ``/``, no
        ``.``/``..``/empty segments, no NUL; use ``PurePath.relative_to(root).as_posix()``."""
        require(source, Capability.LISTABLE)
        for entry in list_all(source):
            problem = path_problem(entry.path, allow_backslash=True)
            assert problem is None, f"listed path {entry.path!r} is unsafe: {problem}"

    def test_sizes_are_not_negative(self, source: Source) -> None:
        """``size`` is the byte count of the file: an ``int`` of zero or more, or ``None`` for a
        feed that does not report it."""
        require(source, Capability.LISTABLE)
        for entry in list_all(source):
            if entry.size is None:
                continue
            assert isinstance(entry.size, int), f"{entry.path}: size {entry.size!r} is no int"
            assert entry.size >= 0, f"{entry.path}: size {entry.size} is negative"

    def test_mtimes_are_aware_utc(self, source: Source) -> None:
        """``mtime`` must be a timezone-aware UTC datetime: use
        ``datetime.fromtimestamp(st.st_mtime, tz=UTC)`` or convert with ``.astimezone(UTC)``."""
        require(source, Capability.LISTABLE)
        for entry in list_all(source):
            assert entry.mtime.tzinfo is not None, f"{entry.path}: mtime is naive"
            assert entry.mtime.utcoffset() == timedelta(0), f"{entry.path}: mtime is not UTC"

    def test_mime_types_are_of_declared_media_kinds(self, source: Source) -> None:
        """Each entry's ``mime_type`` must be set and of a kind in ``media_kinds``: guess it
        from the name (``mimetypes.guess_type``) or take the provider's, and skip other files."""
        require(source, Capability.LISTABLE)
        kinds = type(source).media_kinds
        for entry in list_all(source):
            assert entry.mime_type, f"{entry.path}: no mime_type"
            assert entry.kind in kinds, (
                f"{entry.path}: {entry.mime_type} is {entry.kind}, not one of the declared "
                f"media_kinds {sorted(kinds)}"
            )

    def test_listing_twice_gives_the_same_entries(self, source: Source) -> None:
        """Listing an unchanged root twice must give the same ids at the same paths with the
        same sizes: ids must not depend on listing order or on the time of the call."""
        require(source, Capability.LISTABLE)
        first = {e.source_id: (e.path, e.size) for e in list_all(source)}
        second = {e.source_id: (e.path, e.size) for e in list_all(source)}
        assert first == second


class DownloadTests(SourceSuiteBase):
    def test_open_returns_exactly_size_bytes(self, source: Source) -> None:
        """``open(entry)`` must return a binary stream of exactly ``entry.size`` bytes: open
        in binary mode, and follow redirects or pages of a download to the end."""
        require(source, Capability.LISTABLE, Capability.DOWNLOADABLE)
        for entry in list_all(source):
            data = read_bytes(source, entry)
            if entry.size is not None:
                read = f"read {len(data)} of {entry.size} bytes"
                assert len(data) == entry.size, f"{entry.path}: {read}"

    def test_open_returns_the_stored_bytes(
        self, source: Source, media_files: dict[str, bytes]
    ) -> None:
        """The bytes read must be the bytes stored: no transcoding, no text-mode newlines."""
        require(source, Capability.LISTABLE, Capability.DOWNLOADABLE)
        entries = list_all(source)
        if self.paths_are_kept:
            expected = {nfc(path): data for path, data in media_files.items()}
            for entry in entries:
                assert read_bytes(source, entry) == expected[nfc(entry.path)], entry.path
        else:
            read = sorted(sha256_hex(read_bytes(source, e)) for e in entries)
            assert read == sorted(map(sha256_hex, media_files.values()))

    def test_sha256_is_the_hash_of_the_bytes(self, source: Source) -> None:
        """``sha256(entry)`` must be the lowercase hex SHA-256 of the bytes ``open`` returns;
        the default implementation does that, so check an override."""
        require(source, Capability.LISTABLE, Capability.DOWNLOADABLE)
        for entry in list_all(source):
            assert source.sha256(entry) == sha256_hex(read_bytes(source, entry)), entry.path

    def test_native_hash_entries_carry_the_sha256_of_their_bytes(
        self, source: Source, media_files: dict[str, bytes]
    ) -> None:
        """A source declaring NATIVE_HASH must set ``entry.sha256`` on every listed entry to
        the lowercase hex SHA-256 of its bytes (a provider's other hash goes in
        ``native_hash``); drop the capability if the provider has no SHA-256."""
        require(source, Capability.LISTABLE, Capability.NATIVE_HASH)
        entries = list_all(source)
        downloadable = Capability.DOWNLOADABLE in type(source).capabilities
        for entry in entries:
            assert entry.sha256, f"{entry.path}: NATIVE_HASH declared but sha256 is not set"
            if downloadable:
                assert entry.sha256 == sha256_hex(read_bytes(source, entry)), entry.path
        listed = sorted(e.sha256 or "" for e in entries)
        assert listed == sorted(map(sha256_hex, media_files.values()))


class StableIdTests(SourceSuiteBase):
    @pytest.mark.parametrize("move", [False, True], ids=["rename", "move"])
    def test_rename_keeps_the_source_id(
        self, source: Source, rename_media: RenameMedia, move: bool
    ) -> None:
        """A source declaring STABLE_IDS must list a renamed or moved file under its old
        ``source_id`` (a remote file id, never one derived from the path); if your ids are
        path-based, drop STABLE_IDS."""
        require(source, Capability.LISTABLE, Capability.STABLE_IDS)
        before = sorted(list_all(source), key=lambda e: e.path)
        entry = before[0]
        folder = "moved/here" if move else entry.folder
        new_path = posixpath.join(folder, f"renamed {entry.name}")
        rename_media(entry, new_path)
        after = by_id(list_all(source))
        assert entry.source_id in after, f"{entry.path} lost its source_id when renamed"
        assert len(after) == len(before), "a rename added or removed entries"
        renamed = after[entry.source_id]
        assert renamed.size == entry.size
        if self.paths_are_kept:
            assert nfc(renamed.path) == nfc(new_path)
