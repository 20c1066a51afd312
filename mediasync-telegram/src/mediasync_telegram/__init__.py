"""mediasync-telegram: a Telegram bot for mediasync, and notifications of syncs to its chats.

The ``mediasync`` entry point ``telegram`` is ``mediasync_telegram.plugin``. The bot is used
through its commands (``mediasync telegram …``, ``mediasync run --with-telegram``); every
module but this one is private.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
