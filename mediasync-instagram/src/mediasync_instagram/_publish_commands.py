"""``mediasync instagram cloudinary | publish | sweep``: publishing, through ``Workspace`` only.

``cloudinary NAME`` makes the connected account NAME a publisher account of the same name (or
updates its Cloudinary credentials), after a cheap authenticated call proved them; ``publish``
is ``mediasync publish`` spelt under the plugin; ``sweep`` deletes staged copies a crash left.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import click

from mediasync import PublicationStatus, Secret, UsageError, Workspace

__all__ = ["cloudinary_command", "publish_command", "sweep_command"]

TYPE = "instagram"


def _echo(data: Any, as_json: bool, line: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else line)


def parse_cloudinary_url(url: str) -> dict[str, str]:
    """``cloudinary://KEY:SECRET@CLOUD[?upload_prefix=URL]`` as settings."""
    parts = urlsplit(url.strip())
    if parts.scheme != "cloudinary" or not (parts.username and parts.password and parts.hostname):
        raise UsageError("a Cloudinary URL reads cloudinary://API_KEY:API_SECRET@CLOUD_NAME")
    settings = {
        "cloud_name": parts.hostname,
        "api_key": unquote(parts.username),
        "api_secret": unquote(parts.password),
    }
    prefix = parse_qs(parts.query).get("upload_prefix")
    if prefix:
        settings["upload_prefix"] = prefix[0]
    return settings


@click.command("cloudinary")
@click.argument("name")
@click.option("--url", help="cloudinary://API_KEY:API_SECRET@CLOUD_NAME (default $CLOUDINARY_URL).")
@click.option("--cloud-name", help="The cloud name (with --api-key and --api-secret).")
@click.option("--api-key", help="The API key.")
@click.option("--api-secret", help="The API secret (stored encrypted).")
@click.option("--upload-prefix", metavar="URL", help="Another Cloudinary API address (tests).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cloudinary_command(
    name: str,
    url: str | None,
    cloud_name: str | None,
    api_key: str | None,
    api_secret: str | None,
    upload_prefix: str | None,
    as_json: bool,
) -> None:
    """Stage files for Instagram account NAME on Cloudinary: checks the credentials, then makes
    NAME a publisher account (`mediasync publish ITEM --to NAME`)."""
    from mediasync_instagram._publisher_settings import InstagramPublisherSettings
    from mediasync_instagram._staging import Stage

    workspace = Workspace.current()
    if workspace.source(name).type != TYPE:
        raise UsageError(f"source '{name}' is not an Instagram account")
    three = (cloud_name, api_key, api_secret)
    if any(three):
        if not all(three):
            raise UsageError("give --cloud-name, --api-key and --api-secret together")
        given = {
            "cloud_name": cloud_name or "",
            "api_key": api_key or "",
            "api_secret": api_secret or "",
        }
    else:
        url = url or os.environ.get("CLOUDINARY_URL")
        if not url:
            raise UsageError("give --url cloudinary://KEY:SECRET@CLOUD (or set CLOUDINARY_URL)")
        given = parse_cloudinary_url(url)
    if upload_prefix:
        given["upload_prefix"] = upload_prefix
    settings: dict[str, Any] = {"account": name, **given}
    trial = InstagramPublisherSettings(**{**settings, "api_secret": Secret(given["api_secret"])})
    Stage(trial).ping()  # wrong credentials: AuthError, one line, nothing stored
    existing = {info.name: info for info in workspace.publishers()}
    if name in existing:
        if existing[name].type != TYPE:
            raise UsageError(f"publisher account '{name}' exists with type '{existing[name].type}'")
        workspace.update_publisher(name, settings=settings)
    else:
        workspace.add_publisher(name, TYPE, settings=settings)
    data = {"name": name, "cloud_name": given["cloud_name"], "api_key": given["api_key"]}
    _echo(
        data,
        as_json,
        f"'{name}' stages files on Cloudinary cloud '{given['cloud_name']}' "
        f"(secret stored encrypted); publish with: mediasync publish ITEM --to "
        f"{name} --as feed",
    )


@click.command("publish")
@click.argument("item_ids", nargs=-1, required=True, type=int, metavar="ITEM...")
@click.option("--to", "account", required=True, help="The Instagram publisher account.")
@click.option(
    "--as", "kind", type=click.Choice(["feed", "story", "reel", "carousel"]), help="Default feed."
)
@click.option("--caption", help="The caption (none for a story).")
@click.option("--again", is_flag=True, help="Publish even if published there as this before.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def publish_command(
    item_ids: tuple[int, ...],
    account: str,
    kind: str | None,
    caption: str | None,
    again: bool,
    as_json: bool,
) -> None:
    """Publish indexed items to Instagram (as `mediasync publish` does); run it again to
    resume an interrupted or failed publication."""
    workspace = Workspace.current()
    if workspace.publisher(account).type != TYPE:
        raise UsageError(f"publisher account '{account}' is not an Instagram account")
    done = workspace.publish(item_ids, to=account, kind=kind, caption=caption, again=again)
    data = {
        "id": done.id,
        "status": done.status.value,
        "kind": done.kind,
        "remote_id": done.remote_id,
        "permalink": done.permalink,
        "error": done.error,
    }
    if done.status is not PublicationStatus.PUBLISHED:
        _echo(
            data,
            as_json,
            f"publication {done.id} failed: {done.error}; run the same command again to resume it",
        )
        click.get_current_context().exit(1)
    where = " ".join(filter(None, [done.remote_id, done.permalink]))
    _echo(
        data, as_json, f"published as {done.kind} to '{account}': {where} (publication {done.id})"
    )


@click.command("sweep")
@click.argument("name", required=False)
@click.option(
    "--older-than", type=click.FloatRange(min=0), default=6.0, show_default=True, help="Hours."
)
@click.option("--dry-run", is_flag=True, help="List what would be deleted.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sweep_command(name: str | None, older_than: float, dry_run: bool, as_json: bool) -> None:
    """Delete staged Cloudinary copies older than --older-than hours (left by a crash)."""
    from mediasync_instagram._publisher import InstagramPublisher

    workspace = Workspace.current()
    names = [name] if name else [p.name for p in workspace.publishers() if p.type == TYPE]
    swept: dict[str, list[str]] = {}
    for each in names:
        with workspace.open_publisher(each) as publisher:
            if not isinstance(publisher, InstagramPublisher):
                raise UsageError(f"publisher account '{each}' is not an Instagram account")
            age = timedelta(hours=older_than)
            swept[each] = publisher.stage().sweep(age, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    lines = [f"{each}: {verb} {len(ids)} staged files" for each, ids in swept.items()]
    _echo(swept, as_json, "\n".join(lines) or "no Instagram publisher accounts")
