"""The conformance suite against the in-memory source, and the suite against broken sources.

``TestMemorySource`` is what a plugin author writes. The tests after it prove the suite has
teeth: each breaks one promise of the in-memory source and expects the matching test to fail.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any, BinaryIO

import attrs
import pytest
from core.memory_plugin import (
    STORES,
    MemorySettings,
    MemorySource,
    MemoryStore,
    create_store,
)

from mediasync import AuthError, FileKey, FolderFiles, FolderListing, MediaEntry, Secret, Source
from mediasync._db.times import mtime_us
from mediasync.testing import (
    AddMedia,
    MediasyncCli,
    RemoveMedia,
    RenameMedia,
    SourceConformance,
    default_media_files,
    sample_jpeg,
)

pytest_plugins = ["mediasync.testing.fixtures"]

TOKEN = "memory-token-1234"


def memory_source(root: str, page_size: int = 2) -> MemorySource:
    return MemorySource("test", root, MemorySettings(token=Secret(TOKEN), page_size=page_size))


@pytest.fixture
def store_root() -> Iterator[str]:
    root = f"memory-{uuid.uuid4().hex}"
    yield root
    STORES.pop(root, None)


class TestMemorySource(SourceConformance):
    """What a plugin author writes: the ``source`` fixture and the optional mutations."""

    @pytest.fixture
    def source(self, store_root: str, media_files: dict[str, bytes]) -> MemorySource:
        create_store(store_root, media_files, token=TOKEN)
        return memory_source(store_root)

    @pytest.fixture
    def store(self, source: MemorySource) -> MemoryStore:
        return STORES[source.root or ""]

    @pytest.fixture
    def missing_root_source(self) -> MemorySource:
        return memory_source(f"memory-missing-{uuid.uuid4().hex}")

    @pytest.fixture
    def add_media(self, store: MemoryStore) -> AddMedia:
        def add(path: str, data: bytes) -> None:
            store.add(path, data)

        return add

    @pytest.fixture
    def remove_media(self, store: MemoryStore) -> RemoveMedia:
        return lambda entry: store.remove(entry.source_id)

    @pytest.fixture
    def rename_media(self, store: MemoryStore) -> RenameMedia:
        return lambda entry, new_path: store.rename(entry.source_id, new_path)


def test_a_wrong_token_fails_the_check_and_the_listing(store_root: str) -> None:
    create_store(store_root, default_media_files(), token=TOKEN)
    source = MemorySource("t", store_root, MemorySettings(token=Secret("wrong")))
    result = source.check()
    assert not result.ok
    assert result.problem == f"memory root '{store_root}' refused the token"
    with pytest.raises(AuthError):
        list(source.list_entries())


# -- the suite against broken sources ------------------------------------------------------

SUITE = SourceConformance()
SuiteFailure = (AssertionError, pytest.fail.Exception)


def broken(
    base: type[MemorySource], **overrides: Callable[..., Any]
) -> Callable[[str], MemorySource]:
    """A subclass of ``base`` with some methods replaced, and a factory of its instances."""
    cls = type(f"Broken{base.__name__}", (base,), dict(overrides))

    def make(root: str) -> MemorySource:
        source: MemorySource = cls("broken", root, MemorySettings(token=Secret(TOKEN)))
        return source

    return make


def populated(store_root: str) -> dict[str, bytes]:
    files = default_media_files()
    create_store(store_root, files, token=TOKEN)
    return files


def test_suite_fails_a_source_that_overwrites_on_upload(store_root: str) -> None:
    def upload(self: MemorySource, stream: BinaryIO, name: str, **_: Any) -> MediaEntry:
        store = STORES[store_root]
        existing = store.id_at(name)
        if existing is not None:
            store.remove(existing)
        file_id = store.add(name, stream.read())
        return self._entry(file_id, store.files[file_id])

    source = broken(MemorySource, upload=upload)(store_root)
    files = populated(store_root)
    with pytest.raises(SuiteFailure, match="two uploads returned the same path"):
        SUITE.test_uploading_a_taken_name_keeps_both_files(source, sample_jpeg, files)


def test_suite_fails_a_source_that_trusts_hostile_names(store_root: str) -> None:
    def upload(self: MemorySource, stream: BinaryIO, name: str, folder: str = "", **_: Any) -> Any:
        store = STORES[store_root]
        path = f"{folder}/{name}" if folder else name
        file_id = store.add(path, stream.read())
        return self._entry(file_id, store.files[file_id])

    source = broken(MemorySource, upload=upload)(store_root)
    files = populated(store_root)
    with pytest.raises(SuiteFailure, match=r"gave '\.\./\.\./etc/passwd': it has a '\.\.' segment"):
        SUITE.test_hostile_names_stay_inside_the_root(source, sample_jpeg, files, None)


def test_suite_fails_a_writable_source_that_keeps_no_copy_markers(store_root: str) -> None:
    source = broken(MemorySource, find_copies=Source.find_copies)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="did not find the upload with provenance"):
        SUITE.test_upload_with_provenance_is_found_by_find_copies(source, sample_jpeg)


def test_suite_fails_markers_kept_only_in_the_instance(store_root: str) -> None:
    remembered: dict[int, dict[tuple[str, str], MediaEntry]] = {}

    def upload(self: MemorySource, stream: BinaryIO, name: str, **kwargs: Any) -> MediaEntry:
        entry = MemorySource.upload(self, stream, name, **kwargs)
        STORES[store_root].copies.clear()  # as if the marker lived in this instance only
        remembered.setdefault(id(self), {})[kwargs["provenance"].key] = entry
        return entry

    def find_copies(self: MemorySource, provenances: Any) -> dict[tuple[str, str], MediaEntry]:
        known = remembered.get(id(self), {})
        return {p.key: known[p.key] for p in provenances if p.key in known}

    source = broken(MemorySource, upload=upload, find_copies=find_copies)(store_root)
    populated(store_root)
    SUITE.test_upload_with_provenance_is_found_by_find_copies(source, sample_jpeg)
    with pytest.raises(SuiteFailure, match="did not find the upload"):
        SUITE.test_a_new_instance_finds_the_copies_of_an_earlier_one(source, sample_jpeg)


def test_suite_fails_markers_keyed_by_identifier_alone(store_root: str) -> None:
    def find_copies(self: MemorySource, provenances: Any) -> dict[tuple[str, str], MediaEntry]:
        store = STORES[store_root]
        file_ids = {source_id: file_id for (_, source_id), (file_id, _) in store.copies.items()}
        found = {}
        for provenance in provenances:
            file_id = file_ids.get(provenance.source_id)
            if file_id is not None:
                entry = self._entry(file_id, store.files[file_id])
                found[provenance.key] = attrs.evolve(entry, provenance=provenance)
        return found

    source = broken(MemorySource, find_copies=find_copies)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="for a copy of"):
        SUITE.test_copies_are_told_apart_by_source_and_identifier(source, sample_jpeg)


def test_suite_fails_path_based_ids_that_claim_to_be_stable(store_root: str) -> None:
    def entry(self: MemorySource, file_id: str, stored: Any) -> MediaEntry:
        real = MemorySource._entry(self, file_id, stored)
        return MediaEntry(real.path, real.path, real.size, real.mtime, real.mime_type, real.sha256)

    source = broken(MemorySource, _entry=entry)(store_root)
    populated(store_root)
    store = STORES[store_root]

    def rename(entry: MediaEntry, new_path: str) -> None:
        file_id = store.id_at(entry.path)
        assert file_id is not None
        store.rename(file_id, new_path)

    with pytest.raises(SuiteFailure, match="lost its source_id"):
        SUITE.test_rename_keeps_the_source_id(source, rename, move=True)


def test_suite_fails_naive_modification_times(store_root: str) -> None:
    def entry(self: MemorySource, file_id: str, stored: Any) -> MediaEntry:
        real = MemorySource._entry(self, file_id, stored)
        naive = datetime(2024, 5, 1, 12, 0)
        return MediaEntry(real.source_id, real.path, real.size, naive, real.mime_type)

    source = broken(MemorySource, _entry=entry)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="mtime is naive"):
        SUITE.test_mtimes_are_aware_utc(source)


def test_suite_fails_an_empty_listing_of_a_missing_root(store_root: str) -> None:
    def list_entries(self: MemorySource) -> Iterator[MediaEntry]:
        if self.root in STORES:
            yield from MemorySource.list_entries(self)

    source = broken(MemorySource, list_entries=list_entries)(store_root)
    with pytest.raises(SuiteFailure, match="DID NOT RAISE"):
        SUITE.test_listing_a_missing_root_raises_source_unreachable(source)


def test_suite_fails_a_change_feed_that_starts_at_the_beginning(store_root: str) -> None:
    source = broken(MemorySource, start_cursor=lambda self: "0")(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="nothing changed"):
        SUITE.test_change_feed_is_quiet_without_changes(source)


def test_suite_fails_a_native_hash_of_other_bytes(store_root: str) -> None:
    def entry(self: MemorySource, file_id: str, stored: Any) -> MediaEntry:
        real = MemorySource._entry(self, file_id, stored)
        return MediaEntry(real.source_id, real.path, real.size, real.mtime, real.mime_type, "0")

    source = broken(MemorySource, _entry=entry)(store_root)
    files = populated(store_root)
    with pytest.raises(SuiteFailure):
        SUITE.test_native_hash_entries_carry_the_sha256_of_their_bytes(source, files)


def test_suite_fails_a_short_download(store_root: str) -> None:
    def open_(self: MemorySource, entry: MediaEntry) -> BinaryIO:
        return io.BytesIO(MemorySource.open(self, entry).read()[:-1])

    source = broken(MemorySource, open=open_)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match=r"read \d+ of \d+ bytes"):
        SUITE.test_open_returns_exactly_size_bytes(source)


def test_suite_fails_a_fingerprint_that_ignores_new_files(store_root: str) -> None:
    def list_folders(self: MemorySource) -> Iterator[FolderListing]:
        for listing in MemorySource.list_folders(self):
            yield attrs.evolve(listing, fingerprint=f"fixed:{listing.path}")

    source = broken(MemorySource, list_folders=list_folders)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="kept its fingerprint after a file was added"):
        SUITE.test_fingerprint_changes_when_a_file_is_added(source, sample_jpeg)


def test_suite_fails_folders_that_lose_a_file(store_root: str) -> None:
    def list_folders(self: MemorySource) -> Iterator[FolderListing]:
        for listing in MemorySource.list_folders(self):
            kept = list(listing.entries())[:-1]
            yield FolderListing(listing.path, listing.fingerprint, len(kept), partial(list, kept))

    source = broken(MemorySource, list_folders=list_folders)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure):
        SUITE.test_folders_hold_exactly_the_listing(source)


def test_suite_fails_a_folder_count_that_is_not_its_entries(store_root: str) -> None:
    def list_folders(self: MemorySource) -> Iterator[FolderListing]:
        for listing in MemorySource.list_folders(self):
            yield attrs.evolve(listing, count=listing.count + 1)

    source = broken(MemorySource, list_folders=list_folders)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match="count is not len"):
        SUITE.test_each_folder_once_with_its_own_files(source)


class OffByOneKeys(FolderFiles):
    """Entries whose keys give every size one byte more than the entry's."""

    def __init__(self, entries: list[MediaEntry]) -> None:
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: Any) -> Any:
        return self.entries[index]

    def keys(self) -> list[FileKey]:
        return [
            (e.name, e.source_id, (e.size or 0) + 1, mtime_us(e.mtime), e.revision)
            for e in self.entries
        ]


def _same(built: OffByOneKeys) -> OffByOneKeys:
    return built


def test_suite_fails_folder_files_whose_keys_are_not_their_entries(store_root: str) -> None:
    def list_folders(self: MemorySource) -> Iterator[FolderListing]:
        for listing in MemorySource.list_folders(self):
            built = OffByOneKeys(list(listing.entries()))
            yield attrs.evolve(listing, build=partial(_same, built))

    source = broken(MemorySource, list_folders=list_folders)(store_root)
    populated(store_root)
    with pytest.raises(SuiteFailure, match=r"keys\(\) differ"):
        SUITE.test_folder_files_keys_describe_their_entries(source)


class ListOnlySource(Source):
    type_name = "list-only"

    def list_entries(self) -> Iterator[MediaEntry]:
        return iter(())

    def check(self) -> Any:
        raise AssertionError("not called")


@pytest.mark.parametrize(
    ("test", "capability"),
    [
        (SUITE.test_open_returns_exactly_size_bytes, "DOWNLOADABLE"),
        (SUITE.test_native_hash_entries_carry_the_sha256_of_their_bytes, "NATIVE_HASH"),
        (SUITE.test_upload_appears_in_the_listing_with_the_same_bytes, "WRITABLE"),
        (SUITE.test_upload_with_provenance_is_found_by_find_copies, "WRITABLE"),
        (SUITE.test_rename_keeps_the_source_id, "STABLE_IDS"),
        (SUITE.test_change_feed_is_quiet_without_changes, "CHANGE_FEED"),
        (SUITE.test_folders_hold_exactly_the_listing, "FOLDER_FINGERPRINTS"),
    ],
    ids=[
        "DOWNLOADABLE",
        "NATIVE_HASH",
        "WRITABLE",
        "COPY_MARKERS",
        "STABLE_IDS",
        "CHANGE_FEED",
        "FOLDERS",
    ],
)
def test_suite_skips_what_a_source_does_not_declare(
    test: Callable[..., None], capability: str
) -> None:
    source = ListOnlySource("l", "/nowhere", None)
    arguments = {
        "upload_bytes": sample_jpeg,
        "media_files": {},
        "rename_media": lambda entry, path: None,
        "move": False,
    }
    parameters = test.__code__.co_varnames[1 : test.__code__.co_argcount]
    message = f"source type 'list-only' does not declare Capability.{capability}"
    with pytest.raises(pytest.skip.Exception, match=message):
        test(source, **{name: arguments[name] for name in parameters if name != "source"})


# -- the mediasync_cli fixture with the memory plugin ----------------------------------------


@pytest.fixture
def cli(mediasync_cli: MediasyncCli, mediasync_builtins: list[tuple[str, object]]) -> MediasyncCli:
    from core import memory_plugin

    mediasync_builtins.append(("memory", memory_plugin))
    return mediasync_cli


def test_plugins_lists_the_memory_source(cli: MediasyncCli) -> None:
    records = {record["name"]: record for record in cli.json("plugins")}
    assert records["memory"]["status"] == "ok"
    assert records["memory"]["registered"]["sources"] == ["memory"]


def test_memory_settings_keep_secret_references_and_convert_types(
    cli: MediasyncCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMORY_TOKEN", TOKEN)
    args = ["--root", "r", "--set", "token=$env:MEMORY_TOKEN", "--set", "page_size=7"]
    added = cli.json("sources", "add", "mem", "--type", "memory", *args)
    assert added["settings"] == {"token": "$env:MEMORY_TOKEN", "page_size": 7}
    assert TOKEN not in str(cli("sources", "show", "mem", "--json").stdout)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("page_size=lots", "setting 'page_size'"),
        ("colour=red", "unknown setting 'colour' (known: token, page_size)"),
    ],
)
def test_bad_memory_settings_name_the_key(cli: MediasyncCli, setting: str, message: str) -> None:
    result = cli("sources", "add", "mem", "--type", "memory", "--root", "r", "--set", setting)
    assert result.exit_code == 2
    assert message in result.stderr
