"""Reaching the Bot API with python-telegram-bot, and its errors as one line each.

PTB is imported inside the functions (``mediasync --help`` must stay light). Every call runs
with the token registered for redaction first: PTB logs its URLs at DEBUG and names the token
in ``InvalidToken``; every error leaving this module is a mediasync error written here,
never PTB's own text.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

from mediasync import AuthError, MediasyncError, RemoteError
from mediasync_telegram._redact import redact, redacting

if TYPE_CHECKING:
    import ssl

    from telegram.error import TelegramError
    from telegram.request import HTTPXRequest

__all__ = [
    "CONFLICT",
    "api_url",
    "as_mediasync_error",
    "check_token",
    "make_request",
    "request_settings",
]

CONFLICT = (
    "another instance of this bot is polling Telegram (409 Conflict): stop it first; only one "
    "`mediasync telegram run` or `mediasync run --with-telegram` may serve a bot"
)


def api_url(base_url: str) -> str:
    """PTB's ``base_url``: the server's root with ``/bot`` (PTB appends the token itself)."""
    return f"{base_url.rstrip('/')}/bot"


def request_settings(read_timeout: float = 10.0) -> dict[str, Any]:
    """PTB's ``HTTPXRequest`` arguments: bounded waits, so an unanswered request fails instead
    of hanging (for getUpdates, PTB adds the long poll's own timeout to ``read_timeout``)."""
    return {
        "connect_timeout": 5.0,
        "read_timeout": read_timeout,
        "write_timeout": 10.0,
        "pool_timeout": 5.0,
        "httpx_kwargs": {"verify": _tls()},
    }


def make_request(read_timeout: float = 10.0) -> HTTPXRequest:
    """PTB's HTTP client made with ``request_settings``."""
    from telegram.request import HTTPXRequest

    return HTTPXRequest(**request_settings(read_timeout))


@functools.cache
def _tls() -> ssl.SSLContext:
    """The verifying TLS context httpx makes by default, made once per process: reading the CA
    bundle is most of the time a bot takes to start, and each start makes two clients."""
    import httpx

    return httpx.create_ssl_context()


def as_mediasync_error(exc: TelegramError, base_url: str) -> MediasyncError:
    """A PTB error as one line for the user, without the token PTB may have put in it."""
    from telegram.error import Conflict, InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        cause = getattr(exc.__cause__, "message", "") or exc.message
        if "not found" in cause.lower():
            return AuthError(
                "Telegram does not know this bot token (404 Not Found): copy it whole from "
                "@BotFather (it looks like 123456789:AA…)"
            )
        return AuthError(
            "Telegram refused the bot token (401 Unauthorized): check it with @BotFather "
            "(/token), then connect again"
        )
    if isinstance(exc, Conflict):
        return RemoteError(CONFLICT)
    if isinstance(exc, NetworkError):
        return RemoteError(
            f"cannot reach the Telegram Bot API at {base_url}: {redact(exc.message)}"
        )
    return RemoteError(f"the Telegram Bot API refused: {redact(exc.message)}")


def check_token(token: str, base_url: str) -> tuple[str, int]:
    """The bot's username and id, asked of Telegram (getMe) with ``token``.

    Raises:
        AuthError: the token was refused. RemoteError: the API could not be reached.
    """
    return asyncio.run(_get_me(token, base_url))


async def _get_me(token: str, base_url: str) -> tuple[str, int]:
    from telegram import Bot
    from telegram.error import TelegramError

    with redacting(token):
        try:
            bot = Bot(token, base_url=api_url(base_url), request=make_request())
        except TelegramError as exc:  # an empty token, refused before any request
            raise as_mediasync_error(exc, base_url) from None
        try:
            await bot.initialize()
            return bot.username, bot.id
        except TelegramError as exc:
            raise as_mediasync_error(exc, base_url) from None
        finally:
            await bot.shutdown()
