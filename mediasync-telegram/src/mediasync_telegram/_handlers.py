"""``/sync``, ``/status`` and ``/sources``: each a plain ``async def`` taking a ``Request``.

Workspace calls block (database, sync engine), so they run on threads (``BotDeps.call``): the
bot keeps answering, ``/status`` included, while a sync runs. A sync answers at once with
"Syncing …" and runs as an application task that edits that message with the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from mediasync import LeaseHeld, MediasyncError, SourceInfo, SourceStatus, Trigger
from mediasync_telegram._context import Request
from mediasync_telegram._notify import awaiting_result
from mediasync_telegram._replies import (
    sources_text,
    status_text,
    sync_result,
    syncing_now,
    unknown_source,
)
from mediasync_telegram._send import edit_text

__all__ = ["sources_command", "status_command", "sync_command"]


async def sync_command(request: Request) -> None:
    """``/sync [source]``: every enabled source, or the one named."""
    deps = request.deps
    infos: list[SourceInfo] = await deps.call(deps.workspace.sources)
    known = {info.name: info for info in infos}
    if request.args:
        name = request.args[0]
        if name not in known:
            await request.reply(unknown_source(name, known))
            return
        names = [name]
    else:
        names = [info.name for info in infos if info.enabled]
        if not names:
            await request.reply("No enabled source to sync: /sources lists them.")
            return
    statuses: list[SourceStatus] = await deps.call(deps.workspace.status)
    now = datetime.now(UTC)
    elsewhere = {s.name for s in statuses if syncing_now(s, now)}
    busy = [name for name in names if name in deps.running or name in elsewhere]
    todo = [name for name in names if name not in busy]
    if not todo:
        await request.reply(f"A sync of {', '.join(busy)} is already running; /status shows it.")
        return
    text = f"Syncing {', '.join(todo)}…"
    if busy:
        text += f"\n(already running: {', '.join(busy)})"
    deps.running.update(todo)  # from now on a /status says they are syncing
    try:
        message = await request.reply(text)
    except BaseException:
        deps.running.difference_update(todo)
        raise
    request.start_task(_run_syncs(request, message.message_id, todo, busy))


async def _run_syncs(
    request: Request, message_id: int, names: Sequence[str], busy: Sequence[str]
) -> None:
    deps = request.deps
    lines: list[str] = []
    try:
        for name in names:
            if deps.stop.is_set():
                lines.append(f"{name}: not started, the bot is stopping")
                continue
            lines.append(await _sync_one(request, name))
            deps.running.discard(name)
    finally:
        deps.running.difference_update(names)
    lines += [f"{name}: a sync was already running" for name in busy]
    await edit_text(request.bot, request.chat_id, message_id, "\n".join(lines))


async def _sync_one(request: Request, name: str) -> str:
    deps = request.deps
    with awaiting_result(name, request.chat_id):
        try:
            report = await deps.call(
                deps.workspace.sync, name, trigger=Trigger.TELEGRAM, cancel=deps.stop
            )
        except LeaseHeld:
            return f"{name}: a sync is already running (a worker or the command line)"
        except MediasyncError as exc:
            return f"{name}: error: {exc}"
    return sync_result(name, report)


def _status(request: Request, syncing: set[str]) -> str:
    """Runs on a thread: the sources, their state, and which are paused from Telegram."""
    workspace = request.deps.workspace
    statuses = workspace.status()
    infos = {info.name: info for info in workspace.sources()}
    paused = request.deps.store.paused_sources([status.name for status in statuses])
    return status_text(statuses, infos, paused, syncing, datetime.now(UTC))


async def status_command(request: Request) -> None:
    """``/status``: per source health, items, last run and its age, next sync, token days."""
    syncing = set(request.deps.running)  # read on the loop, the only place it changes
    await request.reply(await request.deps.call(_status, request, syncing))


async def sources_command(request: Request) -> None:
    """``/sources``: every source, and which this chat watches."""
    deps = request.deps
    infos = await deps.call(deps.workspace.sources)
    chat = await deps.call(deps.store.chat, request.chat_id)
    await request.reply(sources_text(infos, chat.sources))
