"""``mediasync sources``: add, list, show, remove, enable and disable sources.

Everything a user types is validated (type, root, every setting by the plugin's settings class)
before anything is written; secrets are sealed before they reach the database.
"""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._errors import UsageError
from mediasync._workspace import SourceInfo


def parse_assignments(values: tuple[str, ...]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected key=value, got {value!r}", param_hint="--set")
        if key.strip() in settings:
            raise click.BadParameter(f"'{key.strip()}' given twice", param_hint="--set")
        settings[key.strip()] = text
    return settings


def describe(info: SourceInfo, with_items: bool = False) -> dict[str, Any]:
    """The documented JSON shape of a source (docs/cli.md)."""
    data: dict[str, Any] = {
        "name": info.name,
        "type": info.type,
        "root": info.root,
        "enabled": info.enabled,
        "interval_seconds": info.interval_seconds,
        "strategy": info.strategy,
        "settings": dict(info.settings),
        "created_at": info.created_at,
        "updated_at": info.updated_at,
    }
    if with_items:
        data["items"] = {"active": info.items_active, "removed": info.items_removed}
    return data


@click.group("sources")
def sources_group() -> None:
    """Manage the places media is indexed from."""


@sources_group.command("add")
@click.argument("name")
@click.option("--type", "type_name", required=True, help="Source type (see `mediasync plugins`).")
@click.option("--root", help="Where the media is: a folder path, a Drive folder id or URL, …")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    help="Seconds between scheduled syncs (default from configuration).",
)
@click.option("--strategy", help="Sync strategy (default: the source type's own).")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="A setting of the source type; repeatable. Secrets may be $env:NAME or $file:PATH.",
)
@click.option("--disabled", is_flag=True, help="Add it disabled (the worker skips it).")
@json_option
@pass_state
def add_command(
    state: CliState,
    name: str,
    type_name: str,
    root: str | None,
    interval: int | None,
    strategy: str | None,
    assignments: tuple[str, ...],
    disabled: bool,
    as_json: bool,
) -> None:
    """Add a source; its settings are checked by its plugin before anything is stored."""
    info = state.workspace.add_source(
        name,
        type_name,
        root=root,
        settings=parse_assignments(assignments),
        interval_seconds=interval,
        strategy=strategy,
        enabled=not disabled,
    )
    emit(
        describe(info),
        as_json,
        lambda: click.echo(f"added source '{name}' ({type_name}) {info.root or ''}"),
    )


@sources_group.command("list")
@json_option
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """List sources with their item counts."""
    data = [describe(info, with_items=True) for info in state.workspace.sources()]

    def text() -> None:
        if not data:
            click.echo("no sources yet: add one with `mediasync sources add NAME --type TYPE`")
        for entry in data:
            flag = "" if entry["enabled"] else " (disabled)"
            click.echo(
                f"{entry['name']:<20} {entry['type']:<10} {entry['items']['active']:>8} items  "
                f"{entry['root'] or ''}{flag}"
            )

    emit(data, as_json, text)


@sources_group.command("show")
@click.argument("name")
@json_option
@pass_state
def show_command(state: CliState, name: str, as_json: bool) -> None:
    """Show one source: settings (secrets redacted), schedule, item counts."""
    data = describe(state.workspace.source(name), with_items=True)

    def text() -> None:
        for key, value in data.items():
            if isinstance(value, dict):
                click.echo(f"{key}:")
                for sub, sub_value in value.items():
                    click.echo(f"  {sub}: {sub_value}")
            else:
                click.echo(f"{key}: {'' if value is None else value}")

    emit(data, as_json, text)


@sources_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def remove_command(state: CliState, name: str, yes: bool, as_json: bool) -> None:
    """Remove a source and its index entries (the media files themselves are not touched)."""
    info = state.workspace.source(name)
    if not yes:
        total = info.items_active + info.items_removed
        click.confirm(
            f"Remove source '{name}' and its {total} index entries?", abort=True, err=True
        )
    removed = state.workspace.remove_source(name)
    data = {"name": name, "removed_items": removed}
    emit(data, as_json, lambda: click.echo(f"removed source '{name}' ({removed} index entries)"))


def _toggle(state: CliState, name: str, enabled: bool, as_json: bool) -> None:
    info = state.workspace.update_source(name, enabled=enabled)
    word = "enabled" if enabled else "disabled"
    emit(describe(info), as_json, lambda: click.echo(f"{word} source '{name}'"))


@sources_group.command("enable")
@click.argument("name")
@json_option
@pass_state
def enable_command(state: CliState, name: str, as_json: bool) -> None:
    """Enable a source: the worker syncs it on its interval."""
    _toggle(state, name, True, as_json)


@sources_group.command("disable")
@click.argument("name")
@json_option
@pass_state
def disable_command(state: CliState, name: str, as_json: bool) -> None:
    """Disable a source: kept with its index, skipped by the worker."""
    _toggle(state, name, False, as_json)


@sources_group.command("set")
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--root", help="A new root, checked as at `sources add`.")
@click.option(
    "--interval",
    type=click.IntRange(min=0),
    help="Seconds between scheduled syncs; 0 returns to the configured default.",
)
@json_option
@pass_state
def set_command(
    state: CliState,
    name: str,
    assignments: tuple[str, ...],
    root: str | None,
    interval: int | None,
    as_json: bool,
) -> None:
    """Change a source's settings, root or interval; its items and history stay.

    A setting given as KEY= (empty) is removed, going back to its default.
    """
    changes: dict[str, Any] = {
        key: (value if value != "" else None)
        for key, value in parse_assignments(assignments).items()
    }
    if not (changes or root is not None or interval is not None):
        raise UsageError("nothing to change: give KEY=VALUE settings, --root or --interval")
    options: dict[str, Any] = {}
    if root is not None:
        options["root"] = root
    if interval is not None:
        options["interval_seconds"] = interval or None
    info = state.workspace.update_source(name, settings=changes or None, **options)
    emit(describe(info), as_json, lambda: click.echo(f"updated source '{name}'"))
