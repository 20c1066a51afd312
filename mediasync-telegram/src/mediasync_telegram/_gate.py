"""The gate in front of every handler: whom the bot answers at all.

Updates from chats not on the allow list get one refusal line (a button press, an alert) and
nothing runs; commands addressed to another bot (``/sync@OtherBot``), group chatter that is
not a command, edits and channel posts are dropped without a word. The allow list is read
from the index on every update, so ``mediasync telegram allow|deny`` applies at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mediasync_telegram._context import DEPS_KEY, BotDeps
from mediasync_telegram._replies import refusal
from mediasync_telegram._send import send_text

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import CallbackContext

    Context = CallbackContext[Any, Any, Any, Any]

__all__ = ["deps_of", "gate"]

logger = logging.getLogger("mediasync.telegram")


def deps_of(context: Context) -> BotDeps:
    deps = context.bot_data[DEPS_KEY]
    assert isinstance(deps, BotDeps)
    return deps


def _addressed_elsewhere(text: str, username: str) -> bool:
    """``/sync@OtherBot``: a command for another bot in the same group."""
    if not text.startswith("/"):
        return False
    _, at, target = text.split(maxsplit=1)[0].partition("@")
    return bool(at) and target.lower() != username.lower()


async def gate(update: Update, context: Context) -> None:
    """Runs before every handler; stops the update unless an allowed chat sent it to us."""
    from telegram.ext import ApplicationHandlerStop

    chat, message, query = update.effective_chat, update.message, update.callback_query
    if chat is None or (message is None and query is None):
        raise ApplicationHandlerStop  # edits, channel posts, members joining: not for us
    text = (message.text or "") if message is not None else ""
    if message is not None and _addressed_elsewhere(text, context.bot.username):
        raise ApplicationHandlerStop
    if message is not None and chat.type != "private" and not text.startswith("/"):
        raise ApplicationHandlerStop  # group chatter the bot happens to see
    deps = deps_of(context)
    config = await deps.call(deps.store.require_config)
    if chat.id in config.allowed_chats:
        return
    logger.info("telegram: refused chat %s", chat.id)
    if query is not None:
        await query.answer(refusal(chat.id)[:200], show_alert=True)
    else:
        await send_text(context.bot, chat.id, refusal(chat.id))
    raise ApplicationHandlerStop
