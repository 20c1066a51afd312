"""``mediasync duplicates`` and ``mediasync items refresh-metadata``: what the media facts and
hashes in the index are for."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import click

from mediasync._cli.items_cmd import item_json
from mediasync._cli.output import CliState, emit, json_default, json_option, pass_state
from mediasync._cli.sync_cmd import human_size
from mediasync._media_results import DuplicateGroup, FactsProgress


def _group_json(group: DuplicateGroup) -> dict[str, Any]:
    return {
        "sha256": group.sha256,
        "size": group.size,
        "copies": len(group.items),
        "wasted_bytes": group.wasted_bytes,
        "sources": list(group.sources),
        "items": [item_json(item) for item in group.items],
    }


def _write_json(groups: Iterable[DuplicateGroup]) -> None:
    """A JSON list written a group at a time, one group a line (as ``items list --json``)."""
    stream = sys.stdout
    dumps = json.JSONEncoder(default=json_default, ensure_ascii=False).encode
    stream.write("[")
    for number, group in enumerate(groups):
        stream.write(("\n" if number == 0 else ",\n") + dumps(_group_json(group)))
    stream.write("\n]\n")
    stream.flush()


def _write_text(groups: Iterable[DuplicateGroup]) -> None:
    """A line per group and per copy, then the total; buffered, not flushed line by line
    (``click.echo`` flushes each line: a write call per copy cost as much as the query)."""
    stream = sys.stdout
    count = wasted = 0
    for group in groups:
        count, wasted = count + 1, wasted + group.wasted_bytes
        size = "unknown size" if group.size is None else human_size(group.size)
        lines = [f"{group.sha256[:12]}  {len(group.items)} copies of {size}"]
        lines.extend(f"  {item.id:>8}  {item.source}:{item.path}" for item in group.items)
        stream.write("\n".join(lines) + "\n")
    stream.write(f"{count} groups, {human_size(wasted)} in extra copies\n")
    stream.flush()


@click.command("duplicates")
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only these sources (repeatable)."
)
@click.option("--across-sources", is_flag=True, help="Only bytes held by two sources or more.")
@json_option
@pass_state
def duplicates_command(
    state: CliState, sources: tuple[str, ...], across_sources: bool, as_json: bool
) -> None:
    """List groups of items with the same bytes (SHA-256), most wasted space first."""
    groups = state.workspace.duplicates(sources, across_sources=across_sources)
    if as_json:
        _write_json(groups)
    else:
        _write_text(groups)


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(progress: FactsProgress) -> None:
        line = f"{progress.source}: read {progress.done:,} of {progress.total:,} items"
        click.echo(f"\r\033[K{line}", nl=False, err=True)

    return show


@click.command("refresh-metadata")
@click.option("--source", "source_name", metavar="NAME", help="Only this source.")
@json_option
@pass_state
def refresh_metadata_command(state: CliState, source_name: str | None, as_json: bool) -> None:
    """Read capture time, size, duration and camera of items indexed before they were read."""
    progress = None if as_json else _progress()
    reports = state.workspace.refresh_metadata(source_name, on_progress=progress)
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)

    def text() -> None:
        for report in reports:
            if report.skipped is not None:
                click.echo(f"{report.source}: skipped: {report.skipped}")
                continue
            click.echo(
                f"{report.source}: {report.read:,} read, {report.changed:,} changed since "
                f"indexed (next sync), {report.missing:,} missing, {report.left:,} left"
            )
            for note in report.notes:
                click.echo(f"  note: {note}")

    emit(reports, as_json, text)
