"""``mediasync plugin new NAME``: start a plugin distribution (loaded only when it runs)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["plugin_group"]


@click.group("plugin")
def plugin_group() -> None:
    """Write a plugin: `mediasync plugin new NAME` starts one (see docs/plugins.md)."""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path(),
    show_default=".",
    help="The folder to create mediasync-NAME/ in.",
)
def new_command(name: str, parent: Path) -> None:
    """Create mediasync-NAME/: pyproject with the entry point, a source skeleton with its
    settings class, and tests that run mediasync's conformance suite against it."""
    from mediasync._plugin_new import write_plugin

    target = write_plugin(name, parent)
    click.echo(f"created {target}")
    click.echo(f"next: cd {target} && pip install -e '.[test]' && pytest")
