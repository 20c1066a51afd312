"""``mediasync plugins``: what loaded, what failed and why, what each registered."""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state


@click.command("plugins")
@json_option
@pass_state
def plugins_command(state: CliState, as_json: bool) -> None:
    """List plugins: name, distribution, version, status (ok, error, blocked, incompatible)."""
    records = sorted(state.plugins.records.values(), key=lambda r: (r.name != "core", r.name))
    data: list[dict[str, Any]] = [
        {
            "name": r.name,
            "distribution": r.distribution,
            "version": r.version,
            "status": r.status,
            "error": r.error,
            "registered": {kind: sorted(names) for kind, names in r.registered.items()},
        }
        for r in records
    ]

    def text() -> None:
        for entry in data:
            where = " ".join(filter(None, [entry["distribution"], entry["version"]]))
            click.echo(f"{entry['name']:<16} {entry['status']:<12} {where}")
            for kind, names in entry["registered"].items():
                if names:
                    click.echo(f"  {kind}: {', '.join(names)}")
            if entry["error"]:
                click.echo(f"  error: {entry['error']}")

    emit(data, as_json, text)
