"""Telling the watching chats how their sources' syncs went: the ``sync_finished`` observer.

It runs in whichever process synced (the worker, ``mediasync sync``, the bot itself), on the
run's observer thread, and decides from the index database alone: the bot's settings and each
chat's. Sending is handed to the outbox's thread, so no run waits for Telegram.

A chat hears of a run that changed what it watches (items added, removed, moved, renamed or
restored) or failed: one message per run, never one per file. A failing source is reported
once, then not again until a run succeeds (which says it recovered). The chat that asked for
the sync with ``/sync`` gets its answer in that command's message instead.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from mediasync import RunStatus, SyncCounts, SyncRun, Workspace
from mediasync_telegram._outbox import OUTBOX, Notice
from mediasync_telegram._replies import run_summary
from mediasync_telegram._store import BotStore

__all__ = ["awaiting_result", "message_for", "notify_finished"]

_lock = threading.Lock()
_awaiting: dict[str, Counter[int]] = {}


@contextmanager
def awaiting_result(source: str, chat_id: int) -> Iterator[None]:
    """While the bot syncs ``source`` for ``chat_id`` in this process, that chat is not
    notified of the run: it will read the result in its own ``/sync`` message."""
    with _lock:
        _awaiting.setdefault(source, Counter())[chat_id] += 1
    try:
        yield
    finally:
        with _lock:
            chats = _awaiting[source]
            chats[chat_id] -= 1
            if chats[chat_id] <= 0:
                del chats[chat_id]
            if not chats:
                del _awaiting[source]


def _changed(counts: SyncCounts) -> bool:
    return bool(counts.added + counts.removed + counts.moved + counts.renamed + counts.restored)


def _failure_text(run: SyncRun) -> str:
    if run.status is RunStatus.HELD:
        fix = (
            f"If those files really went away, run: mediasync sync {run.source} "
            "--allow-mass-removal. Otherwise bring them back; nothing was removed."
        )
    else:
        fix = (
            f"Fix the cause (`mediasync doctor` checks every source), then send /sync "
            f"{run.source}. The worker keeps retrying on its own meanwhile."
        )
    return f"⚠️ {run.source}: {run_summary(run)}\nWhat to do: {fix}"


def message_for(run: SyncRun, store: BotStore) -> str | None:
    """What the watchers of ``run.source`` should read about ``run``, if anything, keeping
    the failure alert state (one message per failure streak) up to date."""
    alerted = store.alerted_failure(run.source)
    if run.status in (RunStatus.FAILED, RunStatus.HELD):
        if alerted is not None:
            return None
        store.set_alerted_failure(run.source, run.id)
        return _failure_text(run)
    if run.status is not RunStatus.OK:
        return None  # cancelled: neither a change nor a failure
    text = f"{run.source} synced: {run_summary(run)}" if _changed(run.counts) else None
    if alerted is None:
        return text
    store.set_alerted_failure(run.source, None)
    recovered = f"✅ {run.source} syncs again after the failure reported earlier."
    return recovered if text is None else f"{recovered}\n{text}"


def notify_finished(run: SyncRun, workspace: Workspace) -> None:
    store = BotStore(workspace)
    config = store.config()
    if config is None:
        return
    text = message_for(run, store)
    if text is None:
        return
    with _lock:
        asking = set(_awaiting.get(run.source, ()))
    chats = [
        chat.chat_id
        for chat in store.watchers(run.source, config)
        if chat.notifications and chat.chat_id not in asking
    ]
    if not chats:
        return
    token = store.token(config)
    for chat_id in chats:
        OUTBOX.post(Notice(config.base_url, token, chat_id, text))
