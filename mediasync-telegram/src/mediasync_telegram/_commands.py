"""``mediasync telegram connect | run | status | allow | deny | watch | unwatch``.

Through ``Workspace`` only. Nothing is stored unless Telegram accepted the token (getMe); the
token is never printed. Chat ids of groups are negative: these commands take them as
arguments as they are (``mediasync telegram allow -1001234567890``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from mediasync import UsageError, Workspace
from mediasync_telegram._store import DEFAULT_BASE_URL, BotConfig, BotStore

__all__ = ["telegram_group"]

NEGATIVE_IDS = {"ignore_unknown_options": True}
"""Lets ``-1001234567890`` pass as an argument rather than be taken for an option."""


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)


def _token_value(given: str) -> str:
    """The token to try: ``-`` reads standard input, ``$env:NAME`` and ``$file:PATH`` are read
    now (and stored as that reference by ``seal_secret``)."""
    if given == "-":
        return sys.stdin.readline().strip()
    if given.startswith("$env:"):
        value = os.environ.get(given[5:], "").strip()
        if not value:
            raise UsageError(f"--token {given}: the environment variable is not set or empty")
        return value
    if given.startswith("$file:"):
        try:
            return Path(given[6:]).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--token {given}: cannot read it ({exc.strerror})") from None
    return given.strip()


def _chat_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(
            f"{text!r} is not a chat id: chat ids are whole numbers (groups' are negative)"
        ) from None


def _describe(config: BotConfig) -> dict[str, Any]:
    return {
        "username": config.username,
        "bot_id": config.bot_id,
        "base_url": config.base_url,
        "allowed_chats": sorted(config.allowed_chats),
    }


@click.group("telegram")
def telegram_group() -> None:
    """The Telegram bot: connect it, allow chats, run it."""


@telegram_group.command("connect", context_settings=NEGATIVE_IDS)
@click.option("--token", required=True, help="The bot's token from @BotFather; '-' reads stdin.")
@click.option(
    "--allow", "allowed", multiple=True, required=True, metavar="CHAT_ID",
    help="A chat the bot serves (repeat for more; groups' ids are negative).",
)  # fmt: skip
@click.option(
    "--base-url", metavar="URL", default=DEFAULT_BASE_URL, show_default=True,
    help="The Bot API server's root (a local server, a test fake); the plugin adds "
    "/bot<token>/ itself.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def connect_command(token: str, allowed: tuple[str, ...], base_url: str, as_json: bool) -> None:
    """Check the bot's token with Telegram, then store it (encrypted) and the allowed chats."""
    from mediasync_telegram._api import check_token

    chats = frozenset(_chat_id(chat) for chat in allowed)
    workspace = Workspace.current()
    value = _token_value(token)
    if not value:
        raise UsageError("--token is empty")
    username, bot_id = check_token(value, base_url)
    stored = token.strip() if token.startswith(("$env:", "$file:")) else value
    config = BotConfig(workspace.seal_secret(stored), username, bot_id, base_url.rstrip("/"), chats)
    BotStore(workspace).save_config(config)
    _emit(
        _describe(config),
        as_json,
        [
            f"connected bot @{username} (id {bot_id}); chats allowed: "
            f"{', '.join(str(c) for c in sorted(chats))}",
            "run it with: mediasync telegram run (or mediasync run --with-telegram)",
        ],
    )


def _stop_on_signal(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    """First signal: stop cleanly (syncs end between two batches). Second: leave at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(128 + signum)
        stop.set()
        click.echo("stopping the bot (again to exit at once)", err=True)

    return handle


@telegram_group.command("run")
def run_command() -> None:
    """Run the bot (long polling) until Ctrl-C or SIGTERM; it logs to stderr."""
    import asyncio

    from mediasync_telegram._logs import operator_log
    from mediasync_telegram._serve import serve

    workspace = Workspace.current()
    stop = threading.Event()
    on_signal = _stop_on_signal(stop)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with operator_log():
            asyncio.run(serve(workspace, stop))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@telegram_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_command(as_json: bool) -> None:
    """Show the connected bot, its allowed chats and each chat's settings (nothing is sent)."""
    store = BotStore(Workspace.current())
    config = store.require_config()
    data = _describe(config)
    data["chats"] = [
        {"chat_id": chat_id, **store.chat(chat_id).to_json()}
        for chat_id in sorted(config.allowed_chats)
    ]
    lines = [f"bot @{config.username} (id {config.bot_id}) at {config.base_url}"]
    for chat in data["chats"]:
        watched = ", ".join(chat["sources"]) or "no sources"
        lines.append(
            f"  chat {chat['chat_id']}: watches {watched}; scheduled syncs "
            f"{'on' if chat['media_sync_enabled'] else 'off'}, notifications "
            f"{'on' if chat['notifications'] else 'off'}"
        )
    if not config.allowed_chats:
        lines.append("  no chat allowed: mediasync telegram allow CHAT_ID")
    _emit(data, as_json, lines)


@telegram_group.command("allow", context_settings=NEGATIVE_IDS)
@click.argument("chat_id")
def allow_command(chat_id: str) -> None:
    """Let chat CHAT_ID use the bot."""
    BotStore(Workspace.current()).allow(_chat_id(chat_id))
    click.echo(f"chat {chat_id} may use the bot")


@telegram_group.command("deny", context_settings=NEGATIVE_IDS)
@click.argument("chat_id")
def deny_command(chat_id: str) -> None:
    """Stop serving chat CHAT_ID (its settings are kept for if it is allowed again)."""
    store = BotStore(Workspace.current())
    if _chat_id(chat_id) not in store.require_config().allowed_chats:
        raise UsageError(f"chat {chat_id} is not allowed: nothing to deny")
    store.allow(_chat_id(chat_id), allowed=False)
    click.echo(f"chat {chat_id} may no longer use the bot")


def _watch(chat_id: str, sources: tuple[str, ...], watch: bool) -> None:
    workspace = Workspace.current()
    store = BotStore(workspace)
    chat = _chat_id(chat_id)
    if chat not in store.require_config().allowed_chats:
        raise UsageError(f"chat {chat} is not allowed: run `mediasync telegram allow {chat}` first")
    known = {info.name for info in workspace.sources()}
    unknown = [name for name in sources if name not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise UsageError(f"no source named {', '.join(map(repr, unknown))} (sources: {listed})")
    settings = store.chat(chat)
    names = set(settings.sources) | set(sources) if watch else set(settings.sources) - set(sources)
    store.save_chat(settings.with_sources(names))
    click.echo(f"chat {chat} watches {', '.join(sorted(names)) or 'no sources'}")


@telegram_group.command("watch", context_settings=NEGATIVE_IDS)
@click.argument("chat_id")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
def watch_command(chat_id: str, sources: tuple[str, ...]) -> None:
    """Link chat CHAT_ID to SOURCEs: it hears of their syncs and can pause their schedule."""
    _watch(chat_id, sources, watch=True)


@telegram_group.command("unwatch", context_settings=NEGATIVE_IDS)
@click.argument("chat_id")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
def unwatch_command(chat_id: str, sources: tuple[str, ...]) -> None:
    """Unlink chat CHAT_ID from SOURCEs."""
    _watch(chat_id, sources, watch=False)
