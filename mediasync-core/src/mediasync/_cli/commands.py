"""The core's own commands, added to the root group like a plugin's (and listed as the core's
by ``mediasync plugins``)."""

from __future__ import annotations

import importlib

import click

__all__ = ["LazyGroup", "add_core_commands"]


class LazyGroup(click.Group):
    """A group that ``--help`` lists by name and help alone; its module (``"module:attribute"``)
    is imported when the group runs, so start-up imports nothing of it."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help)
        self.target = target
        self._loaded: click.Group | None = None

    def _group(self) -> click.Group:
        if self._loaded is None:
            from mediasync._cli.root import share_global_flags

            module, _, attribute = self.target.partition(":")
            group = getattr(importlib.import_module(module), attribute)
            assert isinstance(group, click.Group), self.target
            share_global_flags(group)
            self._loaded = group
        return self._loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._group().get_command(ctx, cmd_name)


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
    cli.add_command(
        LazyGroup("plugin", "mediasync._cli.plugin_cmd:plugin_group", "Start writing a plugin.")
    )
    add_alias = getattr(cli, "add_alias", None)
    if add_alias is not None:
        add_alias("sync-media", "sync")
        add_alias("sync-status", "status")
