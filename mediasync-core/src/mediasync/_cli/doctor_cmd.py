"""``mediasync doctor``: everything that needs the user's attention, each with what to do."""

from __future__ import annotations

from typing import Any

import attrs
import click

from mediasync._cli.output import CliState, emit, json_option, pass_state


@click.command("doctor")
@json_option
@pass_state
def doctor_command(state: CliState, as_json: bool) -> None:
    """Check the database, plugins and every source; exit 1 if anything needs you."""
    findings = state.workspace.doctor()
    data: list[dict[str, Any]] = [attrs.asdict(f) for f in findings]

    def text() -> None:
        marks = {"ok": "ok  ", "warning": "WARN", "error": "FAIL"}
        for finding in findings:
            click.echo(f"{marks[finding.status]}  {finding.check}: {finding.message}")
            if finding.fix and finding.status != "ok":
                click.echo(f"      -> {finding.fix}")

    emit(data, as_json, text)
    if any(f.status != "ok" for f in findings):
        click.get_current_context().exit(1)
