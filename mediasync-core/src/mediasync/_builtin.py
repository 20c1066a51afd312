"""The core's own registrations, made through the same hooks as any plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mediasync.hookspecs import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_sync_strategies(register: Callable[[type[Any]], None]) -> None:
    from mediasync._sync.strategies import ChangeFeedStrategy, ScanStrategy

    register(ScanStrategy)
    register(ChangeFeedStrategy)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from mediasync._cli.db_cmd import db_group
    from mediasync._cli.doctor_cmd import doctor_command
    from mediasync._cli.items_cmd import items_group
    from mediasync._cli.plugins_cmd import plugins_command
    from mediasync._cli.run_cmd import run_command
    from mediasync._cli.sources_cmd import sources_group
    from mediasync._cli.status_cmd import status_command
    from mediasync._cli.sync_cmd import sync_command

    for command in (
        sync_command,
        run_command,
        status_command,
        doctor_command,
        items_group,
        sources_group,
        plugins_command,
        db_group,
    ):
        cli.add_command(command)
    add_alias = getattr(cli, "add_alias", None)
    if add_alias is not None:
        add_alias("sync-media", "sync")
        add_alias("sync-status", "status")
