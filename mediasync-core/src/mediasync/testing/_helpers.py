"""Helpers the conformance tests use, public so an author's own tests can use them too."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping

import pytest

from mediasync._models import Capability, MediaEntry
from mediasync._source import ChangePage, Source

__all__ = [
    "AddMedia",
    "RemoveMedia",
    "RenameMedia",
    "by_id",
    "drain_changes",
    "list_all",
    "nfc",
    "path_problem",
    "read_bytes",
    "require",
    "sha256_hex",
]

AddMedia = Callable[[str, bytes], None]
"""Puts ``bytes`` at ``path`` under the source's root behind the source's back."""
RemoveMedia = Callable[[MediaEntry], None]
"""Deletes the file behind ``entry`` behind the source's back."""
RenameMedia = Callable[[MediaEntry, str], None]
"""Renames or moves the file behind ``entry`` to a new path, behind the source's back."""

MAX_CHANGE_PAGES = 1000


def require(source: Source, *capabilities: Capability) -> None:
    """Skips the running test unless ``source`` declares every one of ``capabilities``."""
    missing = [c for c in capabilities if c not in type(source).capabilities]
    if missing:
        names = ", ".join(f"Capability.{c.name}" for c in missing)
        pytest.skip(f"source type '{type(source).type_name}' does not declare {names}")


def nfc(path: str) -> str:
    """The NFC form of ``path``, so names compare equal whatever the file system normalised."""
    return unicodedata.normalize("NFC", path)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def list_all(source: Source) -> list[MediaEntry]:
    """The whole listing of ``source``, checking that ``list_entries`` returns an iterator."""
    listing = source.list_entries()
    assert isinstance(listing, Iterator), (
        f"{type(source).__name__}.list_entries() returned {type(listing).__name__}, not an "
        "iterator: make it a generator (`yield` each entry) so listings stream"
    )
    return list(listing)


def by_id(entries: Iterable[MediaEntry]) -> dict[str, MediaEntry]:
    return {entry.source_id: entry for entry in entries}


def read_bytes(source: Source, entry: MediaEntry) -> bytes:
    """Every byte of ``entry`` through ``Source.open``, closing the stream afterwards."""
    with source.open(entry) as stream:
        data = stream.read()
    assert isinstance(data, bytes), (
        f"{type(source).__name__}.open() returned a stream whose read() gave "
        f"{type(data).__name__}, not bytes: open the file in binary mode"
    )
    return data


def path_problem(path: str, *, allow_backslash: bool = False) -> str | None:
    """What is unsafe about a path a source reported, or ``None`` when it is fine.

    A path must be relative to the root, use ``/`` between segments, and hold no empty, ``.``
    or ``..`` segment, no NUL, and (unless ``allow_backslash``: a name found on a POSIX file
    system may hold one) no backslash.
    """
    if not path:
        return "it is empty"
    if path.startswith("/"):
        return "it starts with '/' (paths are relative to the root)"
    if "\x00" in path:
        return "it contains a NUL character"
    if "\\" in path and not allow_backslash:
        return "it contains a backslash (use '/' between folders; replace it in names)"
    for segment in path.split("/"):
        if segment in {"", ".", ".."}:
            return f"it has a {segment or 'empty'!r} segment"
    return None


def drain_changes(source: Source, cursor: str) -> ChangePage:
    """Reads ``Source.changes`` from ``cursor`` until ``more`` is false, merged into one page.

    An upsert of an identifier replaces its earlier upserts; a removal after an upsert drops it.
    """
    upserts: dict[str, MediaEntry] = {}
    removed: dict[str, None] = {}
    for _ in range(MAX_CHANGE_PAGES):
        page = source.changes(cursor)
        assert isinstance(page, ChangePage), (
            f"changes() returned {type(page).__name__}, not a ChangePage"
        )
        assert isinstance(page.cursor, str), "changes() must return a str cursor"
        assert page.cursor, "changes() returned an empty cursor"
        for entry in page.upserts:
            removed.pop(entry.source_id, None)
            upserts[entry.source_id] = entry
        for source_id in page.removed:
            upserts.pop(source_id, None)
            removed[source_id] = None
        cursor = page.cursor
        if not page.more:
            return ChangePage(tuple(upserts.values()), tuple(removed), cursor)
    raise AssertionError(f"changes() still said more=True after {MAX_CHANGE_PAGES} pages")


def expected_sizes(files: Mapping[str, bytes]) -> list[int]:
    return sorted(len(data) for data in files.values())
