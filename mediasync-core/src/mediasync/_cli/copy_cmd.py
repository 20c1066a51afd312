"""``mediasync copy SRC DEST``: a thin client of ``Workspace.copy``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
import click

from mediasync._cli.items_cmd import DateParam
from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._cli.sync_cmd import human_size
from mediasync._copy_template import DEFAULT_FOLDER_TEMPLATE, TEMPLATE_FIELDS
from mediasync._results import CopiedItem, CopyProgress, CopyReport

__all__ = ["copy_command", "copy_progress_line", "copy_summary"]


def copy_progress_line(route: str, progress: CopyProgress) -> str:
    """``photos -> backup: 1,200 of 10,000 items; 1,000 copied, 1.2 GB at 45.0 MB/s, 200
    already there, 0 failed``."""
    line = (
        f"{route}: {progress.considered:,} of {progress.total:,} items; "
        f"{progress.copied:,} copied, {human_size(progress.bytes_copied)}"
    )
    rate = progress.bytes_per_second
    if rate is not None:
        line += f" at {human_size(rate)}/s"
    return f"{line}, {progress.skipped:,} already there, {progress.failed:,} failed"


def copy_summary(report: CopyReport) -> str:
    """``1,000 copied (1.2 GB), 200 already there, 0 failed in 12.3s``: the result line."""
    verb = "to copy" if report.dry_run else "copied"
    found = f" ({report.found:,} newly indexed)" if report.found else ""
    return (
        f"{report.copied:,} {verb} ({human_size(report.bytes)}), {report.skipped:,} already "
        f"there{found}, {report.failed:,} failed in {report.seconds:.1f}s"
    )


def _item_line(item: CopiedItem) -> str:
    """``copied    2024/a.jpg -> 2024/05/a.jpg``, ``failed    2024/b.jpg: why``."""
    if item.outcome == "failed":
        return f"{'failed':<9} {item.error}"
    return f"{item.outcome:<9} {item.path} -> {item.destination_path}"


def _progress(route: str) -> Callable[[CopyProgress], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(progress: CopyProgress) -> None:
        click.echo(f"\r\033[K{copy_progress_line(route, progress)}", nl=False, err=True)

    return show


_TEMPLATE_HELP = (
    "Where each copy goes, folders then name. Fields: "
    + ", ".join("{" + name + "}" for name in TEMPLATE_FIELDS)
    + "."
)


@click.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option("--dry-run", is_flag=True, help="Show what would be copied; copy nothing.")
@click.option("--list", "list_items", is_flag=True, help="Print one line per item copied.")
@click.option("--limit", type=click.IntRange(min=1), help="Copy at most this many items.")
@click.option("--since", type=DateParam(), help="Items taken (else modified) at or after DATE.")
@click.option("--until", type=DateParam(), help="Items taken (else modified) before DATE.")
@click.option("--kind", type=click.Choice(["image", "video"]), help="Only items of this kind.")
@click.option(
    "--folder",
    "folder_template",
    default=DEFAULT_FOLDER_TEMPLATE,
    show_default=True,
    metavar="TEMPLATE",
    help=_TEMPLATE_HELP,
)
@json_option
@pass_state
def copy_command(
    state: CliState,
    source: str,
    destination: str,
    dry_run: bool,
    list_items: bool,
    limit: int | None,
    since: datetime | None,
    until: datetime | None,
    kind: str | None,
    folder_template: str,
    as_json: bool,
) -> None:
    """Copy the media of SOURCE into DESTINATION, indexing each copy there; never twice."""
    route = f"{source} -> {destination}"
    progress = None if as_json else _progress(route)
    listed: list[CopiedItem] = []

    def heard(item: CopiedItem) -> None:
        if as_json:
            listed.append(item)
        else:
            if progress is not None:
                click.echo("\r\033[K", nl=False, err=True)
            click.echo(_item_line(item))

    report = state.workspace.copy(
        source,
        destination,
        since=since,
        until=until,
        kind=kind,
        folder_template=folder_template,
        limit=limit,
        dry_run=dry_run,
        on_progress=progress,
        on_item=heard if list_items else None,
    )
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    data: dict[str, Any] = {
        key: value for key, value in attrs.asdict(report).items() if key != "seconds"
    }
    data["seconds"] = round(report.seconds, 3)
    if list_items:
        data["items"] = [attrs.asdict(item) for item in listed]

    def text() -> None:
        prefix = "(dry run) " if dry_run else ""
        click.echo(f"{prefix}{route}: {copy_summary(report)}")
        for message in report.errors:
            click.echo(f"  failed: {message}", err=True)
        nothing = report.copied + report.skipped + report.failed == 0
        if nothing and state.workspace.source(source).items_active == 0:
            click.echo(
                f"'{source}' has no indexed items: sync it first (mediasync sync {source})",
                err=True,
            )

    emit(data, as_json, text)
    if report.error is not None:
        click.echo(f"error: {report.error}", err=True)
    if not report.ok:
        click.get_current_context().exit(1)
