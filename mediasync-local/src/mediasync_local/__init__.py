"""mediasync-local: a folder on this computer or on a mounted disk as a mediasync source.

This module is the public API (``LocalSource``, ``LocalSettings``, ``SkippedFile``); the
``mediasync`` entry point ``local`` is ``mediasync_local.plugin``. Other modules are private.
"""

from __future__ import annotations

from mediasync_local._settings import LocalSettings
from mediasync_local._source import LocalSource
from mediasync_local._walk import SkippedFile

__version__ = "0.1.0"

__all__ = ["LocalSettings", "LocalSource", "SkippedFile", "__version__"]
