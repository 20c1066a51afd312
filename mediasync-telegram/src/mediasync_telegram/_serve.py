"""Running the bot: long polling until stopped, alone or as a service of ``mediasync run``.

``serve`` does the whole life of the bot: read its configuration from the index, open the
token (registered for redaction before PTB sees it), check it (getMe), publish the command
menu (setMyCommands), delete any webhook and poll (PTB's ``start_polling``), then stop
cleanly when ``stop`` is set: the syncs the bot started end between two batches and their
messages are edited, the last poll confirms what was fetched.

Two answers end the bot on its own, since polling on cannot help: 409 Conflict (another
instance polls the same bot; two pollers would steal each other's updates) and a refused
token (401, the token revoked or replaced in @BotFather while the bot ran), which the bot's
getUpdates client takes upon itself (``_polling_request``): PTB's polling loop would only end
with a traceback. Inside ``mediasync run`` (``TelegramService``) a revoked token stops the bot
only; a conflict, like a token refused at start, stops the worker too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from mediasync import AuthError, MediasyncError, RemoteError, Workspace
from mediasync_telegram._api import CONFLICT, api_url, as_mediasync_error, make_request
from mediasync_telegram._context import DEPS_KEY, BotDeps
from mediasync_telegram._redact import redact, redacting
from mediasync_telegram._send import flood_controlled, quiet_retry_after_warning
from mediasync_telegram._store import BotConfig, BotStore

if TYPE_CHECKING:
    from telegram.error import TelegramError
    from telegram.ext import Application

    App = Application[Any, Any, Any, Any, Any, Any]

__all__ = ["TokenRevoked", "serve"]

logger = logging.getLogger("mediasync.telegram")

POLL_CHECK_SECONDS = 0.05
ALLOWED_UPDATES = ("message", "callback_query")


class TokenRevoked(AuthError):
    """Telegram refused the token while the bot was polling: revoked or replaced."""


class _Halt:
    """Why the bot must stop on its own, as heard from PTB's polling and its HTTP answers."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.error: MediasyncError | None = None

    def polling_failed(self, exc: TelegramError) -> None:
        """PTB's polling error callback: a conflict halts, anything else is retried by PTB."""
        from telegram.error import Conflict

        if isinstance(exc, Conflict):
            self._halt(RemoteError(CONFLICT))
        else:
            logger.warning("telegram: getUpdates failed (%s); retrying", redact(str(exc)))

    def refused(self, status: int) -> None:
        """getUpdates answered 401 (or 404): the token was revoked while the bot ran."""
        from mediasync_telegram._polling_request import REFUSED

        self._halt(
            TokenRevoked(
                f"Telegram refused the bot token while polling ({REFUSED[status]}): it was "
                "revoked or replaced in @BotFather; connect the new one with `mediasync "
                "telegram connect`"
            )
        )

    def _halt(self, error: MediasyncError) -> None:
        if self.error is None:
            self.error = error
        self.event.set()


def _build(token: str, config: BotConfig, deps: BotDeps, halt: _Halt) -> App:
    from telegram.ext import ApplicationBuilder

    from mediasync_telegram._bot import add_handlers
    from mediasync_telegram._polling_request import PollingRequest

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url(config.base_url))
        .request(make_request())
        .get_updates_request(PollingRequest(halt.refused))
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
        AuthError: the token was refused at start. TokenRevoked: it was refused while polling.
        RemoteError: another instance polls (409), or the Bot API cannot be reached at start.
    """
    from telegram.error import TelegramError

    quiet_retry_after_warning()
    store = BotStore(workspace)
    config = await asyncio.to_thread(store.require_config)
    token = (await asyncio.to_thread(store.token, config)).reveal()
    with redacting(token):
        halt = _Halt()
        deps = BotDeps(workspace, threading.Event())  # its own stop: a halt is the bot's alone
        app = _build(token, config, deps, halt)
        try:
            await app.initialize()
        except TelegramError as exc:
            await app.bot.shutdown()
            raise as_mediasync_error(exc, config.base_url) from None
        try:
            await _poll(app, (stop, deps.stop), halt, config)
        except TelegramError as exc:
            raise as_mediasync_error(exc, config.base_url) from None
        finally:
            await app.shutdown()
    logger.info("telegram: bot @%s stopped", config.username)


async def _poll(
    app: App, stops: tuple[threading.Event, threading.Event], halt: _Halt, config: BotConfig
) -> None:
    """Polls until the first of ``stops`` (the caller's) is set or ``halt`` says so, then sets
    the second (the bot's own: what it started stops too)."""
    from mediasync_telegram._bot import COMMANDS

    stop, bot_stop = stops
    menu = [(spec.name, spec.description) for spec in COMMANDS]
    await flood_controlled(lambda: app.bot.set_my_commands(menu))
    assert app.updater is not None
    await app.start()
    try:
        await app.updater.start_polling(
            allowed_updates=list(ALLOWED_UPDATES), error_callback=halt.polling_failed
        )
        chats = ", ".join(str(chat) for chat in sorted(config.allowed_chats)) or "none"
        logger.info("telegram: bot @%s is answering (allowed chats: %s)", app.bot.username, chats)
        while not stop.is_set() and not halt.event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(halt.event.wait(), POLL_CHECK_SECONDS)
    finally:
        bot_stop.set()
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
    if halt.error is not None:
        raise halt.error
