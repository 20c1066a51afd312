"""The hooks a mediasync plugin can implement.

Hooks only register things; the work happens on the registered classes. Each ``register_*`` hook
receives a ``register`` callback: call it once per class. Observer hooks are called one
implementation at a time, on a thread of the run's own after the commit, so an exception in one
is logged and never breaks a sync, and a slow one never holds it back. ``schedule_paused`` is a
question the worker asks each implementation on its own; one that raises is logged and counts
as "not paused".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from mediasync._models import ItemChange, SyncRun
    from mediasync._publisher import Publisher
    from mediasync._service import Service
    from mediasync._source import Source
    from mediasync._strategy import SyncStrategy
    from mediasync._workspace import Workspace

__all__ = ["hookimpl", "hookspec"]

PROJECT = "mediasync"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Callable[[type[Source]], None]) -> None:
    """Register ``Source`` subclasses; each one's ``type_name`` becomes a ``--type`` choice."""


@hookspec
def register_publishers(register: Callable[[type[Publisher]], None]) -> None:
    """Register ``Publisher`` subclasses; each one's ``type_name`` becomes a ``publishers add
    --type`` choice, and its accounts what ``mediasync publish ITEM --to ACCOUNT`` posts to."""


@hookspec
def register_sync_strategies(register: Callable[[type[SyncStrategy]], None]) -> None:
    """Register ``SyncStrategy`` subclasses by their ``name`` (``scan``, ``changes``, …)."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``mediasync`` command line (``cli.add_command``)."""


@hookspec
def register_services(register: Callable[[type[Service]], None]) -> None:
    """Register ``Service`` subclasses: companions that ``mediasync run --with-NAME`` runs on a
    thread next to the worker (a chat bot), one ``--with-`` flag per ``name``."""


@hookspec
def sync_finished(run: SyncRun, workspace: Workspace) -> None:
    """Observe a finished sync run, whatever ended it (notify a chat, export metrics).

    ``workspace`` is the one the run belongs to (its index database: read your plugin's state
    there); do not close it.
    """


@hookspec
def schedule_paused(source: str, workspace: Workspace) -> bool:
    """Whether the worker should skip this scheduled sync of ``source`` (a chat paused it).

    Asked before each scheduled sync; any plugin answering true postpones it by one interval.
    Syncs asked for by name (``mediasync sync``, a bot's ``/sync``) are never paused.
    """
    return False


@hookspec
def item_changed(change: ItemChange) -> None:
    """Observe one change to one indexed item, after the change is committed."""
