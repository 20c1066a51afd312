"""The root ``mediasync`` group, built from a ``Plugins`` by a function: no import-time commands.

Errors that mediasync raises on purpose become one ``error: …`` line and their exit code (1
failed, 2 usage); the traceback is printed only with ``-v``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from mediasync._cli.output import CliState
from mediasync._errors import MediasyncError, PluginError
from mediasync._plugins import Plugins, load_plugins

__all__ = ["RootGroup", "build_cli", "main"]


class RootGroup(click.Group):
    """A click group with hidden aliases (the seed's command names) and one-line errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases: dict[str, tuple[str, ...]] = {}

    def add_alias(self, alias: str, *path: str) -> None:
        """``add_alias("sync-status", "status")``, ``add_alias("connect-google-drive",
        "gdrive", "connect")``: the alias runs that command and is not listed in ``--help``."""
        self.aliases[alias] = path

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        path = self.aliases.get(cmd_name)
        if path is None:
            return super().get_command(ctx, cmd_name)
        command: click.Command | None = self
        for part in path:
            if not isinstance(command, click.Group):
                return None
            command = command.get_command(ctx, part)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MediasyncError as exc:
            state = ctx.find_object(CliState)
            if state is not None and state.verbose:
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            state = ctx.find_object(CliState)
            if state is not None and state.verbose:
                traceback.print_exc()
            hint = "" if state is not None and state.verbose else " (run with -v for details)"
            click.echo(f"error: unexpected {type(exc).__name__}: {exc}{hint}", err=True)
            ctx.exit(1)


def build_cli(plugins: Plugins) -> RootGroup:
    """The complete command line for these plugins; each plugin adds its own commands."""
    from mediasync import __version__

    @click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, "--version", prog_name="mediasync")
    @click.option("-v", "--verbose", is_flag=True, help="Show debug logs and tracebacks.")
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML configuration file (default: mediasync.toml in the user's config directory).",
    )
    @click.option(
        "--db",
        "database_url",
        metavar="URL",
        help="Index database URL (env MEDIASYNC_DATABASE_URL; default: SQLite in the data dir).",
    )
    @click.pass_context
    def cli(
        ctx: click.Context, verbose: bool, config_path: Path | None, database_url: str | None
    ) -> None:
        """mediasync: index your media wherever it lives, keep the index true, publish it."""
        if verbose:
            logging.getLogger("mediasync").setLevel(logging.DEBUG)
        state = CliState(plugins, config_path, database_url, verbose)
        ctx.obj = state
        ctx.call_on_close(state.close)

    assert isinstance(cli, RootGroup)
    plugins.add_commands(cli)
    return cli


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from mediasync._logging import configure_logging

    configure_logging()
    try:
        cli = build_cli(load_plugins())
    except PluginError as exc:  # only under MEDIASYNC_STRICT_PLUGINS=1
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    cli.main(args=argv, prog_name="mediasync")
