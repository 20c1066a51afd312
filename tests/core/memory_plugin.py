"""A source plugin that keeps its files in memory, for tests of the core and of the suite.

Roots are keys of a module-level registry (``STORES``), so a test can reach the "remote" side
behind the source's back: add, remove and rename files, or drop the whole root. Every change is
logged with a sequence number, which is what the change feed's cursors count.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import mimetypes
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

import attrs

from mediasync import (
    AuthError,
    Capability,
    ChangePage,
    CursorInvalid,
    FolderListing,
    HealthCheck,
    MediaEntry,
    Provenance,
    Secret,
    Source,
    SourceUnreachable,
    hookimpl,
)

__all__ = [
    "STORES",
    "MemorySettings",
    "MemorySource",
    "MemoryStore",
    "create_store",
    "register_sources",
]


@attrs.frozen
class StoredFile:
    path: str
    data: bytes
    mtime: datetime


@attrs.define
class MemoryStore:
    """The "remote" side of one root: files by id and a log of changes by sequence number."""

    token: str | None = None
    """When set, sources must present this token."""
    files: dict[str, StoredFile] = attrs.field(factory=dict)
    log: list[tuple[int, str]] = attrs.field(factory=list)
    copies: dict[tuple[str, str], tuple[str, Provenance]] = attrs.field(factory=dict)
    """The markers ``upload`` leaves: provenance key → (file id, provenance)."""
    _ids: Iterator[int] = attrs.field(factory=lambda: itertools.count(1))
    _sequence: Iterator[int] = attrs.field(factory=lambda: itertools.count(1))

    @property
    def position(self) -> int:
        return self.log[-1][0] if self.log else 0

    def _changed(self, file_id: str) -> None:
        self.log.append((next(self._sequence), file_id))

    def add(self, path: str, data: bytes) -> str:
        file_id = f"m{next(self._ids)}"
        self.files[file_id] = StoredFile(path, data, datetime.now(UTC))
        self._changed(file_id)
        return file_id

    def remove(self, file_id: str) -> None:
        del self.files[file_id]
        self._changed(file_id)

    def rename(self, file_id: str, new_path: str) -> None:
        self.files[file_id] = attrs.evolve(self.files[file_id], path=new_path)
        self._changed(file_id)

    def id_at(self, path: str) -> str | None:
        return next((i for i, f in self.files.items() if f.path == path), None)


STORES: dict[str, MemoryStore] = {}


def create_store(
    root: str, files: Mapping[str, bytes] | None = None, token: str | None = None
) -> MemoryStore:
    """Creates (or replaces) the store behind ``root``, holding ``files``."""
    store = MemoryStore(token=token)
    for path, data in (files or {}).items():
        store.add(path, data)
    STORES[root] = store
    return store


@attrs.frozen
class MemorySettings:
    token: Secret | None = None
    page_size: int = 100
    """How many logged changes one ``changes`` page covers."""


def _safe_segment(segment: str) -> str:
    cleaned = "".join("_" if ch in "/\\" or ord(ch) < 32 else ch for ch in segment).strip()
    cleaned = cleaned.lstrip(".")
    return cleaned or "unnamed"


def safe_path(folder: str, name: str) -> str:
    """``folder/name`` made safe: each segment cleaned, ``.``/``..``/empty ones dropped."""
    parts = [p for p in folder.replace("\\", "/").split("/") if p not in {"", ".", ".."}]
    return posixpath.join(*[_safe_segment(p) for p in parts], _safe_segment(name))


class MemorySource(Source):
    type_name = "memory"
    description = "Files kept in memory (tests only)."
    capabilities = frozenset(
        {
            Capability.LISTABLE,
            Capability.DOWNLOADABLE,
            Capability.WRITABLE,
            Capability.STABLE_IDS,
            Capability.NATIVE_HASH,
            Capability.CHANGE_FEED,
            Capability.FOLDER_FINGERPRINTS,
        }
    )
    Settings = MemorySettings
    default_strategy = "changes"

    settings: MemorySettings

    def _store(self) -> MemoryStore:
        store = STORES.get(self.root or "")
        if store is None:
            raise SourceUnreachable(f"memory root '{self.root}' does not exist")
        if store.token is not None:
            given = self.settings.token.reveal() if self.settings.token else None
            if given != store.token:
                raise AuthError(f"memory root '{self.root}' refused the token")
        return store

    def _entry(self, file_id: str, stored: StoredFile) -> MediaEntry:
        return MediaEntry(
            source_id=file_id,
            path=stored.path,
            size=len(stored.data),
            mtime=stored.mtime,
            mime_type=mimetypes.guess_type(stored.path)[0],
            sha256=hashlib.sha256(stored.data).hexdigest(),
            native_hash=hashlib.md5(stored.data).hexdigest(),
        )

    def list_entries(self) -> Iterator[MediaEntry]:
        store = self._store()
        for file_id, stored in list(store.files.items()):
            entry = self._entry(file_id, stored)
            if entry.kind in self.media_kinds:
                yield entry

    def list_folders(self) -> Iterator[FolderListing]:
        """The listing grouped by folder; a fingerprint digests each file's id, path, size,
        time and hash."""
        folders: dict[str, list[MediaEntry]] = {}
        for entry in self.list_entries():
            folders.setdefault(entry.folder, []).append(entry)
        for path, entries in folders.items():
            facts = sorted(
                (e.source_id, e.path, e.size, e.mtime.isoformat(), e.sha256) for e in entries
            )
            fingerprint = hashlib.sha256(repr(facts).encode()).hexdigest()
            yield FolderListing(path, fingerprint, len(entries), functools.partial(list, entries))

    def check(self) -> HealthCheck:
        try:
            store = self._store()
        except (SourceUnreachable, AuthError) as exc:
            return HealthCheck.failed(str(exc), fix="create the root or pass the right token")
        return HealthCheck.healthy(f"{len(store.files)} files")

    def open(self, entry: MediaEntry) -> BinaryIO:
        stored = self._store().files.get(entry.source_id)
        if stored is None:
            raise SourceUnreachable(f"memory file {entry.source_id} is gone")
        return io.BytesIO(stored.data)

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        *,
        folder: str = "",
        provenance: Provenance | None = None,
    ) -> MediaEntry:
        store = self._store()
        path = safe_path(folder, name)
        stem, ext = posixpath.splitext(path)
        for n in itertools.count(1):
            if store.id_at(path) is None:
                break
            path = f"{stem} ({n}){ext}"
        file_id = store.add(path, stream.read())
        if provenance is not None:
            store.copies[provenance.key] = (file_id, provenance)
        return attrs.evolve(self._entry(file_id, store.files[file_id]), provenance=provenance)

    def find_copies(self, provenances: Sequence[Provenance]) -> dict[tuple[str, str], MediaEntry]:
        store = self._store()
        found: dict[tuple[str, str], MediaEntry] = {}
        for provenance in provenances:
            file_id, recorded = store.copies.get(provenance.key, ("", provenance))
            if file_id in store.files:
                entry = self._entry(file_id, store.files[file_id])
                found[provenance.key] = attrs.evolve(entry, provenance=recorded)
        return found

    def start_cursor(self) -> str:
        return str(self._store().position)

    def changes(self, cursor: str) -> ChangePage:
        store = self._store()
        if not cursor.isdigit() or int(cursor) > store.position:
            raise CursorInvalid(f"memory cursor {cursor!r} was never issued")
        pending = [(seq, i) for seq, i in store.log if seq > int(cursor)]
        page, more = pending[: self.settings.page_size], len(pending) > self.settings.page_size
        upserts: dict[str, MediaEntry] = {}
        removed: list[str] = []
        for _seq, file_id in page:
            if file_id in store.files:
                entry = self._entry(file_id, store.files[file_id])
                if entry.kind in self.media_kinds:
                    upserts[file_id] = entry
            elif file_id not in removed:
                removed.append(file_id)
        next_cursor = str(page[-1][0]) if page else cursor
        return ChangePage(tuple(upserts.values()), tuple(removed), next_cursor, more)


@hookimpl
def register_sources(register: Any) -> None:
    register(MemorySource)
