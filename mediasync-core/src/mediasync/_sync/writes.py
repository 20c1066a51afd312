"""Writing what the diff decided: hashing a batch's files, then one transaction per batch.

``BatchWriter`` is the half of an ``IndexSession`` that turns plans into rows: it hashes what
needs it (``hashing``), applies each plan as an insert, an update or a removal with its events,
renews the lease and clears the touched folders' fingerprints in the same transaction, and
hands the changes to ``on_change`` afterwards (which only queues them for the observers' thread,
so a slow observer never holds the next batch). The other half (``index``) lists, matches and
plans.
"""

from __future__ import annotations

import posixpath
import threading
from collections import Counter, deque
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs
from sqlalchemy import Engine, select

from mediasync._db.schema import media_items
from mediasync._db.sources import utcnow
from mediasync._db.times import mtime_us
from mediasync._facts.model import FACTS_VERSION, MediaFacts
from mediasync._models import ChangeKind, ItemChange, MediaEntry
from mediasync._source import Source
from mediasync._sync.content_index import ContentIndexDeferral
from mediasync._sync.folders import FolderScan, FolderStore, folder_of
from mediasync._sync.hashing import HashWorkers
from mediasync._sync.idset import IdSet
from mediasync._sync.lease import Lease
from mediasync._sync.store import (
    LOOKUP_CHUNK,
    ItemRow,
    ItemStore,
    entry_row,
    entry_values,
)
from mediasync._sync.subtrees import move_folders

if TYPE_CHECKING:
    from mediasync._sync.index import SyncOptions

__all__ = ["ANALYZE_MIN_ROWS", "BatchWriter", "EventSpec", "Plan", "PlanKind"]

PlanKind = Literal["content", "metadata", "relocate", "move", "replace", "restore", "add"]
"""What a listing entry does to the index: "content" (same path and item, bytes to check),
"metadata" (same path, item and file facts: only the source's metadata changed, not hashed),
"relocate" (the item at another path, facts unchanged: not hashed), "move" (the item at another
path, hashed), "replace" (the unclaimed item at its path), "restore" (a removed item's bytes
back at its path), "add" (a new item)."""
MAX_ERROR_MESSAGES = 20
ANALYZE_MIN_ROWS = 10_000
"""Below this many items a PostgreSQL table is small enough to plan for without statistics."""


@attrs.define(slots=True)
class Plan:
    entry: MediaEntry
    kind: PlanKind
    row: ItemRow | None = None
    external_id: str = ""
    sha256: str | None = None
    releases: ItemRow | None = None
    """An active item still holding ``external_id``, which proved to name other bytes now:
    it gives the identifier up in the same transaction (one active item per identifier)."""
    candidates: Sequence[ItemRow] = ()
    """For a deferred "add": the items at its path it may yet replace or restore."""
    facts: MediaFacts | None = None
    """What the bytes said, read while they were hashed; ``None`` when they were not read."""

    def needs_hash(self) -> bool:
        return self.sha256 is None and self.kind not in ("relocate", "metadata")


EventSpec = tuple[Plan | None, int | None, ChangeKind, str | None, str | None]
"""An event to write: (new item's plan, or existing item id), kind, old path, new path."""


class BatchWriter:
    """Hashing and writing for one run of one source (the base of ``IndexSession``).

    The state below is set up by ``IndexSession.__init__``.
    """

    engine: Engine
    source: Source
    store: ItemStore
    folders: FolderStore
    run_id: int
    lease: Lease | None
    options: SyncOptions
    hash_workers: HashWorkers
    counts: Counter[str]
    error_messages: list[str]
    listed_changes: list[ItemChange]
    unlisted_changes: int
    hashing: Counter[str]

    @property
    def pairs_by_content(self) -> bool:
        """Whether a vanished item and a new file with its bytes are paired (see ``index``)."""
        raise NotImplementedError

    twins: list[Plan]
    """New files held back by ``_hold_twins`` until the scan knows which items vanished."""
    """``to_hash``, ``hashed``, ``bytes_to_hash``, ``bytes_hashed`` so far (progress)."""

    def _report_progress(self) -> None:
        raise NotImplementedError

    cancel: threading.Event | None
    content_index: ContentIndexDeferral | None
    _on_change: Callable[[ItemChange], None] | None
    _seen: IdSet
    _pending: deque[Callable[[], list[Plan]]]
    _scan: FolderScan | None
    _inserted: int
    _known_rows: int
    _estimated_rows: int | None

    def _is_seen(self, item_id: int) -> bool:
        return item_id in self._seen

    def _mark(self, item_id: int) -> None:
        self._seen.add(item_id)

    def _unmark(self, item_id: int) -> None:
        self._seen.discard(item_id)

    def _start_statistics(self) -> None:
        """What PostgreSQL's statistics upkeep needs to know at the start of a run."""
        with self.engine.connect() as connection:
            self._estimated_rows = self.store.estimated_rows(connection)
            # The count is needed only while the planner believes the table small: past that
            # it scales its estimate by the table's size.
            estimate = self._estimated_rows
            small = estimate is not None and estimate < ANALYZE_MIN_ROWS
            self._known_rows = self.store.count_active(connection) if small else 0
        self._keep_statistics()

    def _keep_statistics(self) -> None:
        """On PostgreSQL, ``ANALYZE`` once this source holds over twice the rows it plans for.

        A first index fills the table faster than autovacuum (if enabled at all) analyzes it;
        with no statistics every batch lookup reads the whole source. Each ``ANALYZE`` at least
        doubles the estimate, so a run makes a handful at most (10k, 20k, 40k... items).
        """
        if self._estimated_rows is None:
            return
        known = self._known_rows + self._inserted
        if known < ANALYZE_MIN_ROWS or known <= 2 * self._estimated_rows:
            return
        with self.engine.begin() as connection:
            self.store.analyze(connection)
        self._estimated_rows = known

    def _start_hashing(self, plans: list[Plan]) -> Callable[[], list[Plan]]:
        """Starts hashing what needs it; the callable waits, and returns the plans whose files
        could be read (the others are reported as errors)."""
        for plan in plans:
            if plan.sha256 is None:
                plan.sha256 = plan.entry.sha256
        if not self.source.hash_on_index:
            return lambda: plans
        todo = [p for p in plans if p.needs_hash()]
        if not todo:
            return lambda: plans
        results = self.hash_workers.start(self.source, [p.entry for p in todo])
        size = sum(p.entry.size or 0 for p in todo)
        self.hashing.update(to_hash=len(todo), bytes_to_hash=size)

        def hashed() -> list[Plan]:
            failed: set[int] = set()
            for plan, result in zip(todo, results(), strict=True):
                if isinstance(result, BaseException):
                    failed.add(id(plan))
                    self._error(f"{plan.entry.path}: {result}", plan.entry.path)
                else:
                    plan.sha256, plan.facts = result.sha256, result.facts
            self.hashing.update(hashed=len(todo), bytes_hashed=size)
            self._report_progress()
            return [p for p in plans if id(p) not in failed]

        return hashed

    def _drain(self, keep: int = 0) -> None:
        """Writes the batches whose hashes are being computed, oldest first, until ``keep``
        are left in flight."""
        while len(self._pending) > keep:
            self._execute(self._hold_twins(self._pending.popleft()()))

    def _hold_twins(self, plans: list[Plan]) -> list[Plan]:
        """Holds back the new files whose bytes an indexed item has, to the end of the scan:
        should that item prove gone, the file is that item renamed or moved (a copy then a
        delete, a move the source cannot follow by identifier). The rest is written now."""
        adds = [p for p in plans if p.row is None and p.sha256 is not None]
        if not (adds and self.pairs_by_content):
            return plans
        with self.engine.connect() as connection:
            twins = self.store.active_by_content(connection, {p.sha256 for p in adds if p.sha256})
        held = {
            id(plan)
            for plan in adds
            if any(
                row.size == plan.entry.size and not self._is_seen(row.id)
                for row in twins.get(plan.sha256 or "", ())
            )
        }
        self.twins.extend(plan for plan in adds if id(plan) in held)
        return [plan for plan in plans if id(plan) not in held]

    def _error(self, message: str, path: str | None = None) -> None:
        """Counts an error; ``path`` is the file that was not indexed as listed, if any."""
        if path is not None and self._scan is not None:
            self._scan.failed(path)
        self.counts["errors"] += 1
        if len(self.error_messages) < MAX_ERROR_MESSAGES:
            self.error_messages.append(message)

    def _execute(self, plans: list[Plan]) -> None:
        """Writes a batch of plans, their hashes done."""
        now = utcnow()
        inserts: list[Plan] = []
        updates: list[dict[str, Any]] = []
        events: list[EventSpec] = []
        releases: list[ItemRow] = []
        touched: set[str] = set()
        kept = self._kept_metadata(plans)
        for plan in plans:
            entry, row = plan.entry, plan.row
            if plan.releases is not None:
                releases.append(plan.releases)
                touched.add(folder_of(plan.releases.path))
            if row is None:
                touched.add(entry.folder)
                inserts.append(plan)
                events.append((plan, None, ChangeKind.ADDED, None, entry.path))
                continue
            sha = plan.sha256 if plan.sha256 is not None else row.sha256
            external_id = plan.external_id or row.external_id
            content_changed = entry.size != row.size or (
                None not in (plan.sha256, row.sha256) and plan.sha256 != row.sha256
            )
            kinds: list[ChangeKind] = []
            if plan.kind == "restore" or not row.active:
                kinds.append(ChangeKind.RESTORED)
            elif row.path != entry.path:
                same_folder = posixpath.dirname(row.path) == entry.folder
                kinds.append(ChangeKind.RENAMED if same_folder else ChangeKind.MOVED)
            if content_changed and ChangeKind.RESTORED not in kinds:
                kinds.append(ChangeKind.MODIFIED)
            revision = entry.revision
            if revision is not None and revision != row.revision and row.active:
                kinds.append(ChangeKind.METADATA)
            if not kinds:
                self.counts["unchanged"] += 1
                if (
                    sha == row.sha256
                    and external_id == row.external_id
                    and entry.path == row.path
                    and mtime_us(entry.mtime) == row.mtime_us
                    and (plan.facts is None or row.facts_version == FACTS_VERSION)
                ):
                    continue  # read again (--verify) and found as indexed: nothing to write
            touched.update((entry.folder, folder_of(row.path)))
            values = entry_values(entry, sha, external_id, plan.facts, kept.get(row.id))
            values.update(
                id=row.id, active=True, removed_at=None, changed_at=now if kinds else row.changed_at
            )
            if external_id != row.external_id:  # a file replaced at its path, bytes returned
                values["identified_at"] = now
            updates.append(values)
            for kind in kinds:
                events.append((None, row.id, kind, row.path, entry.path))
        self._write(inserts, updates, [], events, now, touched, releases)

    def _kept_metadata(
        self, plans: Sequence[Plan]
    ) -> dict[int, tuple[Mapping[str, Any] | None, bool]]:
        """The indexed metadata of the items whose bytes were read again: their facts are
        merged into it (see ``entry_values``). Rare outside ``--verify``: edited files."""
        ids = [p.row.id for p in plans if p.row is not None and p.facts is not None]
        if not ids:
            return {}
        with self.engine.connect() as connection:
            return ItemStore.kept_metadata(connection, ids)

    def _write(
        self,
        inserts: list[Plan],
        updates: list[dict[str, Any]],
        removals: list[int],
        events: list[EventSpec],
        now: datetime,
        touched: set[str],
        releases: Sequence[ItemRow] = (),
    ) -> None:
        """One transaction: lease renewal, item writes, events, and the touched folders' rows.

        Identifiers are released first and updates go before inserts, so that an identifier
        passed from one item to another never meets the one-active-item-per-identifier index.
        """
        if not (inserts or updates or removals or events or releases):
            return
        changes: list[ItemChange] = []
        if inserts and self.content_index is not None:
            self.content_index.before_first_insert()
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                if self.lease is not None:
                    self.lease.renew(connection)
                self.store.release_identifiers(connection, releases)
                self.store.mark_removed(connection, removals, now)
                self.store.update_items(connection, updates)
                new_ids = self.store.insert_items(
                    connection,
                    [entry_row(p.entry, p.sha256, p.external_id, p.facts) for p in inserts],
                    now,
                )
                ids = {id(plan): item_id for plan, item_id in zip(inserts, new_ids, strict=True)}
                run_id = None if self.options.dry_run else self.run_id
                rows: list[tuple[Any, ...]] = []
                for plan, item_id, kind, old_path, new_path in events:
                    target = ids[id(plan)] if plan is not None else item_id
                    assert target is not None
                    old = old_path if kind is not ChangeKind.ADDED else None
                    rows.append((target, run_id, kind.value, old, new_path))
                    changes.append(self._change(kind, target, old, new_path))
                ItemStore.insert_events(connection, rows, now)
                self.folders.touch(connection, touched)
            except BaseException:
                transaction.rollback()
                raise
            if self.options.dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        for item_id in new_ids:
            self._mark(item_id)
        if not self.options.dry_run:
            self._inserted += len(new_ids)
            self._keep_statistics()
        self._announce(changes)

    def _move_folders(self, moves: Sequence[tuple[str, str]], keep: Collection[str]) -> None:
        """Moves whole folders of items in one transaction (see ``subtrees``): the paths are
        recomputed in the database, and each item gets its ``moved`` event."""
        now = utcnow()
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                if self.lease is not None:
                    self.lease.renew(connection)
                moved = move_folders(connection, self.store.source_id, moves, keep, now)
                run_id = None if self.options.dry_run else self.run_id
                kind = ChangeKind.MOVED
                events = [(item, run_id, kind.value, old, new) for item, old, new in moved]
                ItemStore.insert_events(connection, events, now)
                touched = {folder_of(path) for _, old, new in moved for path in (old, new)}
                self.folders.touch(connection, touched)
            except BaseException:
                transaction.rollback()
                raise
            if self.options.dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        self._announce([self._change(kind, item, old, new) for item, old, new in moved])

    def _announce(self, changes: Sequence[ItemChange]) -> None:
        """Counts written changes, keeps the first ones for the report, tells the observers."""
        room = self.options.list_changes - len(self.listed_changes)
        self.listed_changes.extend(changes[: max(room, 0)])
        self.unlisted_changes += max(len(changes) - max(room, 0), 0)
        for change in changes:
            self.counts[change.kind.value] += 1
            if self._on_change is not None and not self.options.dry_run:
                self._on_change(change)

    def _change(
        self, kind: ChangeKind, item_id: int, old_path: str | None, new_path: str | None
    ) -> ItemChange:
        return ItemChange(
            kind=kind,
            source=self.source.name,
            item_id=item_id,
            path=new_path or old_path or "",
            old_path=old_path,
            sync_run_id=self.run_id,
        )

    def _remove(self, item_ids: Sequence[int]) -> None:
        """Marks items removed, a transaction (and its lease renewal) per chunk."""
        chunk_size = min(self.options.batch_size, LOOKUP_CHUNK)
        for start in range(0, len(item_ids), chunk_size):
            chunk = list(item_ids[start : start + chunk_size])
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(media_items.c.id, media_items.c.path).where(media_items.c.id.in_(chunk))
                )
                paths = {row.id: row.path for row in rows}
            events: list[EventSpec] = [
                (None, i, ChangeKind.REMOVED, paths.get(i), None) for i in chunk
            ]
            touched = {folder_of(path) for path in paths.values()}
            self._write([], [], chunk, events, utcnow(), touched)
