"""``mediasync db``: the index schema's version, and migrating it."""

from __future__ import annotations

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
    from mediasync._db.engine import redact_url
    from mediasync._db.migrate import HEAD, KNOWN_REVISIONS, current_revision

    engine = state.app.raw_engine()
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    if revision == HEAD:
        verdict = "current"
    elif revision is None:
        verdict = "empty"
    elif revision in KNOWN_REVISIONS:
        verdict = "behind"
    else:
        verdict = "ahead"
    data = {
        "url": redact_url(engine.url),
        "revision": revision,
        "head": HEAD,
        "state": verdict,
    }
    emit(
        data,
        as_json,
        lambda: click.echo(
            f"{data['url']}: {revision or 'no schema'} ({verdict}; this mediasync needs {HEAD})"
        ),
    )


@db_group.command("upgrade")
@json_option
@pass_state
def upgrade_command(state: CliState, as_json: bool) -> None:
    """Migrate the database to this mediasync's schema (creating it if empty)."""
    from mediasync._db.engine import redact_url
    from mediasync._db.migrate import upgrade

    engine = state.app.raw_engine()
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    data = {"url": redact_url(engine.url), "from": before, "to": after}
    message = (
        f"{data['url']}: already at {after}"
        if before == after
        else f"{data['url']}: upgraded {before or 'empty'} -> {after}"
    )
    emit(data, as_json, lambda: click.echo(message))
