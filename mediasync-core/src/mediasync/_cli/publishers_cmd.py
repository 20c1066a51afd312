"""``mediasync publishers``: the accounts media is published to.

Settings are checked by the publisher type's settings class before anything is stored, and
secrets sealed, exactly as for sources (``sources_cmd``).
"""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._cli.sources_cmd import parse_assignments
from mediasync._errors import UsageError
from mediasync._publish_results import PublisherInfo


def publisher_json(info: PublisherInfo) -> dict[str, Any]:
    """The documented JSON shape of a publisher account (docs/cli.md)."""
    return {
        "name": info.name,
        "type": info.type,
        "settings": dict(info.settings),
        "kinds": list(info.kinds),
        "default_kind": info.default_kind,
        "created_at": info.created_at,
        "updated_at": info.updated_at,
    }


@click.group("publishers")
def publishers_group() -> None:
    """Manage the accounts media is published to."""


@publishers_group.command("add")
@click.argument("name")
@click.option(
    "--type", "type_name", required=True, help="Publisher type (see `mediasync plugins`)."
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="A setting of the publisher type; repeatable. Secrets may be $env:NAME or $file:PATH.",
)
@json_option
@pass_state
def add_command(
    state: CliState, name: str, type_name: str, assignments: tuple[str, ...], as_json: bool
) -> None:
    """Add a publisher account; its settings are checked before anything is stored."""
    info = state.workspace.add_publisher(name, type_name, settings=parse_assignments(assignments))
    emit(
        publisher_json(info),
        as_json,
        lambda: click.echo(f"added publisher account '{name}' ({type_name})"),
    )


@publishers_group.command("list")
@json_option
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """List publisher accounts and what each can publish as."""
    infos = state.workspace.publishers()

    def text() -> None:
        if not infos:
            click.echo("no publisher accounts yet: add one with `mediasync publishers add`")
        for info in infos:
            kinds = ", ".join(info.kinds) or "type not installed"
            click.echo(f"{info.name:<20} {info.type:<12} {kinds}")

    emit([publisher_json(info) for info in infos], as_json, text)


@publishers_group.command("show")
@click.argument("name")
@json_option
@pass_state
def show_command(state: CliState, name: str, as_json: bool) -> None:
    """Show one account: type, kinds, settings (secrets redacted)."""
    data = publisher_json(state.workspace.publisher(name))

    def text() -> None:
        for key, value in data.items():
            if isinstance(value, dict):
                click.echo(f"{key}:")
                for sub, sub_value in value.items():
                    click.echo(f"  {sub}: {sub_value}")
            elif isinstance(value, list):
                click.echo(f"{key}: {', '.join(value)}")
            else:
                click.echo(f"{key}: {'' if value is None else value}")

    emit(data, as_json, text)


@publishers_group.command("set")
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="KEY=VALUE...")
@json_option
@pass_state
def set_command(state: CliState, name: str, assignments: tuple[str, ...], as_json: bool) -> None:
    """Change an account's settings; KEY= (empty) goes back to the default."""
    changes: dict[str, Any] = {
        key: (value if value != "" else None)
        for key, value in parse_assignments(assignments).items()
    }
    if not changes:
        raise UsageError("nothing to change: give KEY=VALUE settings")
    info = state.workspace.update_publisher(name, settings=changes)
    emit(publisher_json(info), as_json, lambda: click.echo(f"updated publisher account '{name}'"))


@publishers_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def remove_command(state: CliState, name: str, yes: bool, as_json: bool) -> None:
    """Remove a publisher account (its publication history stays)."""
    info = state.workspace.publisher(name)
    if not yes:
        click.confirm(
            f"Remove publisher account '{name}' ({info.type})? Its publication history stays.",
            abort=True,
            err=True,
        )
    state.workspace.remove_publisher(name)
    emit({"name": name}, as_json, lambda: click.echo(f"removed publisher account '{name}'"))
