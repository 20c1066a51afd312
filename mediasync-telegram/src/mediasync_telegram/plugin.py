"""The module the ``mediasync`` entry point names: hook implementations only, nothing heavy.

python-telegram-bot and httpx are imported by the modules these hooks reach only when a bot
runs or a notification goes out, never on ``mediasync --help``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasync import Service, SyncRun, Workspace, hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_commands(cli: click.Group) -> None:
    from mediasync_telegram._commands import telegram_group

    cli.add_command(telegram_group)


@hookimpl
def register_services(register: Callable[[type[Service]], None]) -> None:
    from mediasync_telegram._service import TelegramService

    register(TelegramService)


@hookimpl
def sync_finished(run: SyncRun, workspace: Workspace) -> None:
    """Tells the chats watching the source, from a thread of its own (never holds the run)."""
    from mediasync_telegram._notify import notify_finished

    notify_finished(run, workspace)


@hookimpl
def schedule_paused(source: str, workspace: Workspace) -> bool:
    """Paused when every allowed chat watching ``source`` turned scheduled syncs off."""
    from mediasync_telegram._store import BotStore

    return source in BotStore(workspace).paused_sources([source])
