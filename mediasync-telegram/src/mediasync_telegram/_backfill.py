"""``/backfill [account] [N] [dry]``: an Instagram account's posts copied into its backup.

The Instagram plugin's own backfill (``mediasync_instagram.backfill``, what ``mediasync
instagram backfill`` runs), started by the bot: the run is recorded on the account's sync runs
and in its backfill history (``backfill-status``) as the bot's. Which account and destination:
``_backfill_plan``. Like ``/sync``, the command answers at once and edits that answer with the
result; the work runs on a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mediasync import CopiedItem, LeaseHeld, MediasyncError, Trigger, UsageError, Workspace
from mediasync_telegram._backfill_plan import Backfill, plan_backfill
from mediasync_telegram._context import Request
from mediasync_telegram._notify import awaiting_result
from mediasync_telegram._replies import syncing_now
from mediasync_telegram._send import edit_text
from mediasync_telegram._text import duration

if TYPE_CHECKING:
    from mediasync_instagram import BackfillReport

__all__ = ["backfill_command"]

SHOWN = 10
"""Files a dry run lists by name; the rest are counted."""


def run_backfill(workspace: Workspace, job: Backfill, cancel: threading.Event) -> str:
    """Runs the Instagram plugin's backfill; the result as text (on a thread).

    Raises:
        LeaseHeld: the account is being synced, or its destination written, elsewhere.
    """
    from mediasync_instagram import backfill  # present: ``plan_backfill`` found it

    planned: list[CopiedItem] = []
    report = backfill(
        workspace,
        job.account,
        job.destination,
        limit=job.limit,
        dry_run=job.dry_run,
        on_item=planned.append if job.dry_run else None,
        trigger=Trigger.TELEGRAM,
        cancel=cancel,
    )
    return backfill_result(report, planned)


def backfill_result(report: BackfillReport, planned: Sequence[CopiedItem]) -> str:
    """The CLI's summary line, its time, then errors (or, for a dry run, what it would copy)."""
    seconds = (report.finished_at - report.started_at).total_seconds()
    took = f"{seconds:.1f}s" if seconds < 60 else duration(seconds)
    verb = "would copy" if report.dry_run else "copied"
    lines = [
        f"{report.account} -> {report.destination}{' (dry run)' if report.dry_run else ''}: "
        f"{report.listed} new on Instagram, {verb} {report.copied}, {report.skipped} already "
        f"there, {report.unavailable} unavailable, {report.failed} failed in {took}"
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
