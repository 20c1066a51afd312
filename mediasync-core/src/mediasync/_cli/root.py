"""The root ``mediasync`` group, built from a ``Plugins`` by a function: no import-time commands.

Errors that mediasync raises on purpose, and click's own (unknown option, missing argument, bad
value), become one ``error: …`` line and their exit code (1 failed, 2 usage); the traceback is
printed only with ``-v``.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from mediasync._cli.commands import add_core_commands
from mediasync._cli.output import CliState, json_flag, verbose_flag
from mediasync._config import unknown_environment
from mediasync._errors import MediasyncError
from mediasync._plugins import Plugins

__all__ = ["OutputClosed", "RootGroup", "build_cli", "share_global_flags"]

# click >= 8.2 reports a group called without a command as an error whose message is the help.
_HELP_AS_ERROR = tuple(
    kind for kind in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if kind is not None
)


class OutputClosed(Exception):
    """Whoever read our output stopped reading (``mediasync items list | head -1``).

    Raised instead of ``BrokenPipeError`` so that it passes click, which would exit 1 for it,
    and reaches ``main``, which ends quietly.
    """


def _one_line(error: click.ClickException) -> NoReturn:
    """Shows a click error like every other error, not as click's usage block."""
    if isinstance(error, _HELP_AS_ERROR):
        raise error
    click.echo(f"error: {error.format_message()}", err=True)
    raise click.exceptions.Exit(error.exit_code) from None


@contextmanager
def _edge_errors() -> Iterator[None]:
    try:
        yield
    except click.ClickException as exc:
        _one_line(exc)
    except BrokenPipeError:
        raise OutputClosed from None


def _leaf_commands(group: click.Group) -> Iterator[click.Command]:
    seen: set[int] = set()
    pending: list[click.Command] = list(group.commands.values())
    while pending:
        command = pending.pop()
        if id(command) in seen:
            continue
        seen.add(id(command))
        if isinstance(command, click.Group):
            pending.extend(command.commands.values())
        else:
            yield command


def _accept_global_flags(command: click.Command) -> None:
    """Gives ``command`` a ``-v`` and lets its ``--json`` also be given before its name.

    Done for every command, plugins' too, so that a user never has to remember which side of
    the command name these two flags belong on. A command that has its own ``-v`` keeps it.
    """
    taken = {opt for param in command.params for opt in param.opts}
    if not taken & {"-v", "--verbose"}:
        command.params.append(
            click.Option(
                ["-v", "--verbose"],
                is_flag=True,
                expose_value=False,
                callback=verbose_flag,
                help="Show debug logs and tracebacks.",
            )
        )
    for param in command.params:
        if isinstance(param, click.Option) and param.name == "as_json" and param.is_flag:
            param.callback = param.callback or json_flag


def share_global_flags(group: click.Group) -> None:
    """Gives every command below ``group`` the global ``-v`` and ``--json`` (see above)."""
    for command in _leaf_commands(group):
        _accept_global_flags(command)


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

    def share_global_flags(self) -> None:
        """``-v`` and ``--json`` are accepted after any command as well as before it."""
        share_global_flags(self)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _edge_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _edge_errors():
                return super().invoke(ctx)
        except MediasyncError as exc:
            state = ctx.find_object(CliState)
            if state is not None and state.verbose:
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (
            click.exceptions.Exit,
            click.ClickException,
            click.Abort,
            KeyboardInterrupt,
            OutputClosed,
        ):
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
    @click.option("--json", "as_json", is_flag=True, help="Print JSON, as the command's --json.")
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
        ctx: click.Context,
        verbose: bool,
        as_json: bool,
        config_path: Path | None,
        database_url: str | None,
    ) -> None:
        """mediasync: index your media wherever it lives, keep the index true, publish it."""
        state = CliState(plugins, config_path, database_url, as_json=as_json)
        if verbose:
            state.be_verbose()
        ctx.obj = state
        ctx.call_on_close(state.workspace.make_current())
        ctx.call_on_close(state.close)
        for message in unknown_environment():
            click.echo(f"warning: {message}", err=True)

    assert isinstance(cli, RootGroup)
    plugins.add_commands(cli, core=add_core_commands)
    cli.share_global_flags()
    return cli
