"""``mediasync instagram connect | status | refresh-token | set``: through ``Workspace`` only.

Nothing is stored unless the token opened the account. The token is never printed: output
names the account and how many days the token has left.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mediasync import MediasyncError, UsageError, Workspace

__all__ = ["instagram_group"]

TYPE = "instagram"


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)


def _token_value(given: str) -> tuple[str, str]:
    """(the token, what to store): ``-`` reads standard input; ``$env:NAME`` and
    ``$file:PATH`` are read now and stored as the reference, like any secret setting."""
    if given == "-":
        value = sys.stdin.readline().strip()
        return value, value
    if given.startswith("$env:"):
        value = os.environ.get(given[5:], "").strip()
        if not value:
            raise UsageError(f"--token {given}: the environment variable is not set or empty")
        return value, given
    if given.startswith("$file:"):
        try:
            value = Path(given[6:]).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--token {given}: cannot read it ({exc.strerror})") from None
        return value, given
    return given.strip(), given.strip()


def _instagram_source(workspace: Workspace, name: str) -> Any:
    info = workspace.source(name)
    if info.type != TYPE:
        raise UsageError(f"source '{name}' is not an Instagram account (it is '{info.type}')")
    return info


@click.group(TYPE)
def instagram_group() -> None:
    """Instagram accounts: connect, check, refresh the token."""


@instagram_group.command("connect")
@click.argument("name")
@click.option("--token", required=True, help="Long-lived access token; '-' reads it from stdin.")
@click.option("--user-id", help="The professional account's id (checked against the token).")
@click.option(
    "--api",
    type=click.Choice(["instagram", "facebook"]),
    default="instagram",
    show_default=True,
    help="Instagram Login (graph.instagram.com) or Facebook Login (graph.facebook.com).",
)
@click.option("--graph-url", metavar="URL", help="Another Graph API address (tests).")
@click.option("--api-version", metavar="vNN.N", help="The Graph API version in every URL.")
@click.option("--capture-stories", is_flag=True, help="Also read the live stories.")
@click.option("--interval", type=click.IntRange(min=1), help="Seconds between scheduled syncs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def connect_command(
    name: str,
    token: str,
    user_id: str | None,
    api: str,
    graph_url: str | None,
    api_version: str | None,
    capture_stories: bool,
    interval: int | None,
    as_json: bool,
) -> None:
    """Connect the Instagram account TOKEN opens as source NAME, after checking the token."""
    from mediasync_instagram._account import LONG_LIVED, find_account, refresh
    from mediasync_instagram._graph import GraphClient
    from mediasync_instagram._settings import API_HOSTS, DEFAULT_VERSION, check_version

    workspace = Workspace.current()
    if any(info.name == name for info in workspace.sources()):
        raise UsageError(f"a source named '{name}' exists already: choose another name")
    version = api_version or DEFAULT_VERSION
    try:
        check_version(None, None, version)
    except ValueError as exc:
        raise UsageError(f"--api-version: {exc}") from None
    value, stored = _token_value(token)
    if not value:
        raise UsageError("--token is empty")
    client = GraphClient(graph_url or API_HOSTS[api], version, value)
    try:
        account_id, username = find_account(client, api, user_id)
        refreshed = refresh(client, None) if api == "instagram" else None
    finally:
        client.close()
    now = datetime.now(UTC)
    if refreshed is not None:
        stored, issued, expires = refreshed.token, refreshed.issued_at, refreshed.expires_at
    else:
        # Too young to refresh: a long-lived token made within the last day.
        issued, expires = (now, now + LONG_LIVED) if api == "instagram" else (None, None)
    settings: dict[str, Any] = {
        "token": stored,
        "user_id": account_id,
        "api": api,
        "api_version": version,
        "username": username,
        "capture_stories": capture_stories,
    }
    if graph_url:
        settings["graph_url"] = graph_url
    if issued is not None and expires is not None:
        settings["token_issued_at"] = issued.isoformat()
        settings["token_expires_at"] = expires.isoformat()
    workspace.add_source(name, TYPE, root=None, settings=settings, interval_seconds=interval)
    days = None if expires is None else (expires - now) / timedelta(days=1)
    data = {"name": name, "user_id": account_id, "username": username, "api": api,
            "token_days_left": None if days is None else round(days, 1)}  # fmt: skip
    left = "unknown" if days is None else f"{days:.0f} days"
    _emit(
        data,
        as_json,
        [
            f"connected '{name}' to Instagram account @{username} ({account_id}); token valid "
            f"for {left}",
            f"index it now with: mediasync sync {name}",
        ],
    )


def _status(workspace: Workspace, name: str) -> dict[str, Any]:
    from mediasync_instagram._settings import InstagramSettings

    info = workspace.source(name)
    settings = info.settings
    last = workspace.last_run(name)
    days = InstagramSettings.days_until(settings.get("token_expires_at"))
    data: dict[str, Any] = {
        "name": name,
        "user_id": settings.get("user_id"),
        "username": settings.get("username"),
        "api": settings.get("api", "instagram"),
        "token_days_left": None if days is None else round(days, 1),
        "capture_stories": bool(settings.get("capture_stories")),
        "items": {"active": info.items_active, "removed": info.items_removed},
        "last_sync": None if last is None else {
            "status": last.status.value, "finished_at": last.finished_at,
            "added": last.counts.added, "error": last.error,
        },
    }  # fmt: skip
    for key in ("last_backfill", "last_story_capture"):
        data[key] = workspace.get_state(TYPE, name, key)
    try:
        with workspace.open_source(name) as source:
            health = source.check()
        data["access"] = {"ok": health.ok, "problem": health.problem, "detail": health.detail}
    except MediasyncError as exc:
        data["access"] = {"ok": False, "problem": str(exc), "detail": ""}
    return data


def _status_lines(data: dict[str, Any]) -> list[str]:
    days = data["token_days_left"]
    access = data["access"]
    lines = [f"{data['name']}: @{data['username']} ({data['user_id']}, {data['api']} login)"]
    lines.append(f"  token:      {'expiry unknown' if days is None else f'{days:.0f} days left'}")
    lines.append(f"  access:     {'ok' if access['ok'] else 'FAILED: ' + str(access['problem'])}")
    items = data["items"]
    lines.append(f"  items:      {items['active']} indexed, {items['removed']} removed")
    last = data["last_sync"]
    lines.append(
        f"  last sync:  {last['finished_at']} ({last['status']})" if last else "  last sync:  never"
    )
    backfill = data.get("last_backfill")
    lines.append(f"  backfill:   {backfill['finished_at'] if backfill else 'never'}")
    if data["capture_stories"]:
        stories = data.get("last_story_capture")
        lines.append(f"  stories:    last captured {stories['at'] if stories else 'never'}")
    return lines


@instagram_group.command("status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_command(name: str | None, as_json: bool) -> None:
    """Show connected accounts with a live check (exit 1 if one fails)."""
    workspace = Workspace.current()
    if name is not None:
        _instagram_source(workspace, name)
    names = [name] if name else [info.name for info in workspace.sources(TYPE)]
    results = [_status(workspace, n) for n in names]
    lines = [line for result in results for line in _status_lines(result)]
    _emit(results, as_json, lines or ["no Instagram accounts: see `mediasync instagram connect`"])
    if any(not r["access"]["ok"] for r in results):
        click.get_current_context().exit(1)


@instagram_group.command("refresh-token")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def refresh_token_command(name: str, as_json: bool) -> None:
    """Refresh NAME's long-lived token for another 60 days (Instagram Login; at least 24 h old)."""
    from mediasync_instagram._tokens import refresh_stored_token

    workspace = Workspace.current()
    _instagram_source(workspace, name)
    expires = refresh_stored_token(workspace, name)
    if expires is None:
        raise UsageError(
            f"the token of '{name}' is less than 24 hours old: Instagram refreshes it only "
            "after that"
        )
    days = (expires - datetime.now(UTC)) / timedelta(days=1)
    _emit(
        {"name": name, "token_expires_at": expires, "token_days_left": round(days, 1)},
        as_json,
        [f"refreshed the token of '{name}': valid for {days:.0f} days"],
    )


@instagram_group.command("set")
@click.argument("name")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
def set_command(name: str, assignments: tuple[str, ...]) -> None:
    """Change settings of account NAME (capture_stories=true, page_size=50, …)."""
    workspace = Workspace.current()
    _instagram_source(workspace, name)
    changes: dict[str, Any] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"expected KEY=VALUE, got {assignment!r}")
        if key.strip() == "token":
            raise UsageError("the token changes with `connect` or `refresh-token`, not `set`")
        changes[key.strip()] = value
    workspace.update_settings(name, changes)
    click.echo(f"updated '{name}': {', '.join(sorted(changes))}")


def _progress_line() -> Any:
    """A one-line progress display on a terminal's stderr; nothing when it is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(progress: Any) -> None:
        click.echo(
            f"\r\033[K{progress.copied} copied, {progress.skipped} already there, "
            f"{progress.failed} failed ({progress.considered} of {progress.total})",
            nl=False,
            err=True,
        )

    return show


@instagram_group.command("backfill")
@click.argument("name")
@click.option(
    "--to", "destination", required=True, help="The source to copy into (a folder, Drive)."
)
@click.option(
    "--media-type",
    type=click.Choice(["feed", "stories", "all"]),
    default="all",
    show_default=True,
    help="Feed posts and reels, stories, or both.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Copy at most this many files.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="Taken at or after."
)
@click.option("--dry-run", is_flag=True, help="Say what would be copied; copy nothing.")
@click.option(
    "--full", is_flag=True, help="Read the whole account again (copies only what is missing)."
)
@click.option(
    "--sidecars", is_flag=True, help="A JSON file beside each post: caption, permalink, time."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def backfill_command(
    name: str,
    destination: str,
    media_type: str,
    limit: int | None,
    since: datetime | None,
    dry_run: bool,
    full: bool,
    sidecars: bool,
    as_json: bool,
) -> None:
    """Copy account NAME's media into source DEST, then on later runs only what is new."""
    from mediasync_instagram._backfill import backfill

    workspace = Workspace.current()
    _instagram_source(workspace, name)
    progress = None if as_json else _progress_line()
    report = backfill(
        workspace,
        name,
        destination,
        media_type=media_type,  # type: ignore[arg-type]
        limit=limit,
        since=None if since is None else since.replace(tzinfo=UTC),
        dry_run=dry_run,
        full=full,
        sidecars=sidecars,
        on_progress=progress,
    )
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    verb = "would copy" if dry_run else "copied"
    line = (
        f"{name} -> {destination}: {report.listed} new on Instagram, {verb} {report.copied}, "
        f"{report.skipped} already there, {report.unavailable} unavailable, "
        f"{report.failed} failed"
    )
    _emit(report.as_json(), as_json, [line, *(f"  {e}" for e in report.errors)])
    if report.error is not None:
        raise MediasyncError(report.error)
    if report.failed:
        click.get_current_context().exit(1)


def _by(run: dict[str, Any]) -> str:
    """Who started a run other than the command line (runs recorded before this say none)."""
    trigger = run.get("trigger")
    return f" (by {trigger})" if trigger and trigger != "cli" else ""


@instagram_group.command("backfill-status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def backfill_status_command(name: str | None, as_json: bool) -> None:
    """Backfill runs of one account or all: copied, skipped, unavailable, failed, last error."""
    from mediasync_instagram._backfill import backfill_history

    workspace = Workspace.current()
    if name is not None:
        _instagram_source(workspace, name)
    names = [name] if name else [info.name for info in workspace.sources(TYPE)]
    data = {account: backfill_history(workspace, account) for account in names}
    lines: list[str] = []
    for account, runs in data.items():
        lines.append(f"{account}: {len(runs)} backfill runs" if runs else f"{account}: never")
        for run in runs[:5]:
            status = "ok" if run["error"] is None and not run["failed"] else "FAILED"
            lines.append(
                f"  {run['finished_at'][:19]}  {status:<6} -> {run['destination']}: "
                f"{run['copied']} copied, {run['skipped']} skipped, "
                f"{run['unavailable']} unavailable, {run['failed']} failed{_by(run)}"
            )
            if run["error"]:
                lines.append(f"    {run['error']}")
    _emit(data, as_json, lines or ["no Instagram accounts: see `mediasync instagram connect`"])
