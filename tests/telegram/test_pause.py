"""``media_sync_enabled``: the worker skips a source's scheduled syncs while every allowed chat
watching it has them off (the core's ``schedule_paused`` hook, answered by the plugin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakes.telegram import FakeTelegram
from sqlalchemy import update
from telegram_bot import CHAT, ask, connect, running_bot, watch

from mediasync import Workspace
from mediasync._db.schema import sources

FRIEND = 43


def make_due(workspace: Workspace) -> None:
    with workspace.app.engine.begin() as connection:
        connection.execute(update(sources).values(next_due_at=None))


def test_a_source_is_paused_only_while_every_watching_chat_paused_it(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake, allowed=(CHAT, FRIEND))
    watch(workspace, CHAT, "photos", media_sync_enabled=False)
    watch(workspace, FRIEND, "photos", media_sync_enabled=False)
    assert workspace.worker(once=True).run() == 0
    assert workspace.runs("photos") == []
    [status] = workspace.status("photos")
    assert status.lease_owner is None
    assert status.next_due_at is not None
    assert status.next_due_at - datetime.now(UTC) > timedelta(minutes=4), "one interval later"

    watch(workspace, FRIEND, "photos", media_sync_enabled=True)
    make_due(workspace)
    assert workspace.worker(once=True).run() == 1, "one chat still wants it synced"

    watch(workspace, FRIEND, "photos", media_sync_enabled=False)
    make_due(workspace)
    assert workspace.worker(once=True).run() == 0
    assert workspace.sync("photos").run.counts.unchanged == 3, "a sync asked by name still runs"


def test_sources_nobody_allowed_watches_are_never_paused(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake, allowed=(CHAT,))
    watch(workspace, FRIEND, "photos", media_sync_enabled=False)  # FRIEND is not allowed
    assert workspace.worker(once=True).run() == 1


def test_pausing_from_settings_is_what_the_worker_honours(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    watch(workspace, CHAT, "photos")
    with running_bot(workspace, fake):
        menu = ask(fake, "/settings")
        fake.press_button(CHAT, menu.message_id, "set:sync")
        fake.wait_until(lambda: fake.message(CHAT, menu.message_id).edited, what="the redraw")
        status = ask(fake, "/status")
    assert workspace.worker(once=True).run() == 0
    assert status.text is not None
    assert status.text.splitlines()[1] == "  never synced; scheduled syncs paused from Telegram"
