"""``mediasync sync``: sync sources by name, or a folder path (registering a local source)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._errors import UsageError
from mediasync._models import ItemChange
from mediasync._results import SyncProgress

LOCAL_TYPE = "local"


def change_line(change: ItemChange) -> str:
    """``renamed   2024/a.jpg -> 2024/b.jpg``, ``removed   2024/c.jpg``."""
    moved = change.old_path is not None and change.old_path != change.path
    where = f"{change.old_path} -> {change.path}" if moved else change.path
    return f"{change.kind.value:<9} {where}"


def _unique_name(taken: set[str], folder: Path) -> str:
    base = "".join(c if c.isalnum() or c in "._-" else "-" for c in folder.name).strip("-.")
    base = (base or "folder")[:90]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def _looks_like_path(target: str) -> bool:
    return os.sep in target or target.startswith((".", "~")) or Path(target).exists()


def _check_folder(target: str) -> Path:
    """The folder ``target`` names, or a ``UsageError`` saying why not (the index unopened)."""
    folder = Path(target).expanduser()
    if not folder.exists():
        raise UsageError(
            f"{target} does not exist: give the folder that holds your photos and videos"
        )
    if not folder.is_dir():
        kind = "a file, not a folder" if folder.is_file() else "not a folder"
        raise UsageError(f"{target} is {kind}")
    return folder


def _local_root(state: CliState, target: str, names: set[str]) -> str:
    """The normalised root of the folder ``target`` names, or a ``UsageError`` saying why not."""
    if not _looks_like_path(target):
        known = ", ".join(sorted(names)) or "none"
        raise UsageError(f"no source named '{target}' (sources: {known})")
    folder = _check_folder(target)
    root = state.workspace.app.plugins.source_type(LOCAL_TYPE).normalize_root(str(folder))
    return root or str(folder)


def resolve_targets(state: CliState, targets: tuple[str, ...], all_sources: bool) -> list[str]:
    """Source names to sync; a directory path becomes (or reuses) a local source.

    Every target is checked before any folder is registered, so that a mistake in one leaves
    the index as it was.
    """
    for target in targets:
        if _looks_like_path(target):
            _check_folder(target)  # before the index is opened: a typo creates nothing
    workspace = state.workspace
    sources = workspace.sources(counts=False)
    names = {info.name for info in sources}
    if all_sources:
        if targets:
            raise UsageError("give source names or --all, not both")
        return [info.name for info in sources if info.enabled]
    if not targets:
        raise UsageError("name a source or a folder to sync (or --all); see `mediasync status`")
    roots = [None if target in names else _local_root(state, target, names) for target in targets]
    by_root = {info.root: info.name for info in sources if info.type == LOCAL_TYPE}
    chosen: list[str] = []
    for target, root in zip(targets, roots, strict=True):
        if root is None:
            chosen.append(target)
            continue
        if root not in by_root:
            name = _unique_name(names, Path(root))
            workspace.add_source(name, LOCAL_TYPE, root=root, settings={})
            names.add(name)
            by_root[root] = name
            click.echo(f"registered local source '{name}' for {root}", err=True)
        chosen.append(by_root[root])
    return chosen


def human_size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"


def progress_line(name: str, progress: SyncProgress) -> str:
    """``photos: 12,345 listed; hashed 120 of 300 files, 1.2 MB of 3.4 MB, 45.0 MB/s, 0:40
    left``: counts written as the summary line writes them."""
    line = f"{name}: {progress.listed:,} listed"
    if progress.to_hash:
        line += (
            f"; hashed {progress.hashed:,} of {progress.to_hash:,} files, "
            f"{human_size(progress.bytes_hashed)} of {human_size(progress.bytes_to_hash)}"
        )
        rate, left = progress.bytes_per_second, progress.seconds_left
        if rate is not None and left is not None:
            minutes, seconds = divmod(int(left), 60)
            line += f", {human_size(rate)}/s, {minutes}:{seconds:02} left"
    return line


def _progress(name: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(progress: SyncProgress) -> None:
        click.echo(f"\r\033[K{progress_line(name, progress)}", nl=False, err=True)

    return show


@click.command("sync")
@click.argument("targets", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Sync every enabled source.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--verify",
    is_flag=True,
    help="Read every folder and hash every file, even where nothing seems to have changed.",
)
@click.option(
    "--allow-mass-removal",
    is_flag=True,
    help="Apply removals even when they exceed the configured share of the source.",
)
@click.option(
    "--list", "list_changes", is_flag=True, help="Print one line per change (also with -v)."
)
@click.option(
    "--list-limit",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="At most this many changes listed (and in --json); the rest are counted.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Read the whole source, even where only changes or new items would be read.",
)
@click.option("--wait", is_flag=True, help="Wait for a running sync of the source to finish.")
@click.option(
    "--accept-root-change", is_flag=True, help="The root was replaced on purpose: index it."
)
@json_option
@pass_state
def sync_command(
    state: CliState,
    targets: tuple[str, ...],
    all_sources: bool,
    dry_run: bool,
    verify: bool,
    allow_mass_removal: bool,
    list_changes: bool,
    list_limit: int,
    full: bool,
    wait: bool,
    accept_root_change: bool,
    as_json: bool,
) -> None:
    """Sync sources: NAME..., --all, or a folder PATH (registered as a local source)."""
    listing = list_changes or state.verbose
    from mediasync._models import RunStatus

    names = resolve_targets(state, targets, all_sources)
    reports = []
    failed = False
    for name in names:
        progress = None if as_json else _progress(name)
        report = state.workspace.sync(
            name,
            dry_run=dry_run,
            verify=verify,
            allow_mass_removal=allow_mass_removal,
            wait=wait,
            accept_root_change=accept_root_change,
            on_progress=progress,
            list_changes=list_limit if (listing or as_json) else 0,
            full=full,
        )
        if progress is not None:
            click.echo("\r\033[K", nl=False, err=True)
        reports.append(report)
        failed = failed or report.run.status is not RunStatus.OK
        if not as_json:
            run = report.run
            prefix = "(dry run) " if dry_run else ""
            if listing:
                for change in report.changes:
                    click.echo(change_line(change))
                if report.unlisted_changes:
                    click.echo(f"... and {report.unlisted_changes} more (--list-limit)")
            click.echo(f"{prefix}{name}: {report.summary()}")
            for message in report.errors:
                click.echo(f"  unreadable: {message}", err=True)
            if run.error:
                click.echo(f"error: {name}: {run.error}", err=True)
    data = [
        {
            "source": r.run.source,
            "run_id": r.run.id or None,
            "status": r.run.status.value,
            "dry_run": r.dry_run,
            "duration_seconds": round(r.duration, 3),
            "counts": r.run.counts.as_dict(),
            "errors": list(r.errors),
            "error": r.run.error,
            "changes": [
                {"kind": c.kind.value, "item_id": c.item_id, "path": c.path, "old_path": c.old_path}
                for c in r.changes
            ],
            "more_changes": r.unlisted_changes,
        }
        for r in reports
    ]
    emit(data, as_json, lambda: None)
    if failed:
        click.get_current_context().exit(1)
