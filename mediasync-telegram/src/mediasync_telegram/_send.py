"""Sending and editing the bot's messages: within Telegram's length limit and its flood control.

Telegram answers 429 with ``retry_after`` when a bot sends too fast; the call is repeated once
that many seconds have passed (a wait longer than ``MAX_FLOOD_WAIT`` gives up instead of
holding an answer for minutes). A call that fails on the way (a dropped connection, a proxy's
502, Telegram's 5xx) is repeated after a short pause, so that one bad moment of the network
does not lose an answer; a timeout is not (Telegram may have sent the message). A long answer
goes out as several messages; an edit is cut.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from mediasync_telegram._text import cut_message, split_message

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup, Message
    from telegram.error import RetryAfter

__all__ = [
    "MAX_CAPTION",
    "MAX_FLOOD_WAIT",
    "edit_caption",
    "edit_text",
    "flood_controlled",
    "quiet_retry_after_warning",
    "retry_seconds",
    "send_text",
]

logger = logging.getLogger("mediasync.telegram")

T = TypeVar("T")
MAX_FLOOD_WAIT = 60.0
ATTEMPTS = 3
NETWORK_PAUSE = 0.5
"""Seconds before a call that failed on the way is repeated (times the attempt's number)."""
MAX_CAPTION = 1024
"""Telegram's limit for a photo's caption (a message's text may hold 4,096)."""


def quiet_retry_after_warning() -> None:
    """PTB 22 warns, from inside its own ``RetryAfter``, that ``retry_after`` will become a
    timedelta: a note to PTB's users that ``retry_seconds`` already heeds, not to ours."""
    from telegram.warnings import PTBDeprecationWarning

    warnings.filterwarnings("ignore", r".*`retry_after`", PTBDeprecationWarning)


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB gives an int or a timedelta by version)."""
    value: int | float | dtm.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def flood_controlled(call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, repeated after the wait Telegram asks for when it answers 429, and
    after a short pause when it failed on the way (see the module)."""
    from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == ATTEMPTS or wait > MAX_FLOOD_WAIT:
                raise
            logger.info("telegram: flood control, sending again in %.0fs as asked", wait)
            await asyncio.sleep(wait)
        except (BadRequest, TimedOut):
            raise
        except NetworkError as exc:
            if attempt == ATTEMPTS:
                raise
            logger.info("telegram: %s; sending again", exc)
            await asyncio.sleep(NETWORK_PAUSE * attempt)
    raise AssertionError("unreachable")


async def send_text(
    bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Sends ``text`` as one message or, past the limit, several (the keyboard goes on the
    last); returns the last one."""
    pieces = split_message(text) or ["(empty)"]
    sent: Message | None = None
    for number, piece in enumerate(pieces, start=1):
        markup = reply_markup if number == len(pieces) else None

        async def call(piece: str = piece, markup: InlineKeyboardMarkup | None = markup) -> Message:
            return await bot.send_message(chat_id, piece, reply_markup=markup)

        sent = await flood_controlled(call)
    assert sent is not None
    return sent


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replaces a message's text (cut to the limit); an edit that changes nothing is fine."""

    async def call() -> object:
        return await bot.edit_message_text(
            cut_message(text), chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
        )

    await _edit(call)


async def edit_caption(
    bot: Bot,
    chat_id: int,
    message_id: int,
    caption: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """``edit_text`` for a photo's caption (a photo has no text to edit), cut to its limit."""

    async def call() -> object:
        return await bot.edit_message_caption(
            chat_id=chat_id,
            message_id=message_id,
            caption=cut_message(caption, MAX_CAPTION),
            reply_markup=reply_markup,
        )

    await _edit(call)


async def _edit(call: Callable[[], Awaitable[object]]) -> None:
    from telegram.error import BadRequest

    try:
        await flood_controlled(call)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
