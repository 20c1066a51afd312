"""What a command handler works with: the bot's shared parts and the one request in hand.

``BotDeps`` is made once per running bot and kept in the PTB application's ``bot_data``;
``Request`` is one command from one chat. Handlers take a ``Request`` and nothing from PTB, so
a new command is a plain ``async def`` and a row of the command table (``_bot.COMMANDS``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from mediasync import Workspace
from mediasync_telegram._send import send_text
from mediasync_telegram._store import BotStore

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup, Message

__all__ = ["DEPS_KEY", "BotDeps", "Request"]

T = TypeVar("T")
DEPS_KEY = "mediasync"


@attrs.define
class BotDeps:
    """The running bot's workspace, its state, its stop signal and the work it runs."""

    workspace: Workspace
    stop: threading.Event
    """Set when the bot stops: syncs it started end between two batches (``cancel``)."""
    running: set[str] = attrs.field(factory=set)
    """Sources this bot is syncing now (touched on the event loop only)."""
    backfilling: set[str] = attrs.field(factory=set)
    """Instagram accounts this bot is backfilling now (touched on the event loop only)."""

    @property
    def store(self) -> BotStore:
        return BotStore(self.workspace)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs a blocking workspace call on a thread: the event loop keeps answering."""
        return await asyncio.to_thread(function, *args, **kwargs)


@attrs.frozen
class Request:
    """One command (or button press) from one allowed chat, its arguments split on
    whitespace."""

    deps: BotDeps
    bot: Bot
    chat_id: int
    args: tuple[str, ...]
    start_task: Callable[[Coroutine[Any, Any, None]], object]
    """Runs long work as a task the application awaits when it stops."""

    async def reply(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
        return await send_text(self.bot, self.chat_id, text, reply_markup)
