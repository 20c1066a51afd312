"""mediasync-instagram: an Instagram professional account as a mediasync source.

This module is the public API; the ``mediasync`` entry point ``instagram`` is
``mediasync_instagram.plugin``. Other modules are private.
"""

from __future__ import annotations

from mediasync_instagram._settings import InstagramSettings

__version__ = "0.1.0"

__all__ = ["InstagramSettings", "__version__"]
