"""The core's built-in sync strategies, registered through ``register_sync_strategies``.

Imported at start-up to be registered, so nothing here may import the database layer.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from mediasync._errors import CursorInvalid
from mediasync._models import Capability
from mediasync._source import Source
from mediasync._strategy import SyncIndex, SyncStrategy

__all__ = ["ChangeFeedStrategy", "NewestFirstStrategy", "ScanStrategy"]

logger = logging.getLogger("mediasync.sync")


class ScanStrategy(SyncStrategy):
    """List everything, diff against the index, remove what was not seen."""

    name = "scan"
    description = "list the whole source and compare it with the index"

    def run(self, source: Source, index: SyncIndex) -> None:
        if Capability.FOLDER_FINGERPRINTS in source.capabilities:
            index.observe_folders(source.list_folders())
        else:
            index.observe(source.list_entries())
        index.finish_scan()


class ChangeFeedStrategy(SyncStrategy):
    """Read only what changed since the stored cursor; scan when there is none or it expired.

    The cursor is taken *before* a full listing, so changes made during the listing are
    replayed next time (applying a change twice is harmless). A periodic full scan (weekly by
    default) reconciles whatever the feed missed, behind the same removal safety gate.
    """

    name = "changes"
    description = "read the source's change feed; full scan on first run or expired cursor"
    required_capabilities = frozenset({Capability.LISTABLE, Capability.CHANGE_FEED})

    def run(self, source: Source, index: SyncIndex) -> None:
        state = load_state(index.cursor)
        token = state.get("token")
        reconciled = state.get("reconciled_at")
        why = full_read_reason(index, token is None, reconciled)
        if token is None or why is not None:
            self._full_scan(source, index, why or "first run")
            return
        try:
            while True:
                page = source.changes(token)
                index.apply(
                    page.upserts,
                    page.removed,
                    moved_folders=page.moved_folders,
                    removed_folders=page.removed_folders,
                )
                token = page.cursor
                if not page.more:
                    break
        except CursorInvalid as exc:
            logger.warning("source '%s': %s; falling back to a full scan", source.name, exc)
            self._full_scan(source, index, "cursor no longer valid")
            return
        index.save_cursor(json.dumps({"token": token, "reconciled_at": reconciled}))

    def _full_scan(self, source: Source, index: SyncIndex, why: str) -> None:
        logger.info("source '%s': full scan (%s)", source.name, why)
        started = datetime.now(UTC)
        token = source.start_cursor()
        index.observe(source.list_entries())
        index.finish_scan()
        index.save_cursor(json.dumps({"token": token, "reconciled_at": started.isoformat()}))


class NewestFirstStrategy(SyncStrategy):
    """Read a feed listed newest first (an Instagram account) until it is all known again.

    Pages are read in order; each page costs one index query for all its items. Reading stops
    after ``stop_after_known`` indexed items in a row, so a sync of an account with two new
    posts reads one page, not years of them. The known items read on the way are compared too,
    so a recent caption edit is picked up. Nothing is ever removed then: an item missing from
    a partial read may simply be further down. Removals are decided by the full read of a
    first run, of ``sync --full``, and of the periodic reconcile, behind the mass-removal gate.
    """

    name = "newest-first"
    description = "read a newest-first feed until known items; full read on first run and weekly"
    required_capabilities = frozenset({Capability.LISTABLE, Capability.NEWEST_FIRST})

    def run(self, source: Source, index: SyncIndex) -> None:
        state = load_state(index.cursor)
        reconciled = state.get("reconciled_at")
        why = full_read_reason(index, index.cursor is None, reconciled)
        if why is not None:
            logger.info("source '%s': full read (%s)", source.name, why)
            started = datetime.now(UTC)
            index.observe(source.list_entries())
            index.finish_scan()
            index.save_cursor(json.dumps({"reconciled_at": started.isoformat()}))
            return
        in_a_row = 0
        pages = source.list_pages()
        try:
            for page in pages:
                known = index.known([entry.source_id for entry in page])
                taken = []
                for entry in page:
                    taken.append(entry)
                    in_a_row = in_a_row + 1 if entry.source_id in known else 0
                    if in_a_row >= index.stop_after_known:
                        break
                index.apply(taken, ())
                if in_a_row >= index.stop_after_known:
                    break
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # a generator: lets the source release what the next page needed
        index.save_cursor(json.dumps({"reconciled_at": reconciled}))


def full_read_reason(index: SyncIndex, first: bool, reconciled_at: str | None) -> str | None:
    """Why this run must read the whole source, or ``None``: a partial read will do."""
    if first:
        return "first run"
    if index.full:
        return "--full"
    if reconciled_at is None:
        return "never reconciled"
    try:
        last = datetime.fromisoformat(reconciled_at)
    except ValueError:
        return "never reconciled"
    if datetime.now(UTC) - last > index.reconcile_every:
        return "periodic reconcile"
    return None


def load_state(cursor: str | None) -> dict[str, str]:
    """A strategy's stored JSON state; anything unreadable is no state (a full read follows)."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}
