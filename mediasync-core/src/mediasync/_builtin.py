"""The core's own registrations, made through the same hooks as any plugin's."""

from __future__ import annotations

import click

from mediasync.hookspecs import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    from mediasync._cli.db_cmd import db_group
    from mediasync._cli.plugins_cmd import plugins_command
    from mediasync._cli.sources_cmd import sources_group

    cli.add_command(plugins_command)
    cli.add_command(sources_group)
    cli.add_command(db_group)
