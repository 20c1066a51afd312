"""``/backfill [account] [N] [dry]``: an Instagram account's posts copied into its backup.

What ``mediasync instagram backfill`` does, through the core's public ``Workspace`` only (the
Instagram plugin exports no backfill function): the account is synced (newest first, so a
run with nothing new reads one page), then ``Workspace.copy`` copies what its destination
lacks under the account's own stable paths, skipping the media Instagram serves without a
file (``metadata.unavailable``, counted instead). Which account and destination:
``_backfill_plan``. Like ``/sync``, the command answers at once and edits that answer with the
result; the work runs on a thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from mediasync import (
    CopiedItem,
    CopyReport,
    Item,
    LeaseHeld,
    MediasyncError,
    RunStatus,
    Trigger,
    UsageError,
    Workspace,
)
from mediasync_telegram._backfill_plan import Backfill, plan_backfill
from mediasync_telegram._context import Request
from mediasync_telegram._notify import awaiting_result
from mediasync_telegram._replies import run_summary, syncing_now
from mediasync_telegram._send import edit_text
from mediasync_telegram._text import duration

__all__ = ["backfill_command", "backfill_result", "run_backfill"]

SHOWN = 10
"""Files a dry run lists by name; the rest are counted."""


def _available(item: Item) -> bool:
    return not item.metadata.get("unavailable")


def run_backfill(workspace: Workspace, job: Backfill, cancel: threading.Event) -> str:
    """Syncs the account, copies what is missing; the result as text (on a thread).

    Raises:
        LeaseHeld: the account is being synced, or its destination written, elsewhere.
    """
    started = time.monotonic()
    sync = workspace.sync(job.account, trigger=Trigger.TELEGRAM, cancel=cancel)
    if sync.run.status is not RunStatus.OK:
        return f"{job.account}: reading the account {run_summary(sync.run)}"
    planned: list[CopiedItem] = []
    report = workspace.copy(
        job.account,
        job.destination,
        folder_template="{path}",
        limit=job.limit,
        dry_run=job.dry_run,
        on_item=planned.append if job.dry_run else None,
        where=_available,
    )
    unavailable = sum(1 for item in workspace.items(source=job.account) if not _available(item))
    seconds = time.monotonic() - started
    return backfill_result(job, sync.run.counts.added, report, unavailable, planned, seconds)


def backfill_result(
    job: Backfill,
    new: int,
    report: CopyReport,
    unavailable: int,
    planned: Sequence[CopiedItem],
    seconds: float,
) -> str:
    """The CLI's summary line, its time, then errors (or, for a dry run, what it would copy)."""
    took = f"{seconds:.1f}s" if seconds < 60 else duration(seconds)
    verb = "would copy" if job.dry_run else "copied"
    lines = [
        f"{job.account} -> {job.destination}{' (dry run)' if job.dry_run else ''}: {new} new "
        f"on Instagram, {verb} {report.copied}, {report.skipped} already there, {unavailable} "
        f"unavailable, {report.failed} failed in {took}"
    ]
    names = [item.destination_path for item in planned if item.outcome == "planned"]
    lines += [f"  {name}" for name in names[:SHOWN]]
    if len(names) > SHOWN:
        lines.append(f"  (and {len(names) - SHOWN} more)")
    lines += [f"  failed: {error}" for error in report.errors[:3]]
    if report.error is not None:
        lines.append(f"  stopped: {report.error}")
    return "\n".join(lines)


def _busy(workspace: Workspace, account: str) -> bool:
    """A sync of the account holds its lease now (a worker, the command line, a backfill)."""
    return any(syncing_now(status, datetime.now(UTC)) for status in workspace.status(account))


async def backfill_command(request: Request) -> None:
    """``/backfill``: "Backfilling …" at once, edited into the result when it is done."""
    deps = request.deps
    try:
        job = await deps.call(plan_backfill, deps.workspace, request.args)
    except UsageError as exc:
        await request.reply(str(exc))
        return
    if job.account in deps.backfilling or await deps.call(_busy, deps.workspace, job.account):
        await request.reply(
            f"A backfill or sync of {job.account} is already running; try again when it is done."
        )
        return
    limit = "" if job.limit is None else f", {job.limit} files at most"
    dry = ", dry run" if job.dry_run else ""
    deps.backfilling.add(job.account)
    try:
        message = await request.reply(
            f"Backfilling {job.account} into {job.destination}{limit}{dry}…"
        )
    except BaseException:
        deps.backfilling.discard(job.account)
        raise
    request.start_task(_backfill(request, message.message_id, job))


async def _backfill(request: Request, message_id: int, job: Backfill) -> None:
    deps = request.deps
    try:
        with awaiting_result(job.account, request.chat_id):
            text = await deps.call(run_backfill, deps.workspace, job, deps.stop)
    except LeaseHeld:  # taken between the check and the start: a worker's sync, say
        text = (
            f"{job.account}: not backfilled: a sync of it or a copy into {job.destination} "
            "started elsewhere meanwhile; try again when it is done."
        )
    except MediasyncError as exc:
        text = f"{job.account}: error: {exc}"
    finally:
        deps.backfilling.discard(job.account)
    await edit_text(request.bot, request.chat_id, message_id, text)
