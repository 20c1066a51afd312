"""The bot's commands, end to end: python-telegram-bot polling the fake Bot API, real syncs of
a local folder behind ``/sync``, answers read from the fake's outbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fakes.telegram import FakeTelegram
from media_factory import write_jpeg
from telegram_bot import CHAT, STRANGER, add_photos, ask, connect, running_bot, watch

from mediasync import RunStatus, Trigger, Workspace
from mediasync_telegram._bot import COMMANDS
from mediasync_telegram._replies import refusal
from mediasync_telegram._store import BotStore

GROUP = -1001234567890


def test_sync_answers_at_once_then_edits_in_the_result_of_a_real_sync(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync photos")
        assert answer.text == "Syncing photos…"
        done = fake.wait_for(lambda m: m.message_id == answer.message_id and m.edited)
    assert done.text is not None
    assert done.text.startswith("photos: +3 added, 0 moved, 0 renamed, 0 removed, 0 errors in ")
    run = workspace.last_run("photos")
    assert run is not None
    assert (run.status, run.trigger, run.counts.added) == (RunStatus.OK, Trigger.TELEGRAM, 3)
    assert len(fake.outbox(CHAT)) == 1, "the answer is edited, not followed by another message"


def test_sync_without_a_name_syncs_every_enabled_source(
    fake: FakeTelegram, workspace: Workspace, photos: Path, tmp_path: Path
) -> None:
    add_photos(workspace, tmp_path / "more", name="more", files=1)
    add_photos(workspace, tmp_path / "off", name="off", files=1)
    workspace.update_source("off", enabled=False)
    connect(workspace, fake)
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync")
        assert answer.text == "Syncing more, photos…"
        done = fake.wait_for(lambda m: m.edited)
    assert done.text is not None
    lines = done.text.splitlines()
    assert [line.split(":")[0] for line in lines] == ["more", "photos"]
    assert lines[0].startswith("more: +1 added")
    assert workspace.last_run("off") is None


def test_status_answers_while_a_sync_runs_and_a_second_sync_is_refused(
    fake: FakeTelegram, workspace: Workspace, photos: Path, listing_gate: threading.Event
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        started = ask(fake, "/sync photos")
        status = ask(fake, "/status")
        again = ask(fake, "/sync photos")
        assert not fake.message(CHAT, started.message_id).edited, "the sync is still held"
        listing_gate.set()
        done = fake.wait_for(lambda m: m.message_id == started.message_id and m.edited)
    assert status.text is not None
    assert status.text.splitlines()[0] == "photos (local): never synced, 0 items; syncing now"
    assert again.text == "A sync of photos is already running; /status shows it."
    assert done.text is not None
    assert done.text.startswith("photos: +3 added")
    assert len(workspace.runs("photos")) == 1


def test_a_sync_held_by_another_process_is_reported_not_started_again(
    fake: FakeTelegram, workspace: Workspace, photos: Path, listing_gate: threading.Event
) -> None:
    connect(workspace, fake)
    elsewhere = threading.Thread(target=workspace.sync, args=("photos",), daemon=True)
    elsewhere.start()
    fake.wait_until(lambda: bool(workspace.status("photos")[0].lease_owner), what="the lease")
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync photos")
    listing_gate.set()
    elsewhere.join(10)
    assert answer.text == "A sync of photos is already running; /status shows it."
    assert [run.trigger for run in workspace.runs("photos")] == [Trigger.CLI]


def test_status_shows_each_source_with_its_last_run_and_next_sync(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    workspace.sync("photos")
    expires = datetime.now(UTC) + timedelta(days=45, hours=1)
    workspace.add_source(
        "insta",
        "instagram",
        root=None,
        settings={"token": "IGQ-not-shown", "user_id": "1784", "token_expires_at": f"{expires}"},
        enabled=False,
    )
    connect(workspace, fake)
    with running_bot(workspace, fake):
        status = ask(fake, "/status")
    assert status.text is not None
    lines = status.text.splitlines()
    assert lines[0] == "insta (instagram): disabled, 0 items"
    assert lines[1] == "  never synced; not scheduled (disabled)"
    assert lines[2] == "  token 45 days left"
    assert lines[3] == "photos (local): ok, 3 items"
    assert lines[4].startswith("  last run just now: +3 added, 0 moved, 0 renamed, 0 removed")
    assert lines[4].endswith(("; next in 4 min", "; next in 5 min"))
    assert "IGQ" not in status.text


def test_sources_help_and_the_command_menu(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    watch(workspace, CHAT, "photos")
    with running_bot(workspace, fake):
        sources = ask(fake, "/sources")
        help_text = ask(fake, "/help")
    assert sources.text == (
        f"Sources (1; ✓ watched by this chat):\n✓ photos: local {photos}, 0 items"
    )
    assert help_text.text is not None
    assert (
        help_text.text.splitlines()[1]
        == "/sync [source] — Sync every enabled source, or the one named"
    )
    assert help_text.text.splitlines()[2:4] == [
        "/backfill [account] [N] [dry] — Copy an Instagram account's new posts into its "
        "backup (dry: only list them)",
        "/publish ITEM [kind] [account] — Preview an item; it is published when you press Publish",
    ]
    assert [c["command"] for c in fake.commands()] == [spec.name for spec in COMMANDS]
    assert {"backfill", "publish"} <= {c["command"] for c in fake.commands()}
    assert fake.calls["deleteWebhook"] == 1, "polling starts by deleting any webhook"


def test_unknown_commands_names_and_arguments_get_one_line_each(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        unknown = ask(fake, "/backup now")
        no_source = ask(fake, "/sync holidays")
        too_many = ask(fake, "/sync photos extra")
        extra = ask(fake, "/status please")
        chatter = ask(fake, "hello bot")
    assert unknown.text == "Unknown command /backup. /help lists what I can do."
    assert no_source.text == "No source named 'holidays' (sources: photos). /sources lists them."
    assert too_many.text == "Usage: /sync [source]"
    assert extra.text == "Usage: /status"
    assert chatter.text == "Send a command: /help lists what I can do."
    assert workspace.runs("photos") == []


def test_group_commands_for_another_bot_are_ignored(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake, allowed=(CHAT, GROUP))
    with running_bot(workspace, fake):
        fake.send_text(GROUP, "/sync@OtherBot", chat_type="supergroup")
        fake.send_text(GROUP, "/nonsense@OtherBot", chat_type="supergroup")
        fake.send_text(GROUP, "just talking", chat_type="supergroup")
        ours = ask(fake, "/status@MediasyncTestBot", chat_id=GROUP, chat_type="supergroup")
    assert ours.text is not None
    assert ours.text.startswith("photos (local)")
    assert [m.text for m in fake.outbox(GROUP)] == [ours.text], "only our command was answered"
    assert workspace.runs("photos") == []
    assert fake.pending_updates() == [], "every update was read (and confirmed)"


def test_a_chat_not_allowed_gets_one_refusal_line_and_nothing_runs(
    fake: FakeTelegram, workspace: Workspace, photos: Path, run: Any, database_url: str
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        refused = ask(fake, "/sync", chat_id=STRANGER)
        assert run(["--db", database_url, "telegram", "allow", str(STRANGER)]).exit_code == 0
        allowed = ask(fake, "/sources", chat_id=STRANGER)
        assert run(["--db", database_url, "telegram", "deny", str(STRANGER)]).exit_code == 0
        denied = ask(fake, "/sources", chat_id=STRANGER)
    assert refused.text == (
        f"This chat (id {STRANGER}) is not allowed to use this bot. Its owner can allow it "
        f"with: mediasync telegram allow {STRANGER}"
    )
    assert workspace.runs("photos") == []
    assert allowed.text is not None
    assert allowed.text.startswith("Sources (1")
    assert denied.text == refused.text
    assert len(fake.outbox(STRANGER)) == 3


def press(fake: FakeTelegram, message_id: int, data: str) -> None:
    """Presses a button of the bot's message; returns once it is answered and redrawn."""
    edits = len(fake.message(CHAT, message_id).history)
    pressed = fake.press_button(CHAT, message_id, data)

    def handled() -> bool:
        redrawn = len(fake.message(CHAT, message_id).history) > edits
        return redrawn and pressed.answer is not None

    fake.wait_until(handled, what=f"the press on {data!r} to be handled")


def test_settings_toggle_this_chats_schedule_notifications_and_watched_sources(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    store = BotStore(workspace)
    with running_bot(workspace, fake):
        menu = ask(fake, "/settings")
        assert menu.callback_data == ["set:sync", "set:notify", "watch:photos"]
        for data in ("watch:photos", "set:sync", "set:notify", "watch:photos"):
            press(fake, menu.message_id, data)
    chat = store.chat(CHAT)
    assert (chat.sources, chat.media_sync_enabled, chat.notifications) == ((), False, False)
    shown = fake.message(CHAT, menu.message_id)
    assert shown.text == (
        "Settings of this chat (tap to change):\nScheduled syncs of its sources: off\n"
        "Notifications: off\nWatched sources: none"
    )
    assert [b["text"] for row in shown.buttons for b in row] == [
        "Scheduled syncs: off",
        "Notifications: off",
        "photos",
    ]
    assert [p.answer.text for p in fake.callback_queries() if p.answer] == [
        "Watching photos",
        "Scheduled syncs off",
        "Notifications off",
        "Stopped watching photos",
    ]


def test_a_new_file_shows_up_in_the_next_sync_answer(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    workspace.sync("photos")
    write_jpeg(photos / "2024/new.jpg", seed=99)
    connect(workspace, fake)
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync photos")
        done = fake.wait_for(lambda m: m.message_id == answer.message_id and m.edited)
    assert done.text is not None
    assert done.text.startswith("photos: +1 added")


def test_a_button_pressed_after_the_chat_was_denied_changes_nothing(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    store = BotStore(workspace)
    with running_bot(workspace, fake):
        menu = ask(fake, "/settings")
        store.allow(CHAT, allowed=False)
        pressed = fake.press_button(CHAT, menu.message_id, "set:sync")
        fake.wait_until(lambda: pressed.answer is not None, what="the answer")
    assert pressed.answer is not None
    assert (pressed.answer.text, pressed.answer.show_alert) == (refusal(CHAT), True)
    assert store.chat(CHAT).media_sync_enabled is True
    assert not fake.message(CHAT, menu.message_id).edited
