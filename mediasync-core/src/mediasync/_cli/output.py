"""Shared CLI plumbing: the state object, ``--json`` output, and errors as one line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

from mediasync._app import App
from mediasync._plugins import Plugins
from mediasync._workspace import Workspace

__all__ = [
    "CliState",
    "emit",
    "json_default",
    "json_flag",
    "json_option",
    "pass_state",
    "verbose_flag",
]

F = TypeVar("F", bound=Callable[..., Any])


@attrs.define
class CliState:
    """What the root group's options leave for the subcommands: above all the workspace,
    which every command uses and nothing else (its configuration is read at first use)."""

    plugins: Plugins
    config_path: Path | None = None
    database_url: str | None = None
    verbose: bool = False
    as_json: bool = False
    """``--json`` given before the command; each command's own ``--json`` is read with it."""
    workspace: Workspace = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.workspace = Workspace(self._build_app)

    def _build_app(self) -> App:
        from mediasync._config import load_config

        overrides = {"database_url": self.database_url} if self.database_url else {}
        return App(load_config(self.config_path, overrides=overrides), self.plugins)

    @property
    def app(self) -> App:
        return self.workspace.app

    def be_verbose(self) -> None:
        """Debug logs now, tracebacks on errors later: ``-v`` anywhere on the command line."""
        self.verbose = True
        logging.getLogger("mediasync").setLevel(logging.DEBUG)

    def close(self) -> None:
        self.workspace.close()


pass_state = click.make_pass_decorator(CliState)


def json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """The command's ``--json``, also true when it was given before the command name."""
    state = ctx.find_object(CliState)
    return value or (state is not None and state.as_json)


def verbose_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """A command's own ``-v`` does what the root group's does, so it may follow the command."""
    state = ctx.find_object(CliState)
    if value and state is not None:
        state.be_verbose()


def json_option(function: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=json_flag,
        help="Print JSON (fields in docs/cli.md).",
    )(function)


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if attrs.has(type(value)):
        return attrs.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit(data: Any, as_json: bool, text: Callable[[], None]) -> None:
    """Prints ``data`` as JSON, or calls ``text`` to print it for a person."""
    if as_json:
        click.echo(json.dumps(data, indent=2, default=json_default, ensure_ascii=False))
    else:
        text()


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
