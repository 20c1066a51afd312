"""``mediasync db``: the index schema's version, and migrating it."""

from __future__ import annotations

import attrs
import click

from mediasync._cli.output import CliState, emit, json_option, pass_state


@click.group("db")
def db_group() -> None:
    """Inspect and migrate the index database."""


@db_group.command("current")
@json_option
@pass_state
def current_command(state: CliState, as_json: bool) -> None:
    """Show the database URL (password hidden), its schema revision and the one needed."""
    db = state.workspace.database()
    emit(
        attrs.asdict(db),
        as_json,
        lambda: click.echo(
            f"{db.url}: {db.revision or 'no schema'} ({db.state}; this mediasync needs {db.head})"
        ),
    )


@db_group.command("upgrade")
@json_option
@pass_state
def upgrade_command(state: CliState, as_json: bool) -> None:
    """Migrate the database to this mediasync's schema (creating it if empty)."""
    url = state.workspace.database().url
    before, after = state.workspace.upgrade_database()
    data = {"url": url, "from": before, "to": after}
    message = (
        f"{url}: already at {after}"
        if before == after
        else f"{url}: upgraded {before or 'empty'} -> {after}"
    )
    emit(data, as_json, lambda: click.echo(message))
