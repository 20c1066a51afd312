"""What the bot says: plain text made from the workspace's typed values, nothing sent here.

Kept apart from the handlers so that every answer can be read (and tested) as text. Plain text
only (no parse mode): source names and error lines never need escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from mediasync import RunStatus, SourceInfo, SourceStatus, SyncReport, SyncRun
from mediasync_telegram._text import relative

__all__ = [
    "refusal",
    "run_summary",
    "sources_text",
    "status_text",
    "sync_result",
    "syncing_now",
    "token_days_left",
    "unknown_source",
]

SHOWN_FILE_ERRORS = 3


def refusal(chat_id: int) -> str:
    return (
        f"This chat (id {chat_id}) is not allowed to use this bot. Its owner can allow it with: "
        f"mediasync telegram allow {chat_id}"
    )


def unknown_source(name: str, known: Iterable[str]) -> str:
    names = ", ".join(sorted(known)) or "none yet"
    return f"No source named '{name}' (sources: {names}). /sources lists them."


def run_summary(run: SyncRun) -> str:
    """The core's summary line of a run (``+3 added, … in 0.4s``), or why it did not finish."""
    if run.status is RunStatus.OK:
        finished = run.finished_at or run.started_at
        return SyncReport(run, (finished - run.started_at).total_seconds()).summary()
    verb = {RunStatus.HELD: "held back", RunStatus.CANCELLED: "cancelled"}.get(run.status, "failed")
    return f"{verb}: {run.error or 'no reason recorded'}"


def sync_result(name: str, report: SyncReport) -> str:
    """One source's part of the edited "Syncing …" message: counts, duration, errors."""
    run = report.run
    line = f"{name}: {report.summary() if run.status is RunStatus.OK else run_summary(run)}"
    if report.errors:
        shown = "; ".join(report.errors[:SHOWN_FILE_ERRORS])
        more = len(report.errors) - SHOWN_FILE_ERRORS
        line += f"\n  unreadable: {shown}" + (f" (and {more} more)" if more > 0 else "")
    return line


def token_days_left(info: SourceInfo, now: datetime) -> float | None:
    """Days until an Instagram source's token expires (its ``token_expires_at`` setting)."""
    expires = info.settings.get("token_expires_at")
    if info.type != "instagram" or not isinstance(expires, str) or not expires:
        return None
    try:
        moment = datetime.fromisoformat(expires)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return (moment - now).total_seconds() / 86400


def _token_line(days: float) -> str:
    if days < 0:
        return f"token expired {-days:.0f} days ago: mediasync instagram connect again"
    return f"token {days:.0f} days left" + ("; refresh it soon" if days < 7 else "")


def _status_lines(
    status: SourceStatus, info: SourceInfo | None, paused: bool, syncing: bool, now: datetime
) -> list[str]:
    items = f"{status.items_active:,} items" + (
        f", {status.items_removed:,} removed" if status.items_removed else ""
    )
    head = f"{status.name} ({status.type}): {status.health}, {items}"
    if syncing:
        head += "; syncing now"
    last = status.last_run
    if last is None:
        detail = "never synced"
    else:
        when = relative(last.finished_at or last.started_at, now)
        detail = f"last run {when}: {run_summary(last)}"
    if not status.enabled:
        detail += "; not scheduled (disabled)"
    elif paused:
        detail += "; scheduled syncs paused from Telegram"
    elif status.next_due_at is not None:
        detail += f"; next {relative(status.next_due_at, now)}"
    lines = [head, f"  {detail}"]
    days = None if info is None else token_days_left(info, now)
    if days is not None:
        lines.append(f"  {_token_line(days)}")
    return lines


def syncing_now(status: SourceStatus, now: datetime) -> bool:
    """A lease that has not lapsed: someone (a worker, a command, the bot) syncs the source."""
    expires = status.lease_expires_at
    return bool(status.lease_owner) and expires is not None and expires > now


def status_text(
    statuses: Sequence[SourceStatus],
    infos: Mapping[str, SourceInfo],
    paused: Iterable[str],
    syncing: Iterable[str],
    now: datetime,
) -> str:
    """``/status``: a few lines per source (health, items, last run and its age, next sync,
    an Instagram token's days left). ``syncing``: sources the bot is syncing or about to."""
    if not statuses:
        return "No sources yet: add one with `mediasync sources add` or `mediasync sync PATH`."
    stopped, busy = set(paused), set(syncing)
    lines: list[str] = []
    for status in statuses:
        name = status.name
        now_syncing = name in busy or syncing_now(status, now)
        lines += _status_lines(status, infos.get(name), name in stopped, now_syncing, now)
    return "\n".join(lines)


def sources_text(infos: Sequence[SourceInfo], watched: Iterable[str]) -> str:
    """``/sources``: every source, its type and root, whether this chat watches it."""
    if not infos:
        return "No sources yet: add one with `mediasync sources add` or `mediasync sync PATH`."
    mine = set(watched)
    lines = [f"Sources ({len(infos)}; ✓ watched by this chat):"]
    for info in infos:
        mark = "✓ " if info.name in mine else ""
        where = f" {info.root}" if info.root else ""
        state = "" if info.enabled else ", disabled"
        lines.append(f"{mark}{info.name}: {info.type}{where}{state}, {info.items_active:,} items")
    return "\n".join(lines)
