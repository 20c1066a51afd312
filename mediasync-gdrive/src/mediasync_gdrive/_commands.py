"""``mediasync gdrive connect | status | disconnect``: one module, one command group.

Each command works through ``mediasync.Workspace``, the core's public face, exactly as a
third-party plugin would. Nothing is stored unless the live access check passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import click

from mediasync import MediasyncError, UsageError, Workspace

__all__ = ["gdrive_group"]

TYPE = "gdrive"


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)


def _assignments(values: tuple[str, ...]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected key=value, got {value!r}", param_hint="--set")
        settings[key.strip()] = text
    return settings


@click.group(TYPE)
def gdrive_group() -> None:
    """Google Drive folders: connect, check, disconnect."""


@gdrive_group.command("connect")
@click.argument("name")
@click.option("--folder", required=True, metavar="FOLDER_ID_OR_URL", help="The Drive folder.")
@click.option(
    "--service-account",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A service account's JSON key (share the folder with its email).",
)
@click.option(
    "--oauth",
    "client_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An OAuth client secrets JSON (Desktop app): sign in with your own account.",
)
@click.option("--api-endpoint", metavar="URL", help="A Drive-compatible endpoint (tests).")
@click.option("--interval", type=click.IntRange(min=1), help="Seconds between scheduled syncs.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening it.")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE", help="More settings.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def connect_command(
    name: str,
    folder: str,
    key_file: Path | None,
    client_file: Path | None,
    api_endpoint: str | None,
    interval: int | None,
    no_browser: bool,
    assignments: tuple[str, ...],
    as_json: bool,
) -> None:
    """Connect Drive folder FOLDER as source NAME, after checking that it can be read."""
    from mediasync_gdrive._access import probe
    from mediasync_gdrive._connect import (
        authorize_installed_app,
        build_settings,
        read_service_account_key,
    )
    from mediasync_gdrive._settings import folder_id_from
    from mediasync_gdrive._source import GDriveSource

    if (key_file is None) == (client_file is None):
        raise UsageError("give one of --service-account KEY.json or --oauth CLIENT_SECRETS.json")
    workspace = Workspace.current()
    if any(info.name == name for info in workspace.sources()):
        raise UsageError(f"a source named '{name}' exists already: choose another name")
    folder_id = folder_id_from(folder)
    raw: dict[str, Any] = _assignments(assignments)
    if api_endpoint:
        raw["api_endpoint"] = api_endpoint
    build_settings(raw)  # bad settings are refused before anyone signs in
    if key_file is not None:
        raw["credentials"] = read_service_account_key(key_file)
    else:
        assert client_file is not None
        raw["credentials"] = authorize_installed_app(client_file, open_browser=not no_browser)
    source = GDriveSource(name, folder_id, build_settings(raw))
    try:
        access = probe(source.client, folder_id)
    finally:
        source.close()
    workspace.add_source(name, TYPE, root=access.folder_id, settings=raw, interval_seconds=interval)
    data = {
        "name": name,
        "folder_id": access.folder_id,
        "folder": access.folder_path,
        "identity": access.identity,
        "can_write": access.can_write,
    }
    write = "" if access.can_write else " (read-only: uploads will be refused)"
    _emit(
        data,
        as_json,
        [
            f"connected '{name}' to Drive folder '{access.folder_path}' as {access.identity}"
            f"{write}",
            f"index it now with: mediasync sync {name}",
        ],
    )


def _status(workspace: Workspace, name: str) -> dict[str, Any]:
    from mediasync_gdrive._access import probe
    from mediasync_gdrive._source import GDriveSource

    info = workspace.source(name)
    last = workspace.last_run(name)
    data: dict[str, Any] = {
        "name": info.name,
        "folder_id": info.root,
        "enabled": info.enabled,
        "interval_seconds": info.interval_seconds,
        "items": {"active": info.items_active, "removed": info.items_removed},
        "last_sync": None if last is None else attrs.asdict(last),
        "connected": info.settings.get("credentials") is not None,
    }
    try:
        with workspace.open_source(name) as source:
            assert isinstance(source, GDriveSource)
            access = probe(source.client, info.root or "")
    except MediasyncError as exc:
        data["access"] = {"ok": False, "problem": str(exc)}
        return data
    data["identity"] = access.identity
    data["credentials"] = access.credential_kind
    data["folder"] = access.folder_path
    data["shared_drive"] = access.drive_name
    data["access"] = {"ok": True, "can_write": access.can_write}
    data["token"] = {"valid": True, "expires_at": access.token_expires_at}
    return data


def _status_lines(data: dict[str, Any]) -> list[str]:
    access = data["access"]
    last = data["last_sync"] or {}
    lines = [f"{data['name']}: Drive folder {data['folder_id']}"]
    if access["ok"]:
        mode = "read and write" if access["can_write"] else "read-only"
        lines.append(f"  folder:     {data['folder']} ({mode})")
        lines.append(f"  connected:  as {data['identity']} ({data['credentials']})")
        lines.append(f"  token:      valid until {data['token']['expires_at']}")
    else:
        lines.append(f"  access:     FAILED: {access['problem']}")
    items = data["items"]
    lines.append(f"  items:      {items['active']} indexed, {items['removed']} removed")
    if last:
        lines.append(f"  last sync:  {last.get('finished_at')} ({last.get('status')})")
    else:
        lines.append("  last sync:  never")
    return lines


@gdrive_group.command("status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_command(name: str | None, as_json: bool) -> None:
    """Show connected Drive folders with a live access check (exit 1 if one fails)."""
    workspace = Workspace.current()
    if name is not None and workspace.source(name).type != TYPE:
        raise UsageError(f"source '{name}' is not a Google Drive source")
    names = [name] if name else [info.name for info in workspace.sources(TYPE)]
    results = [_status(workspace, n) for n in names]
    lines = [line for result in results for line in _status_lines(result)]
    _emit(results, as_json, lines or ["no Google Drive sources: see `mediasync gdrive connect`"])
    if any(not r["access"]["ok"] for r in results):
        click.get_current_context().exit(1)


@gdrive_group.command("disconnect")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def disconnect_command(name: str, as_json: bool) -> None:
    """Forget NAME's Drive credentials; its indexed items stay in the index."""
    workspace = Workspace.current()
    info = workspace.source(name)
    if info.type != TYPE:
        raise UsageError(f"source '{name}' is not a Google Drive source")
    had = info.settings.get("credentials") is not None
    info = workspace.update_settings(name, {"credentials": None})
    data = {
        "name": name,
        "disconnected": True,
        "had_credentials": had,
        "items_kept": info.items_active,
    }
    _emit(
        data,
        as_json,
        [
            f"disconnected '{name}': credentials removed, {info.items_active} indexed items kept",
            f"syncs of '{name}' will fail until it is connected again; to stop scheduling it: "
            f"mediasync sources disable {name}",
        ],
    )
