"""``mediasync sources``: add, list, show, remove, enable and disable sources.

Everything a user types is validated (type, root, every setting by the plugin's settings class)
before anything is written; secrets are sealed before they reach the database.
"""

from __future__ import annotations

import re
from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._errors import UsageError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


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


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"invalid source name {name!r}: use letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit, at most 100 characters)"
        )
    return name


def describe(state: CliState, record: Any, counts: dict[str, int] | None = None) -> dict[str, Any]:
    from mediasync._settings import display_settings

    data: dict[str, Any] = {
        "name": record.name,
        "type": record.type,
        "root": record.root,
        "enabled": record.enabled,
        "interval_seconds": record.interval_seconds,
        "strategy": record.strategy,
        "settings": display_settings(record.settings),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
    if counts is not None:
        data["items"] = counts
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
    from mediasync._db.sources import add_source
    from mediasync._settings import seal_settings

    check_name(name)
    raw = parse_assignments(assignments)
    app = state.app
    source_type = app.plugins.source_type(type_name)
    root = source_type.normalize_root(root)
    if strategy is not None:
        strategy_type = app.plugins.strategy(strategy)
        if not strategy_type.supports(source_type):
            raise UsageError(
                f"strategy '{strategy}' needs capabilities "
                f"{', '.join(sorted(strategy_type.required_capabilities))} that source type "
                f"'{type_name}' does not declare"
            )
    stored = seal_settings(
        source_type.Settings, raw, app.secrets, owner=f"source '{name}' ({type_name})"
    )
    with app.engine.begin() as connection:
        record = add_source(
            connection,
            name=name,
            type=type_name,
            root=root,
            settings=stored,
            interval_seconds=interval,
            strategy=strategy,
            enabled=not disabled,
        )
    data = describe(state, record)
    emit(data, as_json, lambda: click.echo(f"added source '{name}' ({type_name}) {root or ''}"))


@sources_group.command("list")
@json_option
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """List sources with their item counts."""
    from mediasync._db.sources import item_counts, list_sources

    with state.app.engine.connect() as connection:
        data = [
            describe(state, record, item_counts(connection, record.id))
            for record in list_sources(connection)
        ]

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
    from mediasync._db.sources import get_source, item_counts

    with state.app.engine.connect() as connection:
        record = get_source(connection, name)
        data = describe(state, record, item_counts(connection, record.id))

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
    from mediasync._db.sources import get_source, item_counts, remove_source

    app = state.app
    with app.engine.connect() as connection:
        record = get_source(connection, name)
        counts = item_counts(connection, record.id)
    if not yes:
        total = counts["active"] + counts["removed"]
        click.confirm(
            f"Remove source '{name}' and its {total} index entries?", abort=True, err=True
        )
    with app.engine.begin() as connection:
        removed = remove_source(connection, name)
    data = {"name": name, "removed_items": removed}
    emit(data, as_json, lambda: click.echo(f"removed source '{name}' ({removed} index entries)"))


def _toggle(state: CliState, name: str, enabled: bool, as_json: bool) -> None:
    from mediasync._db.sources import set_enabled

    with state.app.engine.begin() as connection:
        record = set_enabled(connection, name, enabled)
    data = describe(state, record)
    word = "enabled" if enabled else "disabled"
    emit(data, as_json, lambda: click.echo(f"{word} source '{name}'"))


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
