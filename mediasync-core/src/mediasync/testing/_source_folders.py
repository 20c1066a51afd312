"""Conformance tests for ``list_folders`` (``FOLDER_FINGERPRINTS``).

The engine skips a folder whose fingerprint equals the stored one without looking at its
files, so a fingerprint that fails to change loses changes silently: these tests are strict.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator

from mediasync._db.times import mtime_us
from mediasync._models import Capability, MediaEntry
from mediasync._source import FolderFiles, FolderListing, Source
from mediasync.testing._helpers import list_all, require
from mediasync.testing._source_base import SourceSuiteBase

__all__ = ["FolderListingTests"]


def list_folders(source: Source) -> list[FolderListing]:
    """The whole folder listing, checking that ``list_folders`` returns an iterator."""
    listing = source.list_folders()
    assert isinstance(listing, Iterator), (
        f"{type(source).__name__}.list_folders() returned {type(listing).__name__}, not an "
        "iterator: make it a generator (`yield` each folder) so listings stream"
    )
    return list(listing)


def _key(entry: MediaEntry) -> tuple[str, str, int | None, object, str | None]:
    return (entry.source_id, entry.path, entry.size, entry.mtime, entry.mime_type)


class FolderListingTests(SourceSuiteBase):
    def test_folders_hold_exactly_the_listing(self, source: Source) -> None:
        """``list_folders()`` must yield ``FolderListing`` objects whose entries, all
        together, are exactly what ``list_entries()`` yields: same ids, paths, sizes, times
        and types. Build both from one walk so they cannot drift apart."""
        require(source, Capability.LISTABLE, Capability.FOLDER_FINGERPRINTS)
        folders = list_folders(source)
        assert all(isinstance(f, FolderListing) for f in folders), "yield FolderListing objects"
        from_folders = sorted(_key(e) for f in folders for e in f.entries())
        assert from_folders == sorted(_key(e) for e in list_all(source))

    def test_each_folder_once_with_its_own_files(self, source: Source) -> None:
        """Each folder is yielded once; ``path`` is its entries' ``folder`` (``""`` for the
        root) and ``count`` the number of its entries: the engine trusts both without reading
        the entries of an unchanged folder."""
        require(source, Capability.LISTABLE, Capability.FOLDER_FINGERPRINTS)
        folders = list_folders(source)
        repeated = [p for p, n in Counter(f.path for f in folders).items() if n > 1]
        assert not repeated, f"folders yielded more than once: {repeated}"
        for folder in folders:
            entries = folder.entries()
            assert folder.count == len(entries), f"{folder.path!r}: count is not len(entries)"
            strays = [e.path for e in entries if e.folder != folder.path]
            assert not strays, f"{folder.path!r} holds entries of other folders: {strays}"
            assert isinstance(folder.fingerprint, str), "a fingerprint is a str"
            assert folder.fingerprint, "a fingerprint must not be empty"

    def test_folder_files_keys_describe_their_entries(self, source: Source) -> None:
        """Where ``build`` returns ``FolderFiles``, ``keys()[i]`` must be entry ``i``'s name,
        id, size, time in microseconds and revision, and entries must carry no ``sha256``:
        the engine skips a file whose key matches the index without building its entry."""
        require(source, Capability.LISTABLE, Capability.FOLDER_FINGERPRINTS)
        for folder in list_folders(source):
            entries = folder.entries()
            if not isinstance(entries, FolderFiles):
                continue
            keys = list(entries.keys())
            described = [
                (e.name, e.source_id, e.size, mtime_us(e.mtime), e.revision) for e in entries
            ]
            assert keys == described, f"{folder.path!r}: keys() differ from the entries"
            assert [entries[i] for i in range(len(entries))] == list(entries), (
                f"{folder.path!r}: entries[i] differs from iterating the entries"
            )
            hashed = [e.path for e in entries if e.sha256 is not None]
            assert not hashed, f"FolderFiles entries must not carry a sha256: {hashed}"

    def test_fingerprints_are_stable_while_nothing_changes(self, source: Source) -> None:
        """Listing an unchanged root twice must give every folder the same fingerprint:
        derive it from the files (names, ids, sizes, times), never from the time of the call
        or from object identities."""
        require(source, Capability.LISTABLE, Capability.FOLDER_FINGERPRINTS)
        first = {f.path: f.fingerprint for f in list_folders(source)}
        second = {f.path: f.fingerprint for f in list_folders(source)}
        assert first == second

    def test_fingerprint_changes_when_a_file_is_added(
        self, source: Source, upload_bytes: Callable[[int], bytes]
    ) -> None:
        """A file written into a folder must change that folder's fingerprint (and no other
        folder's): otherwise the next sync would never see the new file."""
        require(
            source,
            Capability.LISTABLE,
            Capability.FOLDER_FINGERPRINTS,
            Capability.WRITABLE,
        )
        before = {f.path: f.fingerprint for f in list_folders(source)}
        folder = max(before, key=len)
        written = source.upload(io.BytesIO(upload_bytes(7)), self.upload_name, folder=folder)
        after = {f.path: f.fingerprint for f in list_folders(source)}
        assert after[written.folder] != before.get(written.folder), (
            f"folder {written.folder!r} kept its fingerprint after a file was added to it"
        )
        unchanged = {p: fp for p, fp in after.items() if p != written.folder}
        assert unchanged == {p: fp for p, fp in before.items() if p != written.folder}
