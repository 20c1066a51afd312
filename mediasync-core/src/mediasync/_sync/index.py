"""The diff of a listing against the index, in bounded batches (the engine behind ``SyncIndex``).

How an entry from the listing is matched to an indexed item, in order:

1. Same path, same source identifier: the same file. Unchanged when size and modification time
   are too (the file is not opened); otherwise its hash decides between "modified" and a silent
   metadata refresh.
2. Same source identifier at another path: the same file renamed or moved (or restored, if the
   item was removed). Without ``STABLE_IDS`` the identifier (device and inode) may have been
   reused, so a changed size or time is confirmed by hash before the item is claimed; a
   mismatch leaves the item unclaimed, takes the identifier from it, and the entry goes on to
   the rules by path.
3. Neither, but an unclaimed active item sits at that path: the file was replaced in place (an
   editor's atomic save gives a new inode). Otherwise a removed item at that path with the same
   bytes: the file returned, restored. Both are decided only when the listing is complete,
   because such an item may yet be claimed elsewhere by its identifier.
4. Otherwise, without ``STABLE_IDS``: an item that vanished in this run with the same size and
   SHA-256 is this file renamed or moved (a copy then a delete; track-renames), paired once the
   listing is complete, new files in path order, the twin with the file's name first, then by
   path (``_pair_by_content``). Otherwise: added.

Invariants of a complete run (``tests/engine/test_model.py`` checks them on random histories):

- the active items are exactly the listed files, one per path, with their size and hash;
- an item keeps its id while its file keeps its path or its identifier and bytes, when a file
  with its bytes returns to its path after it was removed, and when it vanishes while a new
  file with its bytes appears (without stable identifiers);
- items are never deleted: a removed item keeps its history and comes back with it;
- a run over an unchanged listing writes nothing and reports nothing.

A held run (removals over the mass-removal share) applies everything but the removals, so until
the next complete run an item moved onto another's path may share it with the one it displaced.

Whatever was not seen by the end of a complete listing is removed, behind the mass-removal gate.
Seen items are tracked in a bitmap over item ids, so memory stays flat as the index grows.

A listing given folder by folder (``observe_folders``) skips every folder whose fingerprint
matches the stored one: its items are neither read nor compared (see ``folders``).
"""

from __future__ import annotations

import array
import collections
import posixpath
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, and_, exists, select

from mediasync._config import SyncConfig
from mediasync._db.schema import media_items
from mediasync._db.times import mtime_us
from mediasync._errors import MediasyncError, SourceUnreachable
from mediasync._models import Capability, ItemChange, MediaEntry
from mediasync._results import SyncProgress
from mediasync._source import FileKey, FolderFiles, FolderListing, Source
from mediasync._sync.content_index import ContentIndexDeferral
from mediasync._sync.folders import FileRow, FolderScan, FolderStore
from mediasync._sync.hashing import HashWorkers
from mediasync._sync.idset import IdSet
from mediasync._sync.lease import Lease
from mediasync._sync.store import ItemRow, ItemStore
from mediasync._sync.subtrees import check_folders, removed_under
from mediasync._sync.writes import BatchWriter, Plan, PlanKind

__all__ = ["IndexSession", "MassRemovalHeld", "RunCancelled", "SyncOptions"]

HASHING_AHEAD = 1
"""Batches whose files are hashed while the main thread writes the ones before them."""
FOLDERS_PER_LOOKUP = 500
FILES_PER_LOOKUP = 20_000
"""Folder listings are compared with the stored fingerprints this many folders (or files) at a
time: one query for the lot, and a cancellation check and lease renewal in between."""


class RunCancelled(MediasyncError):
    """The worker is stopping: the run ends between two batches, each batch whole."""


class MassRemovalHeld(Exception):
    """Raised out of ``finish_scan`` when removals were held back; the run records it."""

    def __init__(self, count: int, active: int) -> None:
        super().__init__(
            f"{count} of {active} items would be marked removed; removals held back "
            "(run again with --allow-mass-removal if that is right)"
        )
        self.count = count


def _storable(path: str) -> bool:
    """Sources must give text paths; a stray surrogate would fail the whole batch's write."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@attrs.frozen(slots=True)
class SyncOptions:
    dry_run: bool = False
    verify: bool = False
    """Hash every file, even when size and modification time are unchanged."""
    allow_mass_removal: bool = False
    mass_removal_share: float = 0.2
    mass_removal_min_items: int = 50
    batch_size: int = 2000
    list_changes: int = 0
    """Keep up to this many changes on the report (``sync --list``); the rest are counted."""
    full: bool = False
    """Read the whole source, whatever the strategy would read (``sync --full``)."""
    reconcile_every: timedelta = timedelta(days=7)
    stop_after_known: int = 10

    @classmethod
    def from_config(cls, sync: SyncConfig, **flags: Any) -> SyncOptions:
        return cls(
            mass_removal_share=sync.mass_removal_share,
            mass_removal_min_items=sync.mass_removal_min_items,
            batch_size=sync.batch_size,
            reconcile_every=timedelta(days=sync.reconcile_days),
            stop_after_known=sync.stop_after_known,
            **flags,
        )


class IndexSession(BatchWriter):
    """One run's view of one source's index; implements the ``SyncIndex`` protocol."""

    def __init__(
        self,
        engine: Engine,
        source: Source,
        source_id: int,
        run_id: int,
        lease: Lease | None,
        options: SyncOptions,
        hash_workers: HashWorkers,
        cursor: str | None = None,
        on_change: Callable[[ItemChange], None] | None = None,
        on_progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
        content_index: ContentIndexDeferral | None = None,
    ) -> None:
        self.engine = engine
        self.content_index = content_index
        self.cancel = cancel
        self.source = source
        self.store = ItemStore(source_id)
        self.folders = FolderStore(source_id)
        self.run_id = run_id
        self.lease = lease
        self.options = options
        self.hash_workers = hash_workers
        self.stable_ids = Capability.STABLE_IDS in source.capabilities
        self.counts: Counter[str] = Counter()
        """Keyed by ``SyncCounts`` field names; ``SyncCounts(**counts)`` is the run's tally."""
        self.error_messages: list[str] = []
        self.listed_changes: list[ItemChange] = []
        self.unlisted_changes = 0
        self.hashing: Counter[str] = Counter()
        self._started = time.perf_counter()
        self.twins: list[Plan] = []
        self._pairing: bool | None = None
        self.observed = 0
        self.new_cursor: str | None = None
        self._cursor = cursor
        self._on_change = on_change
        self._on_progress = on_progress
        self._seen = IdSet()
        self._deferred: list[Plan] = []
        self._batch: list[MediaEntry] = []
        self._pending: collections.deque[Callable[[], list[Plan]]] = collections.deque()
        """Batches whose hashes are being computed while the ones before them are written."""
        self._scan: FolderScan | None = None
        self._inserted = 0
        self._start_statistics()

    # -- SyncIndex -----------------------------------------------------------------------------

    @property
    def cursor(self) -> str | None:
        return self._cursor

    def observe(self, entries: Iterable[MediaEntry]) -> None:
        for entry in entries:
            self._take(entry)
        self._flush()

    def observe_folders(self, folders: Iterable[FolderListing]) -> None:
        if self._scan is None:
            self._scan = FolderScan(self.folders, trust_fingerprints=not self.options.verify)
        pending: list[FolderListing] = []
        files = 0
        for listing in folders:
            pending.append(listing)
            files += listing.count
            if len(pending) >= FOLDERS_PER_LOOKUP or files >= FILES_PER_LOOKUP:
                self._compare_folders(pending)
                pending, files = [], 0
        if pending:
            self._compare_folders(pending)
        self._flush()

    def _compare_folders(self, listings: Sequence[FolderListing]) -> None:
        """Unchanged folders are counted; the entries of the others go through the diff."""
        assert self._scan is not None
        self._checkpoint()
        with self.engine.connect() as connection:
            states = self.folders.states(connection, [listing.path for listing in listings])
        indexed: list[FolderListing] = []
        for listing in listings:
            state = states.get(listing.path)
            if not self._scan.changed(listing, state):
                self.observed += listing.count
                self.counts["unchanged"] += listing.count
            elif state is not None and not self.options.verify:
                indexed.append(listing)
            else:
                for entry in listing.entries():
                    self._take(entry)
        if indexed:
            self._skip_unchanged_files(indexed)
        self._report_progress()

    def _skip_unchanged_files(self, listings: Sequence[FolderListing]) -> None:
        """In folders that changed, the files that did not are matched against one read of
        the folders' items; only the others go through the diff.

        The test is the diff's first rule (same path, same identifier, size and time), so a
        change is spread over a tree costs about a row read per file of the folders it
        touched, not a planned entry per file. A source's ``FolderFiles`` are compared on
        their keys, and only the entries of the files that differ are built.
        """
        assert self._scan is not None
        paths = [listing.path for listing in listings]
        with self.engine.connect() as connection:
            known = self.folders.active_files(connection, paths)
        self._scan.read(
            paths, (row[0] for names in known.values() for rows in names.values() for row in rows)
        )
        unchanged = 0
        for listing in listings:
            names = known[listing.path]
            entries = listing.entries()
            if isinstance(entries, FolderFiles):
                for position, key in enumerate(entries.keys()):
                    if self._matches(names.get(key[0]), key):
                        unchanged += 1
                    else:
                        self._take(entries[position])
                continue
            for entry in entries:
                name = entry.name
                # A source's own hash is compared by the diff.
                if entry.sha256 is None and self._matches(
                    names.get(name),
                    (name, entry.source_id, entry.size, mtime_us(entry.mtime), entry.revision),
                ):
                    unchanged += 1
                else:
                    self._take(entry)
        self.observed += unchanged
        self.counts["unchanged"] += unchanged

    def _matches(self, rows: list[FileRow] | None, key: FileKey) -> bool:
        """Whether the first item at the file's path with its identifier, not yet claimed by
        another file, has its size, time and revision; if so it is claimed."""
        if rows is None:
            return False
        for row in rows:
            if row[1] == key[1] and not self._is_seen(row[0]):
                if row[2] == key[2] and row[3] == key[3] and key[4] in (None, row[4]):
                    self._mark(row[0])
                    return True
                return False
        return False

    def _take(self, entry: MediaEntry) -> None:
        if not _storable(entry.path):
            self._error(f"{entry.path!r}: path is not valid Unicode text; skipped", entry.path)
            return
        self._batch.append(entry)
        if len(self._batch) >= self.options.batch_size:
            batch, self._batch = self._batch, []
            self._process(batch)

    def _flush(self) -> None:
        """Processes the entries taken so far, and writes every batch in flight."""
        batch, self._batch = self._batch, []
        if batch:
            self._process(batch)
        self._drain()

    def finish_scan(self) -> None:
        self._keep_unreadable()
        adds, waiting = self._resolve_deferred()
        if self.cancel is not None and self.cancel.is_set():
            raise RunCancelled("stopped before removals: the worker is shutting down")
        active: int | None = None
        missing: Sequence[int]
        with self.engine.connect() as connection:
            if self._scan is not None:
                missing = self._scan.sweep(connection, self._is_seen)
                if missing or self.observed == 0:
                    active = self.store.count_active(connection)
            else:
                active, missing = self._sweep_all(connection)
        if active is not None and self.observed == 0 and active > 0:
            raise SourceUnreachable(
                f"the listing came back empty while the index holds {active} "
                "items; treating the source as unreachable, nothing was removed"
            )
        missing = self._pair_by_content([*adds, *waiting], missing)
        if active is not None and missing:
            # The gate compares with the items active before this run: undo this run's work.
            before = active
            if not self.options.dry_run:
                before = active - self.counts["added"] - self.counts["restored"]
            share, floor = self.options.mass_removal_share, self.options.mass_removal_min_items
            too_many = len(missing) > share * before and before > floor
            if too_many and not self.options.allow_mass_removal:
                self._write_plans(adds)
                self._write_waiting(waiting, removed=())
                self.counts["held_removals"] = len(missing)
                raise MassRemovalHeld(len(missing), before)
        self._write_plans(adds)
        self._remove(missing)
        self._write_waiting(waiting, removed=missing)
        self._record_folders()

    def _pair_by_content(self, plans: Sequence[Plan], missing: Sequence[int]) -> Sequence[int]:
        """Pairs new files with vanished items of the same size and bytes (track-renames):
        each such file is that item, renamed or moved. Returns the items still missing.

        New files are taken in path order; among several vanished twins, one with the file's
        name wins, then the first by path: the same listing always pairs the same way.
        """
        new = [p for p in plans if p.row is None and p.sha256 is not None]
        if not (new and missing and self.pairs_by_content):
            return missing
        gone = IdSet()
        for item_id in missing:
            gone.add(item_id)
        with self.engine.connect() as connection:
            twins = self.store.active_by_content(connection, {p.sha256 for p in new if p.sha256})
        paired: set[int] = set()
        for plan in sorted(new, key=lambda p: p.entry.path):
            free = [
                row
                for row in twins.get(plan.sha256 or "", ())
                if row.size == plan.entry.size and row.id in gone and row.id not in paired
            ]
            if not free:
                continue
            name = plan.entry.name
            twin = min(free, key=lambda r: (posixpath.basename(r.path) != name, r.path, r.id))
            paired.add(twin.id)
            self._mark(twin.id)
            plan.kind, plan.row = "move", twin
        if not paired:
            return missing
        return array.array("q", (item_id for item_id in missing if item_id not in paired))

    @property
    def pairs_by_content(self) -> bool:
        """Without stable identifiers, and only when the source had items before this run
        (asked once, at first need: a first index or a no-op never asks)."""
        if self._pairing is None:
            self._pairing = False
            if not self.stable_ids:
                with self.engine.connect() as connection:
                    self._pairing = self.store.has_active(connection)
        return self._pairing

    def _write_plans(self, plans: Sequence[Plan]) -> None:
        for start in range(0, len(plans), self.options.batch_size):
            self._execute(list(plans[start : start + self.options.batch_size]))

    def _sweep_all(self, connection: Connection) -> tuple[int, array.array[int]]:
        """(active items, those not seen): every active item of the source, read by id."""
        active = 0
        missing = array.array("q")
        for item_id in self.store.iter_active_ids(connection):
            active += 1
            if not self._is_seen(item_id):
                missing.append(item_id)
        return active, array.array("q", sorted(missing))  # removed in id order, as listed

    def _record_folders(self) -> None:
        """A folder scan completed and everything is written: fingerprints can be trusted."""
        if self._scan is None or self.options.dry_run:
            return
        with self.engine.begin() as connection:
            self._scan.record(connection)

    def _keep_unreadable(self) -> None:
        """Files the listing saw but could not read are reported, and their items kept."""
        skipped = list(self.source.skipped_paths())
        for path, reason in skipped:
            self._error(f"{path}: {reason}", path)
        paths = [path for path, _ in skipped]
        with self.engine.connect() as connection:
            for rows in self.store.rows_at_paths(connection, paths).values():
                for row in rows:
                    if row.active:
                        self._mark(row.id)

    def apply(
        self,
        upserts: Iterable[MediaEntry],
        removed: Iterable[str],
        *,
        moved_folders: Sequence[tuple[str, str]] = (),
        removed_folders: Sequence[str] = (),
    ) -> None:
        """Removed folders, then moved folders, then the upserts, then the removed ids; the
        removals are counted against the gate before anything is written."""
        check_folders(moved_folders, removed_folders)
        entries = list(upserts)
        keep = {entry.source_id for entry in entries}
        gone = [source_id for source_id in removed if source_id not in keep]
        below: list[int] = []
        by_id: list[int] = []
        if gone or removed_folders:
            with self.engine.connect() as connection:
                moved_from = [old for old, _new in moved_folders]
                rows = removed_under(
                    connection, self.store.source_id, removed_folders, moved_from, keep
                )
                below = [item_id for item_id, _path in rows]
                taken = set(below)
                found = self.store.rows_by_external_id(connection, gone).values()
                by_id = [row.id for row in found if row.active and row.id not in taken]
            self._gate_feed_removals(len(below) + len(by_id))
        self._remove(below)
        if moved_folders:
            self._move_folders(moved_folders, keep)
        self.observe(entries)
        adds, waiting = self._resolve_deferred()  # a feed is partial: nothing to pair with
        self._write_plans(adds)
        self._write_waiting(waiting, removed=())
        self._remove(by_id)

    def _gate_feed_removals(self, count: int) -> None:
        """A feed's removals pass the gate a full scan's do, counted over the whole run."""
        if not count or self.options.allow_mass_removal:
            return
        with self.engine.connect() as connection:
            active = self.store.count_active(connection)
        before = active + self.counts["removed"]
        if not self.options.dry_run:
            before -= self.counts["added"] + self.counts["restored"]
        total = self.counts["removed"] + count
        share, floor = self.options.mass_removal_share, self.options.mass_removal_min_items
        if total > share * before and before > floor:
            self.counts["held_removals"] = count
            raise MassRemovalHeld(total, before)

    @property
    def full(self) -> bool:
        return self.options.full

    @property
    def reconcile_every(self) -> timedelta:
        return self.options.reconcile_every

    @property
    def stop_after_known(self) -> int:
        return self.options.stop_after_known

    def known(self, source_ids: Sequence[str]) -> frozenset[str]:
        with self.engine.connect() as connection:
            rows = self.store.rows_by_external_id(connection, list(source_ids))
        return frozenset(key for key, row in rows.items() if row.active)

    def is_known(self, source_id: str) -> bool:
        query = select(
            exists().where(
                and_(
                    media_items.c.source_id == self.store.source_id,
                    media_items.c.external_id == source_id,
                    media_items.c.active.is_(True),
                )
            )
        )
        with self.engine.connect() as connection:
            return bool(connection.execute(query).scalar())

    def save_cursor(self, cursor: str) -> None:
        self.new_cursor = cursor

    def _report_progress(self) -> None:
        if self._on_progress is None:
            return
        counts = self.hashing
        self._on_progress(
            SyncProgress(
                listed=self.observed,
                to_hash=counts["to_hash"],
                hashed=counts["hashed"],
                bytes_to_hash=counts["bytes_to_hash"],
                bytes_hashed=counts["bytes_hashed"],
                seconds=time.perf_counter() - self._started,
            )
        )

    # -- matching ------------------------------------------------------------------------------

    def _checkpoint(self) -> None:
        """Between two batches: stop if the worker is stopping, keep the lease alive."""
        if self.cancel is not None and self.cancel.is_set():
            self._drain()
            raise RunCancelled("stopped before the next batch: the worker is shutting down")
        if self.lease is not None:
            self.lease.renew_if_due(self.engine)

    def _process(self, batch: Sequence[MediaEntry]) -> None:
        """Plans a batch and starts its hashes, then writes the batch before it meanwhile."""
        self._checkpoint()
        self.observed += len(batch)
        with self.engine.connect() as connection:
            plans = self._plan(connection, batch)
        self._pending.append(self._start_hashing(plans))
        self._drain(keep=HASHING_AHEAD)
        self._report_progress()

    def _plan(self, connection: Connection, batch: Sequence[MediaEntry]) -> list[Plan]:
        by_path = self.store.rows_at_paths(connection, [e.path for e in batch])
        plans: list[Plan] = []
        unresolved: list[tuple[MediaEntry, list[ItemRow]]] = []
        verify = self.options.verify
        for entry in batch:
            rows = by_path.get(entry.path, [])
            same = next(
                (
                    r
                    for r in rows
                    if r.active and r.external_id == entry.source_id and not self._is_seen(r.id)
                ),
                None,
            )
            if same is None:
                unresolved.append((entry, rows))
                continue
            self._mark(same.id)
            unchanged = same.size == entry.size and same.mtime_us == mtime_us(entry.mtime)
            if not unchanged or verify or entry.sha256 not in (None, same.sha256):
                plans.append(Plan(entry, "content", same, entry.source_id))
            elif entry.revision not in (None, same.revision):
                plans.append(Plan(entry, "metadata", same, entry.source_id))
            else:
                self.counts["unchanged"] += 1
        if not unresolved:
            return plans
        by_id = self.store.rows_by_external_id(connection, [e.source_id for e, _ in unresolved])
        claimed = {p.external_id for p in plans}
        doubtful: list[tuple[MediaEntry, ItemRow, list[ItemRow]]] = []
        for entry, rows in unresolved:
            row = by_id.get(entry.source_id)
            if row is not None and not self._is_seen(row.id) and entry.source_id not in claimed:
                claimed.add(entry.source_id)
                unchanged = row.size == entry.size and row.mtime_us == mtime_us(entry.mtime)
                if unchanged or self.stable_ids:
                    self._mark(row.id)
                    kind: PlanKind = "relocate" if unchanged and not verify else "move"
                    plans.append(Plan(entry, kind, row, entry.source_id))
                else:
                    doubtful.append((entry, row, rows))
                continue
            # An identifier already claimed by another path (a hard link) gets an item of its own.
            external_id = entry.source_id
            if row is not None or entry.source_id in claimed:
                external_id = f"{entry.source_id}@{entry.path}"
            claimed.add(external_id)
            self._by_path(Plan(entry, "add", None, external_id), rows, plans)
        if doubtful:
            self._confirm(doubtful, plans)
        return plans

    def _confirm(
        self, doubtful: Sequence[tuple[MediaEntry, ItemRow, list[ItemRow]]], plans: list[Plan]
    ) -> None:
        """Identifiers found at another path with another size or time: the same file only if
        its bytes are the ones indexed. Hashed now, before the item is claimed, because a
        reused identifier (a recycled inode) must leave the item free for the rules by path.

        A file that cannot be read keeps the item it may be, and is reported.
        """
        results = self.hash_workers.start(self.source, [entry for entry, _, _ in doubtful])()
        for (entry, row, rows), result in zip(doubtful, results, strict=True):
            if isinstance(result, BaseException):
                self._mark(row.id)
                self._error(f"{entry.path}: {result}", entry.path)
            elif result.sha256 == row.sha256:
                self._mark(row.id)
                plans.append(
                    Plan(entry, "move", row, entry.source_id, result.sha256, facts=result.facts)
                )
            else:
                # The identifier now names other bytes: the file it named is gone from there.
                releases = row if row.active else None
                plan = Plan(
                    entry,
                    "add",
                    None,
                    entry.source_id,
                    result.sha256,
                    releases=releases,
                    facts=result.facts,
                )
                self._by_path(plan, rows, plans)

    def _by_path(self, plan: Plan, rows: Sequence[ItemRow], plans: list[Plan]) -> None:
        """Adds ``plan`` (an "add") to ``plans``, or defers it to the end of the listing: while
        an item at its path might be the file's (rule 3), or while its identifier is held by an
        item that proved to be another file (see ``_write_waiting``)."""
        candidates = [] if self.stable_ids else [r for r in rows if not self._is_seen(r.id)]
        if candidates or plan.releases is not None:
            plan.candidates = candidates
            self._deferred.append(plan)
        else:
            plans.append(plan)

    def _resolve_deferred(self) -> tuple[list[Plan], list[Plan]]:
        """Rule 3, once every identifier in the listing has claimed its item: a replacement in
        place or a return of removed bytes is written now.

        Returns the additions (with the files ``_hold_twins`` held back), which may yet be
        paired with vanished items, and the plans that wait for an identifier: both are
        written after the sweep.
        """
        deferred, self._deferred = self._deferred, []
        adds, self.twins = self.twins, []
        waiting: list[Plan] = []
        for start in range(0, len(deferred), self.options.batch_size):
            chunk = deferred[start : start + self.options.batch_size]
            hashed = self._start_hashing(chunk)()
            readable = {id(plan) for plan in hashed}
            for plan in chunk:
                if id(plan) not in readable:  # reported: keep whatever item it might be
                    for row in plan.candidates:
                        if row.active:
                            self._mark(row.id)
            decided = [self._decide_by_path(plan) for plan in hashed]
            waiting += [plan for plan in decided if plan.releases is not None]
            adds += [plan for plan in decided if plan.releases is None and plan.row is None]
            self._execute([p for p in decided if p.releases is None and p.row is not None])
        return adds, waiting

    def _decide_by_path(self, plan: Plan) -> Plan:
        free = [r for r in plan.candidates if not self._is_seen(r.id)]
        active = [r for r in free if r.active]
        returned = [r for r in free if not r.active and r.sha256 == plan.sha256]
        kind: PlanKind
        if active:
            row, kind = max(active, key=lambda r: r.id), "replace"
        elif returned:
            row, kind = max(returned, key=lambda r: r.id), "restore"
        else:
            return plan
        self._mark(row.id)
        return attrs.evolve(plan, kind=kind, row=row, candidates=())

    def _write_waiting(self, waiting: Sequence[Plan], removed: Sequence[int]) -> None:
        """Writes the plans whose identifier an item held that proved to be another file.

        Such an item is usually gone (removed just before, in ``removed``): then the identifier
        is free and nothing more is written. Otherwise (a held removal, a dry run, an item kept
        because its file could not be read) it gives the identifier up in the same transaction.
        """
        holders = {plan.releases.id for plan in waiting if plan.releases is not None}
        freed = set() if self.options.dry_run else holders.intersection(removed)
        for plan in waiting:
            if plan.releases is not None and plan.releases.id in freed:
                plan.releases = None
        self._write_plans(waiting)
