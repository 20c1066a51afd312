"""Running the bot: long polling until stopped, alone or as a service of ``mediasync run``.

``serve`` does the whole life of the bot: read its configuration from the index, open the
token (registered for redaction before PTB sees it), check it (getMe), publish the command
menu (setMyCommands), delete any webhook and poll (PTB's ``start_polling``), then stop
cleanly when ``stop`` is set: the syncs the bot started end between two batches and their
messages are edited, the last poll confirms what was fetched. A 409 Conflict (another instance
polling the same bot) ends it with an error, since two pollers would steal each other's updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from mediasync import RemoteError, Service, Workspace
from mediasync_telegram._api import CONFLICT, api_url, as_mediasync_error, make_request
from mediasync_telegram._context import DEPS_KEY, BotDeps
from mediasync_telegram._redact import redact, redacting
from mediasync_telegram._send import flood_controlled, quiet_retry_after_warning
from mediasync_telegram._store import BotConfig, BotStore

if TYPE_CHECKING:
    from telegram.error import TelegramError
    from telegram.ext import Application

    App = Application[Any, Any, Any, Any, Any, Any]

__all__ = ["TelegramService", "serve"]

logger = logging.getLogger("mediasync.telegram")

POLL_CHECK_SECONDS = 0.2
ALLOWED_UPDATES = ("message", "callback_query")


class TelegramService(Service):
    """``mediasync run --with-telegram``: the bot in the worker's process."""

    name = "telegram"
    description = "Also run the Telegram bot (mediasync-telegram) in this process."

    def run(self, stop: threading.Event) -> None:
        asyncio.run(serve(self.workspace, stop))


def _build(token: str, config: BotConfig, deps: BotDeps) -> App:
    from telegram.ext import ApplicationBuilder

    from mediasync_telegram._bot import add_handlers

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url(config.base_url))
        .request(make_request())
        .get_updates_request(make_request())
        .job_queue(None)
        .build()
    )
    app.bot_data[DEPS_KEY] = deps
    add_handlers(app)
    return app


async def serve(workspace: Workspace, stop: threading.Event) -> None:
    """Runs the bot until ``stop`` is set.

    Raises:
        UsageError: no bot connected. SettingsError: the token cannot be opened.
        AuthError: the token was refused. RemoteError: another instance polls (409), or the
            Bot API cannot be reached at start.
    """
    from telegram.error import TelegramError

    quiet_retry_after_warning()
    store = BotStore(workspace)
    config = await asyncio.to_thread(store.require_config)
    token = (await asyncio.to_thread(store.token, config)).reveal()
    with redacting(token):
        app = _build(token, config, BotDeps(workspace, stop))
        try:
            await app.initialize()
        except TelegramError as exc:
            await app.bot.shutdown()
            raise as_mediasync_error(exc, config.base_url) from None
        try:
            await _poll(app, stop, config)
        except TelegramError as exc:
            raise as_mediasync_error(exc, config.base_url) from None
        finally:
            await app.shutdown()


async def _poll(app: App, stop: threading.Event, config: BotConfig) -> None:
    from mediasync_telegram._bot import COMMANDS

    conflict = asyncio.Event()

    def polling_failed(exc: TelegramError) -> None:
        from telegram.error import Conflict

        if isinstance(exc, Conflict):
            conflict.set()
        else:
            logger.warning("telegram: getUpdates failed (%s); retrying", redact(str(exc)))

    menu = [(spec.name, spec.description) for spec in COMMANDS]
    await flood_controlled(lambda: app.bot.set_my_commands(menu))
    assert app.updater is not None
    await app.start()
    try:
        await app.updater.start_polling(
            allowed_updates=list(ALLOWED_UPDATES), error_callback=polling_failed
        )
        chats = ", ".join(str(chat) for chat in sorted(config.allowed_chats)) or "none"
        logger.info("telegram: bot @%s is answering (allowed chats: %s)", app.bot.username, chats)
        while not stop.is_set() and not conflict.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conflict.wait(), POLL_CHECK_SECONDS)
        if conflict.is_set():
            stop.set()  # the syncs this bot started stop too
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
    if conflict.is_set():
        raise RemoteError(CONFLICT)
