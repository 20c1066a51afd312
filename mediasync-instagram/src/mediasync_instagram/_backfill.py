"""Backfill: the account's media copied into the user's own storage, then only what is new.

It is the core's ``sync`` of the account (newest first: a run with nothing new reads one page)
followed by the core's ``copy`` into the destination, named by the account's own stable paths
(``YYYY/MM/YYYYMMDD_HHMMSS_<media id>[_<n>].<ext>``). Copies are recorded per item, by the
destination's index and its own marker, so an interrupted run goes on where it stopped without
relying on Instagram's paging cursors. Media Instagram serves without a file are counted as
unavailable, never copied as a thumbnail. Each run is remembered for ``backfill-status``
(``backfill_history``), whoever started it: the command line, the Telegram bot, a script.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from mediasync import CopiedItem, CopyProgress, Item, RunStatus, Trigger, Workspace

__all__ = ["BackfillReport", "MediaType", "backfill", "backfill_destination", "backfill_history"]

MediaType = Literal["feed", "stories", "all"]
PLUGIN = "instagram"
KEEP_RUNS = 20


@attrs.frozen
class BackfillReport:
    """What one backfill did, counted the way ``mediasync instagram backfill`` prints it.

    A run that is not a dry run is kept in the account's history (``backfill_history``, as
    ``as_json``), so ``backfill-status`` shows every run, whoever started it (``trigger``).
    A failure of the whole run (the account could not be read, the destination refused) is
    ``error``; files that failed alone are counted in ``failed`` and named in ``errors``.
    """

    account: str
    destination: str
    started_at: datetime
    finished_at: datetime
    listed: int
    """Items the account's sync added to the index this run (new posts seen)."""
    copied: int
    skipped: int
    unavailable: int
    failed: int
    bytes: int
    dry_run: bool
    sidecars: int = 0
    errors: tuple[str, ...] = ()
    error: str | None = None
    trigger: Trigger = Trigger.CLI
    """Who started the run: the command line, the Telegram bot, a script (``Trigger.API``)."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.failed == 0

    def as_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        data["errors"] = list(self.errors)
        data["trigger"] = self.trigger.value
        return data


def _is_story(item: Item) -> bool:
    return item.metadata.get("media_product_type") == "STORY"


def _of_type(item: Item, media_type: MediaType) -> bool:
    return media_type == "all" or _is_story(item) == (media_type == "stories")


def _selector(media_type: MediaType) -> Callable[[Item], bool]:
    def wanted(item: Item) -> bool:
        return not item.metadata.get("unavailable") and _of_type(item, media_type)

    return wanted


def backfill(
    workspace: Workspace,
    account: str,
    destination: str,
    *,
    media_type: MediaType = "all",
    limit: int | None = None,
    since: datetime | None = None,
    dry_run: bool = False,
    full: bool = False,
    sidecars: bool = False,
    on_progress: Callable[[CopyProgress], None] | None = None,
    on_item: Callable[[CopiedItem], None] | None = None,
    trigger: Trigger = Trigger.CLI,
    cancel: threading.Event | None = None,
) -> BackfillReport:
    """Syncs ``account`` and copies what is missing into ``destination`` (see the module).

    Args:
        media_type: feed posts and reels, stories, or both.
        limit: copy at most this many files.
        since: only media taken at or after this time.
        dry_run: copy nothing; ``on_item`` hears each file as ``planned``. Not recorded.
        full: read the whole account again (still copies only what is missing).
        sidecars: a ``<post>.json`` beside each post copied (caption, permalink, time).
        on_progress: hears the copy's progress after each file.
        on_item: hears each file copied, planned, found in the destination or failed.
        trigger: who asks, recorded on the sync run and in the backfill's history.
        cancel: set to end the account's sync between two batches (a stopping bot).

    Returns:
        The run's report, also kept in ``backfill_history`` unless ``dry_run``.

    Raises:
        UsageError: unknown sources, a destination that cannot be written, bad arguments.
        LeaseHeld: the account is being synced, or the destination written, elsewhere.
    """
    started = datetime.now(UTC)
    sync = workspace.sync(account, trigger=trigger, cancel=cancel, full=full)
    if sync.run.status is not RunStatus.OK:
        failed = BackfillReport(
            account, destination, started, datetime.now(UTC), 0, 0, 0, 0, 0, 0, dry_run,
            error=f"reading the account failed: {sync.run.error}", trigger=trigger,
        )  # fmt: skip
        return failed if dry_run else _finish(workspace, failed)
    wanted = _selector(media_type)
    unavailable = sum(
        1
        for item in workspace.items(source=account)
        if item.metadata.get("unavailable")
        and _of_type(item, media_type)
        and (since is None or (item.taken_at or item.mtime) >= since)
    )
    copied_posts: dict[str, list[CopiedItem]] = {}

    def heard(outcome: CopiedItem) -> None:
        if outcome.outcome == "copied" and sidecars:
            copied_posts.setdefault(str(outcome.item_id), []).append(outcome)
        if on_item is not None:
            on_item(outcome)

    report = workspace.copy(
        account,
        destination,
        since=since,
        folder_template="{path}",
        limit=limit,
        dry_run=dry_run,
        on_progress=on_progress,
        on_item=heard,
        where=wanted,
    )
    written = (
        0
        if dry_run or not sidecars
        else _write_sidecars(workspace, account, destination, copied_posts)
    )
    result = BackfillReport(
        account,
        destination,
        started,
        datetime.now(UTC),
        sync.run.counts.added,
        report.copied,
        report.skipped,
        unavailable,
        report.failed,
        report.bytes,
        dry_run,
        written,
        report.errors,
        report.error,
        trigger,
    )
    return result if dry_run else _finish(workspace, result)


def _write_sidecars(
    workspace: Workspace, account: str, destination: str, copied: dict[str, list[CopiedItem]]
) -> int:
    """One ``<post>.json`` beside each post copied this run: caption, permalink, time, files."""
    import io

    posts: dict[str, list[Item]] = {}
    for item_id in copied:
        item = workspace.item(int(item_id))
        posts.setdefault(item.group_id or item.source_id, []).append(item)
    written = 0
    with workspace.open_source(destination) as target:
        for post_id, items in sorted(posts.items()):
            members = sorted(
                workspace.items(source=account, group_id=post_id) if items[0].group_id else items,
                key=lambda i: i.position or 0,
            )
            first = members[0]
            stem = first.path.rsplit(".", 1)[0]
            if first.group_id is not None:
                stem = stem.rsplit("_", 1)[0]
            document = {
                "id": post_id,
                "caption": first.metadata.get("caption"),
                "permalink": first.metadata.get("permalink"),
                "timestamp": None if first.taken_at is None else first.taken_at.isoformat(),
                "media_type": first.metadata.get("media_type"),
                "children": [
                    {"id": m.source_id, "path": m.path, "position": m.position} for m in members
                ],
            }
            data = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
            folder, _, name = f"{stem}.json".rpartition("/")
            target.upload(io.BytesIO(data), name, folder=folder)
            written += 1
    return written


def _finish(workspace: Workspace, report: BackfillReport) -> BackfillReport:
    runs = backfill_history(workspace, report.account)
    runs.insert(0, report.as_json())
    workspace.set_state(PLUGIN, report.account, "backfills", runs[:KEEP_RUNS])
    workspace.set_state(PLUGIN, report.account, "last_backfill", report.as_json())
    workspace.set_state(PLUGIN, report.account, "backfill_to", report.destination)
    return report


def backfill_history(workspace: Workspace, account: str) -> list[dict[str, Any]]:
    """The account's backfill runs, newest first (the last 20), each ``BackfillReport.as_json``
    (runs recorded before ``trigger`` was kept have none)."""
    runs = workspace.get_state(PLUGIN, account, "backfills")
    return list(runs) if isinstance(runs, list) else []


def backfill_destination(workspace: Workspace, account: str) -> str | None:
    """The ``--to`` of the account's last backfill (where its stories and the bot's
    ``/backfill`` copy), or ``None`` before its first."""
    destination = workspace.get_state(PLUGIN, account, "backfill_to")
    return str(destination) if destination else None
