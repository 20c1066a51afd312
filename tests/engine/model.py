"""The model behind ``test_model.py``: a folder's files as the test knows them, and what the
index must look like after a sync, computed from the index before it by the matching rules
written out plainly (no batches, no fingerprints, no SQL).

The engine must agree with this reference whatever its batch size, its folder skipping, its
order of listing, and wherever an earlier run was killed: the reference starts from the index
as it really is before each sync.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Mapping

import attrs

JPEG = b"\xff\xd8\xff\xe0"


def content(tag: int, *, wide: bool = False) -> bytes:
    """Bytes of a small JPEG-looking file; tags of one width give files of one size."""
    return JPEG + f"c{tag}".encode().ljust(24 if wide else 16, b".")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@attrs.define
class ModelFile:
    data: bytes
    identifier: str
    """What the relabelled source lists as the file's ``source_id`` (its "inode")."""
    mtime_ns: int
    versions: dict[tuple[int, int], set[bytes]] = attrs.field(factory=dict)
    """Every content the file had, by (size, modification time): an edit that comes back to
    facts the index holds is invisible to a sync (not to ``--verify``), so the index may
    rightly hold any of the contents the file had under those facts."""

    def __attrs_post_init__(self) -> None:
        self.record()

    def record(self) -> None:
        """Call after every change of bytes or time."""
        self.versions.setdefault((len(self.data), self.mtime_ns), set()).add(self.data)

    def indexed_as(self, row: Row) -> bool:
        """Whether ``row`` is this file as a sync may rightly have left it: its bytes, or bytes
        it had with the same size and time (an invisible edit)."""
        if row.sha256 == sha256(self.data):
            return True
        if (row.size, row.mtime_us) != (len(self.data), self.mtime_ns // 1000):
            return False
        earlier = self.versions.get((len(self.data), self.mtime_ns), set())
        return row.sha256 in {sha256(data) for data in earlier}


@attrs.frozen
class Row:
    id: int
    external_id: str
    path: str
    size: int
    mtime_us: int
    sha256: str | None
    active: bool


@attrs.frozen
class Expected:
    items: Mapping[str, int | None]
    """Per listed path: the id of the item it must be, or ``None`` for a new item."""
    removed: frozenset[int]
    """Active items that must be removed (or held back)."""
    held: bool
    refused: bool
    """The listing is empty while items are active: the source counts as unreachable and the
    run changes nothing (a missing mount looks just like that)."""


def expect(
    rows: Iterable[Row],
    files: Mapping[str, ModelFile],
    *,
    allow_mass_removal: bool,
    share: float,
    floor: int,
) -> Expected:
    """What a complete sync of ``files`` makes of the index ``rows`` (the rules of
    ``mediasync._sync.index``, one after the other over the whole listing)."""
    rows = list(rows)
    claimed: set[int] = set()
    items: dict[str, int | None] = {}
    same_place = {(r.path, r.external_id): r for r in rows if r.active}
    # 1. same path, same identifier
    pending: list[str] = []
    for path, file in files.items():
        row = same_place.get((path, file.identifier))
        if row is None:
            pending.append(path)
        else:
            items[path] = row.id
            claimed.add(row.id)
    # 2. same identifier elsewhere: the active item, else the latest removed one; confirmed by
    # size and time, or by the bytes (under --verify too: unchanged facts name the file)
    by_identifier: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: r.id):
        known = by_identifier.get(row.external_id)
        if known is None or not known.active:
            by_identifier[row.external_id] = row
    by_path: list[str] = []
    for path in pending:
        file = files[path]
        row = by_identifier.get(file.identifier)
        same_facts = row is not None and (row.size, row.mtime_us) == (
            len(file.data),
            file.mtime_ns // 1000,
        )
        if (
            row is not None
            and row.id not in claimed
            and (same_facts or row.sha256 == sha256(file.data))
        ):
            items[path] = row.id
            claimed.add(row.id)
        else:
            by_path.append(path)
    # 3. by path, once all of the above is claimed: replace the active item there, or restore
    # a removed one with the same bytes
    for path in by_path:
        free = [r for r in rows if r.path == path and r.id not in claimed]
        active = [r for r in free if r.active]
        returned = [r for r in free if not r.active and r.sha256 == sha256(files[path].data)]
        chosen = max(active or returned, key=lambda r: r.id, default=None)
        items[path] = None if chosen is None else chosen.id
        if chosen is not None:
            claimed.add(chosen.id)
    # 4. a new file with the bytes of an item that vanished is that item, renamed or moved:
    # files in path order; among twins, the one with the file's name, then the first by path
    for path in sorted(p for p, item in items.items() if item is None):
        data = files[path].data
        twins = [
            r
            for r in rows
            if r.active and r.id not in claimed and r.size == len(data) and r.sha256 == sha256(data)
        ]
        name = posixpath.basename(path)
        twin = min(
            twins, key=lambda r: (posixpath.basename(r.path) != name, r.path, r.id), default=None
        )
        if twin is not None:
            items[path] = twin.id
            claimed.add(twin.id)
    removed = frozenset(r.id for r in rows if r.active and r.id not in claimed)
    before = sum(1 for r in rows if r.active)
    held = (
        bool(removed)
        and len(removed) > share * before
        and before > floor
        and not allow_mass_removal
    )
    return Expected(items, removed, held, refused=not files and before > 0)
