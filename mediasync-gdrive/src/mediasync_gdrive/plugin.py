"""The module the ``mediasync`` entry point names: hook implementations only, nothing heavy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasync import Source, hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_sources(register: Callable[[type[Source]], None]) -> None:
    from mediasync_gdrive._source import GDriveSource

    register(GDriveSource)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from mediasync_gdrive._commands import gdrive_group

    cli.add_command(gdrive_group)
    add_alias = getattr(cli, "add_alias", None)
    if add_alias is not None:
        add_alias("connect-google-drive", "gdrive", "connect")
        add_alias("google-drive-status", "gdrive", "status")
        add_alias("disconnect-google-drive", "gdrive", "disconnect")
