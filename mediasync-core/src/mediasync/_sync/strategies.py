"""The core's built-in sync strategies, registered through ``register_sync_strategies``."""

from __future__ import annotations

from mediasync._source import Source
from mediasync._strategy import SyncIndex, SyncStrategy

__all__ = ["ScanStrategy"]


class ScanStrategy(SyncStrategy):
    """List everything, diff against the index, remove what was not seen."""

    name = "scan"
    description = "list the whole source and compare it with the index"

    def run(self, source: Source, index: SyncIndex) -> None:
        index.observe(source.list_entries())
        index.finish_scan()
