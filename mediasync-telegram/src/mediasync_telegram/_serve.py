"""Running the bot: long polling until stopped, alone or as a service of ``mediasync run``.

``serve`` does the whole life of the bot: read its configuration from the index, open the
token (registered for redaction before PTB sees it), check it (getMe), publish the command
menu (setMyCommands), delete any webhook and poll (PTB's ``start_polling``), then stop
cleanly when ``stop`` is set: the syncs the bot started end between two batches and their
messages are edited, the last poll confirms what was fetched.

Starting takes getMe (``initialize``) and deleteWebhook (``start_polling``); one of them failing
on the way (a dropped connection, a 5xx, a proxy's page) or answered 429 is tried again
(``_starting``: after 0.5 s, 1 s, 2 s…, or the ``retry_after`` Telegram asks for, up to
``START_ATTEMPTS`` attempts, until stopped), so one bad moment of the network does not end
``mediasync run --with-telegram``. A refused token (401/404 from getMe) ends it at once.

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
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mediasync import AuthError, MediasyncError, RemoteError, Workspace
from mediasync_telegram._api import CONFLICT, api_url, as_mediasync_error, make_request
from mediasync_telegram._context import DEPS_KEY, BotDeps
from mediasync_telegram._redact import redact, redacting
from mediasync_telegram._send import (
    MAX_FLOOD_WAIT,
    flood_controlled,
    quiet_retry_after_warning,
    retry_seconds,
)
from mediasync_telegram._store import BotConfig, BotStore

if TYPE_CHECKING:
    from telegram.error import TelegramError
    from telegram.ext import Application

    App = Application[Any, Any, Any, Any, Any, Any]

__all__ = ["TokenRevoked", "serve"]

logger = logging.getLogger("mediasync.telegram")

POLL_CHECK_SECONDS = 0.05
START_ATTEMPTS = 6
START_PAUSE = 0.5
"""Seconds before a start-up call that failed is tried again, doubled at each attempt."""
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
        RemoteError: another instance polls (409), or the Bot API cannot be reached at start
            (after ``START_ATTEMPTS`` tries).
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
            started = await _starting(app.initialize, "getMe", stop)
        except TelegramError as exc:
            await app.bot.shutdown()
            raise as_mediasync_error(exc, config.base_url) from None
        if not started:  # stopped while waiting to try again
            await app.bot.shutdown()
            return
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
        updater = app.updater
        started = await _starting(
            lambda: updater.start_polling(
                allowed_updates=list(ALLOWED_UPDATES), error_callback=halt.polling_failed
            ),
            "deleteWebhook",
            stop,
        )
        if not started:
            return
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


async def _starting(
    call: Callable[[], Awaitable[object]], what: str, stop: threading.Event
) -> bool:
    """``await call()``, tried again when it fails on the way or Telegram answers 429 (see the
    module); False when ``stop`` was set while waiting.

    Raises:
        TelegramError: the token refused, another refusal (400, 403, 409), a 429 asking for
            more than ``MAX_FLOOD_WAIT``, or the last attempt's failure.
    """
    from telegram.error import BadRequest, NetworkError, RetryAfter

    _quiet_bootstrap_abort()
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            await call()
            return True
        except RetryAfter as exc:
            wait, why = retry_seconds(exc), str(exc)
            if attempt == START_ATTEMPTS or wait > MAX_FLOOD_WAIT:
                raise
        except BadRequest:
            raise
        except NetworkError as exc:
            wait, why = START_PAUSE * 2 ** (attempt - 1), str(exc)
            if attempt == START_ATTEMPTS:
                raise
        logger.warning(
            "telegram: %s failed as the bot started (%s); trying again in %gs",
            what,
            redact(why),
            wait,
        )
        if await _stopped_within(wait, stop):
            return False
    raise AssertionError("unreachable")


async def _stopped_within(seconds: float, stop: threading.Event) -> bool:
    """Waits ``seconds``; True as soon as ``stop`` is set."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not stop.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(POLL_CHECK_SECONDS, remaining))
    return True


class _BootstrapAbort(logging.Filter):
    """Drops PTB's traceback for a failed deleteWebhook ("Network Retry Loop (Bootstrap …)
    … Aborting."): ``_starting`` tries it again and says so in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Network Retry Loop (Bootstrap") and "Abort" in message)


_BOOTSTRAP_FILTER = _BootstrapAbort()


def _quiet_bootstrap_abort() -> None:
    ptb = logging.getLogger("telegram.ext")
    if _BOOTSTRAP_FILTER not in ptb.filters:
        ptb.addFilter(_BOOTSTRAP_FILTER)
