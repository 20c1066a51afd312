"""The bot's command table and the python-telegram-bot application built from it.

One row per command: its name, the description Telegram shows in the menu (``setMyCommands``),
its usage, how many arguments it takes, and its handler. A new command is a row and an
``async def``. In front of every handler sits the gate: updates from chats not on the allow
list get one refusal line and nothing runs; commands addressed to another bot
(``/sync@OtherBot``) are ignored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

import attrs

from mediasync_telegram._context import DEPS_KEY, BotDeps, Request
from mediasync_telegram._handlers import sources_command, status_command, sync_command
from mediasync_telegram._redact import redact
from mediasync_telegram._replies import refusal
from mediasync_telegram._send import send_text
from mediasync_telegram._settings_menu import CALLBACK_PATTERN, settings_command, settings_pressed

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import Application, CallbackContext

    App = Application[Any, Any, Any, Any, Any, Any]
    Context = CallbackContext[Any, Any, Any, Any]

__all__ = ["COMMANDS", "BotCommandSpec", "add_handlers"]

logger = logging.getLogger("mediasync.telegram")


@attrs.frozen(slots=True)
class BotCommandSpec:
    name: str
    description: str
    """What Telegram's command menu shows (3 to 256 characters)."""
    usage: str
    handler: Callable[[Request], Awaitable[None]]
    max_args: int = 0


async def help_command(request: Request) -> None:
    lines = ["What I can do:"] + [f"{c.usage} — {c.description}" for c in COMMANDS]
    await request.reply("\n".join(lines))


COMMANDS: tuple[BotCommandSpec, ...] = (
    BotCommandSpec(
        "sync",
        "Sync every enabled source, or the one named",
        "/sync [source]",
        sync_command,
        max_args=1,
    ),
    BotCommandSpec(
        "status",
        "Each source: health, items, last run, next sync",
        "/status",
        status_command,
    ),
    BotCommandSpec(
        "sources",
        "The sources, and which this chat watches",
        "/sources",
        sources_command,
    ),
    BotCommandSpec(
        "settings",
        "Scheduled syncs, notifications, watched sources",
        "/settings",
        settings_command,
    ),
    BotCommandSpec("help", "What this bot can do", "/help", help_command),
)


def _deps(context: Context) -> BotDeps:
    deps = context.bot_data[DEPS_KEY]
    assert isinstance(deps, BotDeps)
    return deps


def _addressed_elsewhere(text: str, username: str) -> bool:
    """``/sync@OtherBot``: a command for another bot in the same group."""
    if not text.startswith("/"):
        return False
    _, at, target = text.split(maxsplit=1)[0].partition("@")
    return bool(at) and target.lower() != username.lower()


async def _gate(update: Update, context: Context) -> None:
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
    deps = _deps(context)
    config = await deps.call(deps.store.require_config)
    if chat.id in config.allowed_chats:
        return
    logger.info("telegram: refused chat %s", chat.id)
    if query is not None:
        await query.answer(refusal(chat.id)[:200], show_alert=True)
    else:
        await send_text(context.bot, chat.id, refusal(chat.id))
    raise ApplicationHandlerStop


def _command_callback(
    spec: BotCommandSpec,
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def callback(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        args = tuple(context.args or ())
        chat_id = update.effective_chat.id
        if len(args) > spec.max_args:
            await send_text(context.bot, chat_id, f"Usage: {spec.usage}")
            return
        request = Request(
            _deps(context), context.bot, chat_id, args, context.application.create_task
        )
        await spec.handler(request)

    return callback


async def _unknown(update: Update, context: Context) -> None:
    assert update.effective_chat is not None
    assert update.message is not None
    word = (update.message.text or "").split(maxsplit=1)[0] if update.message.text else ""
    if word.startswith("/"):
        reply = f"Unknown command {word.split('@')[0]}. /help lists what I can do."
    else:
        reply = "Send a command: /help lists what I can do."
    await send_text(context.bot, update.effective_chat.id, reply)


async def _pressed(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    assert update.effective_chat is not None
    await settings_pressed(
        _deps(context), context.bot, update.effective_chat.id, update.callback_query
    )


async def _stale_button(update: Update, context: Context) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer("This button is no longer in use.")


async def _on_error(update: object, context: Context) -> None:
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


def add_handlers(app: App) -> None:
    from telegram import Update
    from telegram.ext import (
        CallbackQueryHandler,
        CommandHandler,
        MessageHandler,
        TypeHandler,
        filters,
    )

    app.add_handler(TypeHandler(Update, _gate), group=-1)
    for spec in COMMANDS:
        app.add_handler(CommandHandler(spec.name, _command_callback(spec)))
    app.add_handler(MessageHandler(filters.COMMAND | filters.ChatType.PRIVATE, _unknown))
    app.add_handler(CallbackQueryHandler(_pressed, pattern=CALLBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(_stale_button))
    app.add_error_handler(_on_error)
