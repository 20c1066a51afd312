"""The core's built-in sync strategies, registered through ``register_sync_strategies``.

Imported at start-up to be registered, so nothing here may import the database layer.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from mediasync._errors import CursorInvalid
from mediasync._models import Capability
from mediasync._source import Source
from mediasync._strategy import SyncIndex, SyncStrategy

__all__ = ["ChangeFeedStrategy", "ScanStrategy"]

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
    reconcile_every = timedelta(days=7)

    def run(self, source: Source, index: SyncIndex) -> None:
        state = self._load(index.cursor)
        token = state.get("token")
        reconciled = state.get("reconciled_at")
        due = reconciled is None or datetime.now(UTC) - datetime.fromisoformat(reconciled) > (
            self.reconcile_every
        )
        if token is None or due:
            self._full_scan(source, index, "first run" if token is None else "weekly reconcile")
            return
        try:
            while True:
                page = source.changes(token)
                index.apply(page.upserts, page.removed)
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

    @staticmethod
    def _load(cursor: str | None) -> dict[str, str]:
        if not cursor:
            return {}
        try:
            state = json.loads(cursor)
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}
