"""The core's own commands, added to the root group like a plugin's (and listed as the core's
by ``mediasync plugins``)."""

from __future__ import annotations

import click

__all__ = ["add_core_commands"]


def add_core_commands(cli: click.Group) -> None:
    from mediasync._cli.copy_cmd import copy_command
    from mediasync._cli.db_cmd import db_group
    from mediasync._cli.doctor_cmd import doctor_command
    from mediasync._cli.items_cmd import items_group
    from mediasync._cli.media_cmd import duplicates_command, refresh_metadata_command
    from mediasync._cli.plugins_cmd import plugins_command
    from mediasync._cli.publish_cmd import publications_command, publish_command
    from mediasync._cli.publishers_cmd import publishers_group
    from mediasync._cli.run_cmd import run_command
    from mediasync._cli.sources_cmd import sources_group
    from mediasync._cli.status_cmd import status_command
    from mediasync._cli.sync_cmd import sync_command

    for command in (
        sync_command,
        copy_command,
        run_command,
        status_command,
        doctor_command,
        items_group,
        duplicates_command,
        sources_group,
        publish_command,
        publications_command,
        publishers_group,
        plugins_command,
        db_group,
    ):
        cli.add_command(command)
    items_group.add_command(refresh_metadata_command)
    add_alias = getattr(cli, "add_alias", None)
    if add_alias is not None:
        add_alias("sync-media", "sync")
        add_alias("sync-status", "status")
