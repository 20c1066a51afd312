"""The bot's command table and the python-telegram-bot application built from it.

One row per command: its name, the description Telegram shows in the menu (``setMyCommands``),
its usage, how many arguments it takes, and its handler. A new command is a row and an
``async def``. In front of every handler sits the gate (``_gate``): updates from chats not on
the allow list get one refusal line and nothing runs. Button presses go to the menu they
belong to by their ``callback_data``; what nothing answered, ``_fallbacks`` does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

import attrs

from mediasync_telegram._backfill import backfill_command
from mediasync_telegram._context import Request
from mediasync_telegram._fallbacks import on_error, stale_button, unknown_command
from mediasync_telegram._gate import deps_of, gate
from mediasync_telegram._handlers import sources_command, status_command, sync_command
from mediasync_telegram._publish import publish_command
from mediasync_telegram._publish_press import CALLBACK_PATTERN as PUBLISH_PATTERN
from mediasync_telegram._publish_press import publish_pressed
from mediasync_telegram._send import send_text
from mediasync_telegram._settings_menu import CALLBACK_PATTERN as SETTINGS_PATTERN
from mediasync_telegram._settings_menu import settings_command, settings_pressed

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import Application, CallbackContext

    App = Application[Any, Any, Any, Any, Any, Any]
    Context = CallbackContext[Any, Any, Any, Any]

__all__ = ["COMMANDS", "BotCommandSpec", "add_handlers"]


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
        "backfill",
        "Copy an Instagram account's new posts into its backup (dry: only list them)",
        "/backfill [account] [N] [dry]",
        backfill_command,
        max_args=3,
    ),
    BotCommandSpec(
        "publish",
        "Preview an item; it is published when you press Publish",
        "/publish ITEM [kind] [account]",
        publish_command,
        max_args=3,
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
            deps_of(context), context.bot, chat_id, args, context.application.create_task
        )
        await spec.handler(request)

    return callback


async def _settings_pressed(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    assert update.effective_chat is not None
    await settings_pressed(
        deps_of(context), context.bot, update.effective_chat.id, update.callback_query
    )


async def _publish_pressed(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    request = Request(deps_of(context), context.bot, chat_id, (), context.application.create_task)
    await publish_pressed(request, update.callback_query)


def add_handlers(app: App) -> None:
    from telegram import Update
    from telegram.ext import (
        CallbackQueryHandler,
        CommandHandler,
        MessageHandler,
        TypeHandler,
        filters,
    )

    app.add_handler(TypeHandler(Update, gate), group=-1)
    for spec in COMMANDS:
        app.add_handler(CommandHandler(spec.name, _command_callback(spec)))
    app.add_handler(MessageHandler(filters.COMMAND | filters.ChatType.PRIVATE, unknown_command))
    app.add_handler(CallbackQueryHandler(_settings_pressed, pattern=SETTINGS_PATTERN))
    app.add_handler(CallbackQueryHandler(_publish_pressed, pattern=PUBLISH_PATTERN))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
