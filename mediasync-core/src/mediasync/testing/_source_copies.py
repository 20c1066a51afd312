"""Conformance tests for the markers a copy leaves in a writable source (``find_copies``)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from mediasync._models import Capability, MediaEntry, Provenance
from mediasync._source import Source
from mediasync.testing._helpers import by_id, list_all, read_bytes, require
from mediasync.testing._source_base import SourceSuiteBase

__all__ = ["CopyMarkerTests"]

COPIED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _copy(source: Source, data: bytes, name: str, provenance: Provenance) -> MediaEntry:
    entry = source.upload(io.BytesIO(data), name, folder="copies", provenance=provenance)
    assert isinstance(entry, MediaEntry), f"upload() returned {entry!r}, not a MediaEntry"
    assert entry.provenance == provenance, (
        "upload(provenance=P) must return the entry carrying P (attrs.evolve(entry, "
        f"provenance=provenance)); it carried {entry.provenance!r}"
    )
    return entry


class CopyMarkerTests(SourceSuiteBase):
    def _assert_found(
        self,
        source: Source,
        found: object,
        provenance: Provenance,
        entry: MediaEntry,
        data: bytes,
    ) -> None:
        assert isinstance(found, Mapping), (
            f"find_copies() returned {type(found).__name__}, not a mapping"
        )
        copies = dict(found)
        assert provenance.key in copies, (
            f"find_copies() did not find the upload with provenance {provenance!r}: keep a "
            "marker beside the file in upload() (a manifest, file properties) and look it up "
            "by Provenance.key"
        )
        copy = copies[provenance.key]
        assert isinstance(copy, MediaEntry)
        assert (copy.source_id, copy.path, copy.size) == (
            entry.source_id,
            entry.path,
            entry.size,
        ), (
            "find_copies() must return the entry the listing gives the file (same source_id, "
            f"path and size as upload() returned): got {copy!r}"
        )
        carried = None if copy.provenance is None else copy.provenance.key
        assert carried == provenance.key, (
            "the entry find_copies() returns must carry the copy's provenance"
        )
        if Capability.LISTABLE in type(source).capabilities:
            listed = by_id(list_all(source)).get(copy.source_id)
            assert listed is not None, "find_copies() gave a file the listing does not hold"
            assert listed.path == copy.path, "the listing has the copy at another path"
            if Capability.DOWNLOADABLE in type(source).capabilities:
                assert read_bytes(source, listed) == data

    def test_upload_with_provenance_is_found_by_find_copies(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """``upload(..., provenance=P)`` must keep a marker of ``P`` beside the file, and
        ``find_copies([P, ...])`` must give that file's entry under ``P.key``, and nothing for
        provenances never uploaded: it is what keeps ``mediasync copy`` from copying twice
        when the index is lost or a run stopped between an upload and its index write."""
        require(source, Capability.WRITABLE)
        data = upload_bytes(20)
        copied = Provenance("conformance", "origin", "item-1", COPIED_AT)
        never = Provenance("conformance", "origin", "item-2", COPIED_AT)
        entry = _copy(source, data, self.upload_name, copied)
        found = source.find_copies([copied, never])
        self._assert_found(source, found, copied, entry, data)
        assert never.key not in found, "find_copies() found a provenance never uploaded"

    def test_a_new_instance_finds_the_copies_of_an_earlier_one(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """Markers must outlive the instance that wrote them: a source made anew with the same
        name, root and settings (the next ``mediasync copy``) must find them. Keep them with
        the files, not in the instance."""
        require(source, Capability.WRITABLE)
        data = upload_bytes(21)
        copied = Provenance("conformance", "origin", "item-3", COPIED_AT)
        entry = _copy(source, data, self.upload_name, copied)
        fresh = type(source)(source.name, source.root, source.settings)
        try:
            self._assert_found(fresh, fresh.find_copies([copied]), copied, entry, data)
        finally:
            fresh.close()

    def test_copies_are_told_apart_by_source_and_identifier(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """An identifier is unique within its source only: item ``7`` of source ``one`` and
        item ``7`` of source ``two`` are different copies. Key markers by both
        (``Provenance.key``)."""
        require(source, Capability.WRITABLE)
        one = Provenance("conformance", "one", "7", COPIED_AT)
        two = Provenance("conformance", "two", "7", COPIED_AT)
        entry = _copy(source, upload_bytes(22), self.upload_name, one)
        found = source.find_copies([one, two])
        assert set(found) == {one.key}, (
            f"find_copies() gave {sorted(found)} for a copy of {one.key} only"
        )
        assert found[one.key].source_id == entry.source_id

    def test_an_upload_with_provenance_never_overwrites(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """Two copies under one name are two files: ``upload`` must write the second under
        another name (``photo (1).jpg``), never over the first, and ``find_copies`` must find
        each at its own path."""
        require(source, Capability.WRITABLE)
        first_data, second_data = upload_bytes(23), upload_bytes(24)
        first_copy = Provenance("conformance", "origin", "item-4", COPIED_AT)
        second_copy = Provenance("conformance", "origin", "item-5", COPIED_AT)
        first = _copy(source, first_data, self.upload_name, first_copy)
        second = _copy(source, second_data, self.upload_name, second_copy)
        assert first.source_id != second.source_id, "the second copy replaced the first"
        assert first.path != second.path, "two copies returned the same path"
        found = source.find_copies([first_copy, second_copy])
        self._assert_found(source, found, first_copy, first, first_data)
        self._assert_found(source, found, second_copy, second, second_data)
