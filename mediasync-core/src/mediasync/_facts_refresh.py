"""``Workspace.refresh_metadata``: read the media facts of items indexed before they were read.

Only the headers are read (a JPEG's first kilobytes, an MP4's ``moov``), not the whole file:
the hashes are already in the index. A file whose size or time differs from the index changed
since it was hashed: it is left to the next sync, which hashes it and reads its facts in the
same pass. Pages of items are written one transaction each; a stopped run loses at most the
page it was reading, and the next run goes on with what is left.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasync._db.facts import PendingItem, count_pending, pending_items, write_facts
from mediasync._db.times import from_mtime_us
from mediasync._errors import SourceError
from mediasync._facts.model import MediaFacts
from mediasync._facts.read import read_file_facts
from mediasync._media_results import FactsProgress, FactsRefreshReport
from mediasync._models import MediaEntry

if TYPE_CHECKING:
    from mediasync._app import App
    from mediasync._db.sources import SourceRecord

__all__ = ["refresh_source_facts"]

PAGE = 500


def _read(path: str, item: PendingItem) -> MediaFacts | str:
    """The file's facts, or ``"changed"`` / ``"missing"``."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    if st.st_size != item.size or st.st_mtime_ns // 1000 != item.mtime_us:
        return "changed"
    try:
        return read_file_facts(path)
    except OSError:
        return "missing"


def refresh_source_facts(
    app: App,
    record: SourceRecord,
    *,
    on_progress: Callable[[FactsProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> FactsRefreshReport:
    """Reads and writes the facts of one source's items that lack them (see the module)."""
    counts = {"read": 0, "changed": 0, "missing": 0}
    notes: set[str] = set()
    with app.engine.connect() as connection:
        total = count_pending(connection, record.id)
    with app.open_source(record) as source:
        after, done = 0, 0
        while not (cancel is not None and cancel.is_set()):
            with app.engine.connect() as connection:
                page = pending_items(connection, record.id, after, PAGE)
            if not page:
                break
            found: list[tuple[PendingItem, MediaFacts]] = []
            for item in page:
                entry = MediaEntry(item.external_id, item.path, item.size, from_mtime_us(0))
                try:
                    path = source.local_path(entry)
                except SourceError:
                    counts["missing"] += 1
                    continue
                if path is None:
                    return FactsRefreshReport(
                        record.name,
                        left=total,
                        skipped="its bytes are not on this machine: its listing reports facts "
                        f"(mediasync sync {record.name} --full reads them again)",
                    )
                result = _read(path, item)
                if isinstance(result, str):
                    counts[result] += 1
                    continue
                found.append((item, result))
                if result.note is not None:
                    notes.add(result.note)
            with app.engine.begin() as connection:
                write_facts(connection, found)
            counts["read"] += len(found)
            after, done = page[-1].id, done + len(page)
            if on_progress is not None:
                on_progress(FactsProgress(record.name, done, total))
    with app.engine.connect() as connection:
        left = count_pending(connection, record.id)
    return FactsRefreshReport(
        record.name,
        read=counts["read"],
        changed=counts["changed"],
        missing=counts["missing"],
        left=left,
        notes=tuple(sorted(notes)),
    )
