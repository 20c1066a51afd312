"""``mediasync run --with-telegram``: the bot as a service of the worker's process.

The class is what the plugin registers as it loads, in every ``mediasync`` process, so this
module imports nothing of the bot: ``asyncio``, python-telegram-bot and ``_serve`` come with
``run``.
"""

from __future__ import annotations

import logging
import threading

from mediasync import Service

__all__ = ["TelegramService"]

logger = logging.getLogger("mediasync.telegram")


class TelegramService(Service):
    """``mediasync run --with-telegram``: the bot in the worker's process."""

    name = "telegram"
    description = "Also run the Telegram bot (mediasync-telegram) in this process."

    def run(self, stop: threading.Event) -> None:
        """Runs the bot until ``stop``; a token revoked meanwhile ends the bot, not the worker."""
        import asyncio

        from mediasync_telegram._serve import TokenRevoked, serve

        try:
            asyncio.run(serve(self.workspace, stop))
        except TokenRevoked as exc:  # the worker's syncs do not need the bot: they go on
            logger.error("telegram: %s; the bot stopped, the worker goes on without it", exc)
