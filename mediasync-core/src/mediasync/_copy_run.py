"""One ``copy`` run: pages of the source's items, what the destination has, the uploads.

For each page of the source's items (by id, so a long copy holds no read open): the
destination's index says which it holds copies of (one query, by provenance); the destination
itself is asked about the others (``find_copies``, its markers), and what it finds is indexed
instead of copied; the rest go to the worker threads (``transfer``), and what they wrote is
indexed in one transaction. Counts are kept as each upload ends, for the progress.

A provenance names the source's identifier, which may have passed from an earlier item to this
one where the source's identifiers are not ``STABLE_IDS`` (a local folder's inodes): a copy
counts only if it is of this item (``is_copy_of``, by its time and bytes), else the item is
copied, beside the earlier item's copy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from datetime import datetime
from typing import TYPE_CHECKING

from mediasync._app import App
from mediasync._copy_transfer import SourcePairs, Transfer, as_copy, transfer
from mediasync._db.items import count_items, iter_items
from mediasync._db.sources import SourceRecord, utcnow
from mediasync._errors import MediasyncError
from mediasync._models import Capability, MediaEntry, Provenance
from mediasync._results import CopiedItem, CopyProgress, CopyReport, Item
from mediasync._source import Source
from mediasync._sync.copies import CopyIndex, is_copy_of

if TYPE_CHECKING:
    from mediasync._copying import CopyRequest

__all__ = ["CopyRun"]

PAGE = 500
WORKERS = 8
"""Uploads at once: enough to overlap a local disk's ``fsync`` or a remote's latency (more
threads only fight over the interpreter: see bench/README.md)."""
WAIT_SECONDS = 1.0
"""How often the main thread looks up from waiting for uploads, to keep the lease."""
MAX_ERRORS = 20


class CopyRun:
    """One copy's state: its counts, its threads and source instances, why it stopped."""

    def __init__(
        self,
        app: App,
        request: CopyRequest,
        records: tuple[SourceRecord, SourceRecord],
        index: CopyIndex,
        on_progress: Callable[[CopyProgress], None] | None,
        on_item: Callable[[CopiedItem], None] | None,
    ) -> None:
        self.app = app
        self.request = request
        self.source, self.destination = records
        self.index = index
        self._on_progress = on_progress
        self._on_item = on_item
        self._pairs = SourcePairs(
            lambda: app.open_source(self.source), lambda: app.open_source(self.destination)
        )
        self._marker_reader: Source | None = None
        capabilities = app.plugins.source_type(self.source.type).capabilities
        self._stable = Capability.STABLE_IDS in capabilities
        """Identifiers one item's for ever (a Drive file id, an Instagram media id): a copy of
        the identifier is one of the item. Else (a local folder's inode) one may pass from one
        item to another."""
        self._stopping = threading.Event()
        self._started = time.perf_counter()
        self.total = self.considered = 0
        self.copied = self.skipped = self.found = self.failed = self.bytes = 0
        self.errors: list[str] = []
        self.error: str | None = None

    def run(self) -> CopyReport:
        with ExitStack() as stack:
            stack.callback(self._pairs.close)
            stack.callback(self._close_marker_reader)
            pool = stack.enter_context(ThreadPoolExecutor(WORKERS, "mediasync-copy"))
            with self.app.engine.connect() as connection:
                kind = self.request.kind
                self.total = count_items(connection, source_id=self.source.id, kind=kind)
            for page in self._pages():
                todo = self._not_there(page)
                room = self._room()
                if todo and room:
                    self._copy(pool, todo[:room])
                if self.error is not None or self._room() == 0:
                    break
        return CopyReport(
            source=self.source.name,
            destination=self.destination.name,
            copied=self.copied,
            skipped=self.skipped,
            found=self.found,
            failed=self.failed,
            bytes=self.bytes,
            seconds=time.perf_counter() - self._started,
            dry_run=self.request.dry_run,
            errors=tuple(self.errors),
            error=self.error,
        )

    def _room(self) -> int:
        """How many more may be copied (``--limit``)."""
        limit = self.request.limit
        return PAGE if limit is None else max(limit - self.copied, 0)

    def _pages(self) -> Iterator[list[Item]]:
        """The source's active items of the kind asked, in id order, those of the dates asked."""
        after: int | None = None
        while True:
            with self.app.engine.connect() as connection:
                page = list(
                    iter_items(
                        connection,
                        source_id=self.source.id,
                        kind=self.request.kind,
                        order="id",
                        after_id=after,
                        limit=PAGE,
                    )
                )
            if not page:
                return
            after = page[-1].id
            self.considered += len(page)
            yield [item for item in page if self.request.wants(item)]
            if len(page) < PAGE:
                return

    def _provenance(self, item: Item) -> Provenance:
        return Provenance(self.source.type, self.source.name, item.source_id, utcnow())

    def _not_there(self, page: Sequence[Item]) -> list[Item]:
        """The items of ``page`` the destination has no copy of, by its index or its markers;
        the copies its markers show and its index lacks are indexed now."""
        if not page:
            return []
        since = None if self._stable else self.index.identified(page)
        known = self.index.copied(self.source.name, page, since)
        fresh = [item for item in page if item.id not in known]
        self.skipped += len(page) - len(fresh)
        if not fresh:
            self._progress()
            return []
        wanted = {item.id: self._provenance(item) for item in fresh}
        try:
            found = self._markers().find_copies(list(wanted.values()))
        except (MediasyncError, OSError) as exc:
            self.error = f"cannot ask '{self.destination.name}' which copies it has: {exc}"
            return []
        marked = [
            item for item in fresh if self._found(item, found.get(wanted[item.id].key), since)
        ]
        if marked:
            entries = []
            for item in marked:
                entry = found[wanted[item.id].key]
                entries.append(as_copy(entry, item, entry.provenance or wanted[item.id]))
            ids = [None] * len(entries) if self.request.dry_run else self.index.write(entries)
            for item, entry, item_id in zip(marked, entries, ids, strict=True):
                self._tell(CopiedItem("found", item.id, item.path, entry.path, entry.size, item_id))
            self.skipped += len(marked)
            self.found += len(marked)
        self._progress()
        copied = {item.id for item in marked}
        return [item for item in fresh if item.id not in copied]

    @staticmethod
    def _found(item: Item, entry: MediaEntry | None, since: Mapping[int, datetime] | None) -> bool:
        """Whether the copy the destination's markers show for ``item``'s identifier is one of
        ``item`` (not of an earlier item on that identifier: see ``is_copy_of``)."""
        if entry is None or since is None:
            return entry is not None
        copied_at = None if entry.provenance is None else entry.provenance.copied_at
        return is_copy_of(copied_at, entry.sha256, item, since.get(item.id))

    def _markers(self) -> Source:
        """The destination instance the main thread asks for markers (made when first asked,
        so that a re-run with nothing to copy opens no file)."""
        if self._marker_reader is None:
            self._marker_reader = self.app.open_source(self.destination)
        return self._marker_reader

    def _close_marker_reader(self) -> None:
        if self._marker_reader is not None:
            self._marker_reader.close()

    def _copy(self, pool: ThreadPoolExecutor, items: Sequence[Item]) -> None:
        template = self.request.template
        if self.request.dry_run:
            for item in items:
                folder, name = template.place(item)
                where = f"{folder}/{name}" if folder else name
                self.copied += 1
                self.bytes += item.size or 0
                self._tell(CopiedItem("planned", item.id, item.path, where, item.size))
            self._progress()
            return
        futures = [
            pool.submit(
                transfer, self._pairs, item, template.place(item), self._provenance(item),
                self._stopping,
            )
            for item in items
        ]  # fmt: skip
        try:
            self._await(futures)
        finally:
            # Interrupted too (Ctrl-C): what was written is indexed, what was not started
            # never will be, and the uploads under way finish their file.
            self._stopping.set()
            for future in futures:
                future.cancel()
            wait(futures)
            self._stopping.clear()
            self._index([f.result() for f in futures if not f.cancelled() and not f.exception()])

    def _await(self, futures: Sequence[Future[Transfer]]) -> None:
        """Counts each item as its upload ends, keeping the lease and the progress current."""
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=WAIT_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                if result.entry is not None:
                    self.copied += 1
                    self.bytes += result.size
                elif result.error is not None:
                    self.failed += 1
                    if len(self.errors) < MAX_ERRORS:
                        self.errors.append(result.error)
                elif result.stop is not None and self.error is None:
                    self.error = result.stop
                    self._stopping.set()
            self.index.renew_lease()
            self._progress()

    def _index(self, results: Sequence[Transfer]) -> None:
        written = [result for result in results if result.entry is not None]
        ids = self.index.write([result.entry for result in written if result.entry])
        for result, item_id in zip(written, ids, strict=True):
            item = result.item
            path = result.destination_path
            self._tell(CopiedItem("copied", item.id, item.path, path, result.size, item_id))
        for result in results:
            if result.error is not None:
                item = result.item
                where = result.destination_path
                self._tell(
                    CopiedItem("failed", item.id, item.path, where, item.size, None, result.error)
                )
        unexpected = next((r.unexpected for r in results if r.unexpected is not None), None)
        if unexpected is not None:
            raise unexpected

    def _tell(self, copied: CopiedItem) -> None:
        if self._on_item is not None:
            self._on_item(copied)

    def _progress(self) -> None:
        if self._on_progress is not None:
            self._on_progress(
                CopyProgress(
                    total=self.total,
                    considered=self.considered,
                    copied=self.copied,
                    skipped=self.skipped,
                    failed=self.failed,
                    bytes_copied=self.bytes,
                    seconds=time.perf_counter() - self._started,
                )
            )
