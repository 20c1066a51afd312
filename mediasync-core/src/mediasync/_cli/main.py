"""The console entry point: starts the listing of a ``mediasync sync`` early, then the CLI.

Nothing heavy is imported before ``main`` runs: on a plain ``mediasync [--db URL] sync NAME``
it asks the workspace to begin listing the source (``Workspace.start_listing_early``) while
SQLAlchemy, the plugins and the command line are still being set up. Any other command line,
or one this small parser is unsure of, starts nothing early. The command line itself is built in
``mediasync._cli.root``.
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediasync._cli.root import OutputClosed, RootGroup, build_cli, share_global_flags

__all__ = ["OutputClosed", "RootGroup", "build_cli", "main", "share_global_flags"]


def __getattr__(name: str) -> Any:
    """The command line's own names, from ``root`` where they live (imported on first use)."""
    if name in {"OutputClosed", "RootGroup", "build_cli", "share_global_flags"}:
        return getattr(importlib.import_module("mediasync._cli.root"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    _skip_collection_at_exit()
    early = _sync_target(sys.argv[1:] if argv is None else argv)
    if early is not None:
        from mediasync._workspace import Workspace

        target, options = early
        Workspace.start_listing_early(
            target,
            database_url=options.get("--db"),
            config_path=options.get("--config"),
            in_child_process=True,
        )

    import click

    from mediasync._cli.root import OutputClosed, build_cli
    from mediasync._errors import PluginError
    from mediasync._logging import configure_logging
    from mediasync._plugins import load_plugins

    configure_logging()
    try:
        cli = build_cli(load_plugins())
    except PluginError as exc:  # only under MEDIASYNC_STRICT_PLUGINS=1
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    try:
        cli.main(args=argv, prog_name="mediasync")
    except (OutputClosed, BrokenPipeError):
        _silence_stdout()
        sys.exit(0)


@functools.cache
def _skip_collection_at_exit() -> None:
    """Freezes the objects left at exit, after every other ``atexit`` function has run.

    The interpreter's last garbage collection walks every object SQLAlchemy, click and the
    plugins made (about 0.1 s of a ``mediasync sync``); frozen, they are left to the process's
    end like everything else. No code is skipped: every ``atexit`` function (a plugin's flush,
    ``logging.shutdown``) and the flushing of the standard streams still run, before or after
    this one; only cycles go unfinalized, which the collector never promised at exit.
    """
    atexit.register(gc.freeze)


_GLOBAL_VALUE_OPTIONS = frozenset({"--db", "--config"})
_GLOBAL_FLAGS = frozenset({"-v", "--verbose", "--json"})
_SYNC_FLAGS = frozenset(
    {
        "--dry-run",
        "--verify",
        "--allow-mass-removal",
        "--list",
        "--full",
        "--accept-root-change",
        "--json",
        "-v",
        "--verbose",
    }
)
_SYNC_VALUE_OPTIONS = frozenset({"--list-limit"})
# Not --wait: a listing taken before waiting for another sync would be older than what that sync
# indexes (see ``mediasync._sync.early``).


def _sync_target(argv: Sequence[str]) -> tuple[str, dict[str, str]] | None:
    """(target, global options) of ``[global options] sync [options] TARGET``, else ``None``."""
    options: dict[str, str] = {}
    args = list(argv)
    while args and args[0].startswith("-"):
        arg = args.pop(0)
        key, eq, value = arg.partition("=")
        if key in _GLOBAL_VALUE_OPTIONS:
            if not eq:
                if not args:
                    return None
                value = args.pop(0)
            options[key] = value
        elif arg not in _GLOBAL_FLAGS:
            return None
    if not args or args.pop(0) != "sync":
        return None
    targets: list[str] = []
    while args:
        arg = args.pop(0)
        if arg in _SYNC_VALUE_OPTIONS:
            if not args:
                return None
            args.pop(0)
        elif arg.partition("=")[0] in _SYNC_VALUE_OPTIONS or arg in _SYNC_FLAGS:
            continue
        elif arg.startswith("-"):
            return None
        else:
            targets.append(arg)
    if len(targets) != 1:
        return None
    return targets[0], options


def _silence_stdout() -> None:
    """Points stdout at the null device: what is left in its buffer is flushed at exit, and
    flushing it into the closed pipe would fail again, with a message, after we are gone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
