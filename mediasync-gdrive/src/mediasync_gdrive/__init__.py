"""mediasync-gdrive: a Google Drive folder as a mediasync source.

This module is the public API (``GDriveSource``, ``GDriveSettings``); the ``mediasync`` entry
point ``gdrive`` is ``mediasync_gdrive.plugin``. Other modules are private.
"""

from __future__ import annotations

from mediasync_gdrive._settings import GDriveSettings
from mediasync_gdrive._source import GDriveSource

__version__ = "0.1.0"

__all__ = ["GDriveSettings", "GDriveSource", "__version__"]
