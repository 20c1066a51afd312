"""What the bot says when nothing else answered: an unknown command, a button no handler
knows any more, a handler that failed.

Each is one line to the chat; a failure is also one redacted line in the log (its traceback
only at DEBUG), so a bug in one handler never leaves a chat without an answer.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from mediasync_telegram._redact import redact
from mediasync_telegram._send import send_text

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import CallbackContext

    Context = CallbackContext[Any, Any, Any, Any]

__all__ = ["on_error", "stale_button", "unknown_command"]

logger = logging.getLogger("mediasync.telegram")


async def unknown_command(update: Update, context: Context) -> None:
    assert update.effective_chat is not None
    assert update.message is not None
    word = (update.message.text or "").split(maxsplit=1)[0] if update.message.text else ""
    if word.startswith("/"):
        reply = f"Unknown command {word.split('@')[0]}. /help lists what I can do."
    else:
        reply = "Send a command: /help lists what I can do."
    await send_text(context.bot, update.effective_chat.id, reply)


async def stale_button(update: Update, context: Context) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer("This button is no longer in use.")


async def on_error(update: object, context: Context) -> None:
    """A handler failed: one redacted log line, and a word to the chat when there is one."""
    from telegram import Update
    from telegram.error import TelegramError

    error = context.error
    logger.warning(
        "telegram: %s while handling an update: %s", type(error).__name__, redact(str(error))
    )
    logger.debug("traceback of the failed update", exc_info=error)
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None:
        with contextlib.suppress(TelegramError):
            await send_text(
                context.bot,
                chat.id,
                f"Something went wrong ({type(error).__name__}); the bot's log says more.",
            )
