"""mediasync-instagram: an Instagram professional account as a mediasync source.

This module is the public API; the ``mediasync`` entry point ``instagram`` is
``mediasync_instagram.plugin``. Other modules are private. ``backfill`` is what
``mediasync instagram backfill`` runs, for another plugin (the Telegram bot) or a script.
"""

from __future__ import annotations

from mediasync_instagram._backfill import (
    BackfillReport,
    MediaType,
    backfill,
    backfill_destination,
    backfill_history,
)
from mediasync_instagram._settings import InstagramSettings

__version__ = "0.1.0"

__all__ = [
    "BackfillReport",
    "InstagramSettings",
    "MediaType",
    "__version__",
    "backfill",
    "backfill_destination",
    "backfill_history",
]
