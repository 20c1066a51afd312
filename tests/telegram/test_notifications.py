"""Notifications through ``sync_finished``: one message per run that changed or failed, to the
allowed chats watching the source that want them, sent from the outbox's thread."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from media_factory import write_jpeg
from telegram_bot import CHAT, ask, connect, running_bot, watch

from mediasync import RunStatus, Trigger, Workspace
from mediasync_telegram._outbox import OUTBOX

FRIEND = 43
QUIET = 44
DENIED = 45

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For what happens between the bot and Telegram (or a process and its signals): the index's
two databases are the core's tests' subject, and each run here costs seconds."""


def texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    assert OUTBOX.flush(10), "the outbox did not empty"
    return [m.text or "" for m in fake.outbox(chat_id)]


def test_a_scheduled_sync_that_adds_files_tells_each_watching_chat_once(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake, allowed=(CHAT, FRIEND, QUIET))
    for chat in (CHAT, FRIEND, DENIED):
        fake.chat(chat)
        watch(workspace, chat, "photos")
    fake.chat(QUIET)
    watch(workspace, QUIET, "photos", notifications=False)

    assert workspace.worker(once=True).run() == 1
    workspace.sync("photos", trigger=Trigger.SCHEDULE)  # nothing new: nothing to say

    [told] = texts(fake, CHAT)
    assert told.startswith("photos synced: +3 added, 0 moved, 0 renamed, 0 removed, 0 errors in ")
    assert texts(fake, FRIEND) == [told]
    assert texts(fake, QUIET) == [], "notifications off"
    assert texts(fake, DENIED) == [], "a chat no longer allowed hears nothing"


def test_a_failing_source_is_reported_once_until_it_recovers(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    fake.chat(CHAT)
    watch(workspace, CHAT, "photos")
    workspace.sync("photos")
    hidden = photos.with_name("hidden")
    photos.rename(hidden)
    for _ in range(2):
        assert workspace.sync("photos").run.status is RunStatus.FAILED
    hidden.rename(photos)
    workspace.sync("photos")
    workspace.sync("photos")

    added, failed, recovered = texts(fake, CHAT)
    assert added.startswith("photos synced: +3 added")
    assert failed.startswith("⚠️ photos: failed: ")
    assert str(photos) in failed
    assert failed.splitlines()[-1] == (
        "What to do: Fix the cause (`mediasync doctor` checks every source), then send /sync "
        "photos. The worker keeps retrying on its own meanwhile."
    )
    assert recovered == "✅ photos syncs again after the failure reported earlier."


def test_the_chat_that_asked_reads_its_answer_and_the_others_are_notified(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake, allowed=(CHAT, FRIEND))
    fake.chat(FRIEND)
    watch(workspace, CHAT, "photos")
    watch(workspace, FRIEND, "photos")
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync photos")
        fake.wait_for(lambda m: m.message_id == answer.message_id and m.edited)
        [told] = texts(fake, FRIEND)
    assert told.startswith("photos synced: +3 added")
    assert len(texts(fake, CHAT)) == 1, "only the edited answer"


@SQLITE_ONLY
def test_notifications_never_hold_the_sync_and_wait_out_flood_control(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    fake.chat(CHAT)
    watch(workspace, CHAT, "photos")
    fake.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    workspace.sync("photos")
    returned = time.monotonic() - started
    write_jpeg(photos / "late.jpg", seed=7)
    fake.fail_next("sendMessage", kind="slow", delay=1.5)
    started = time.monotonic()
    workspace.sync("photos")
    slow_returned = time.monotonic() - started

    first, second = texts(fake, CHAT)
    assert returned < 1, "the sync did not wait for Telegram's retry_after"
    assert slow_returned < 1.2, "the sync did not wait for a slow Bot API"
    assert first.startswith("photos synced: +3 added")
    assert second.startswith("photos synced: +1 added")
    assert [r.status for r in fake.requests if r.method == "sendMessage"] == [429, 200, 200]
