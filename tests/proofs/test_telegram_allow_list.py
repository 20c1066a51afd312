"""Chats not on the allow list never make the bot work: every command a stranger sends, and
every button press from its chat (a real one on the bot's refusal, forged ones carrying the
``callback_data`` of an allowed chat's Publish, Cancel and settings buttons), gets one refusal
and changes nothing: no sync, no backfill, no publication, no setting, the allowed chat's
preview still waiting for its own Publish.

Already covered in ``tests/telegram``: ``/sync`` and ``/backfill`` from a stranger refused, and
``allow``/``deny`` taking effect at once. The allow list is per chat: in an allowed group every
member may use the bot (``_gate``), so a stranger is a chat, not a user.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from core import folder_publisher
from fakes.telegram import CallbackQuery, FakeTelegram, User
from telegram_bot import CHAT, STRANGER, add_photos, ask, connect, running_bot, watch

from mediasync import Workspace
from mediasync._plugins import load_plugins
from mediasync_telegram._outbox import OUTBOX
from mediasync_telegram._replies import refusal
from mediasync_telegram._store import BotStore

COMMANDS = [
    "/sync",
    "/sync photos",
    "/backfill",
    "/backfill insta 1",
    "/publish 1",
    "/publish 1 post out",
    "/settings",
    "/sources",
    "/status",
    "/help",
    "/start",
    "hello",
]


QUERY_IDS = itertools.count(5_000_000_000_000_000_000)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        OUTBOX.flush(10)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    plugins = load_plugins(builtins=[("folder", folder_publisher)])
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}", plugins=plugins) as w:
        yield w


def forged_press(fake: FakeTelegram, chat_id: int, message_id: int, data: str) -> CallbackQuery:
    """A ``callback_query`` Telegram never sends: ``data`` from another chat's button, on the
    bot's message ``message_id`` in ``chat_id`` (which has no such button)."""
    real = fake.message(chat_id, message_id)
    user = User(chat_id, "Stranger")
    query = CallbackQuery(f"{next(QUERY_IDS)}", chat_id, message_id, data, user, 0)
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": real.date,
        "chat": {"id": chat_id, "type": "private", "first_name": "Stranger"},
        "from": fake.bot.user.to_json(),
        "text": real.text or "",
    }
    payload = {
        "id": query.id,
        "from": user.to_json(),
        "message": message,
        "chat_instance": "1",
        "data": data,
    }
    with fake.state.lock:
        fake.bot.callback_queries[query.id] = query
    fake.send_update("callback_query", payload)
    return query


def test_a_stranger_chat_makes_the_bot_do_nothing_whatever_it_sends_or_presses(
    fake: FakeTelegram, workspace: Workspace, tmp_path: Path
) -> None:
    add_photos(workspace, tmp_path / "photos")
    workspace.sync("photos")
    runs = len(workspace.runs("photos"))
    (tmp_path / "posts").mkdir()
    workspace.add_publisher("out", "folder", settings={"path": str(tmp_path / "posts")})
    connect(workspace, fake, allowed=(CHAT,))
    watch(workspace, CHAT, "photos")
    store = BotStore(workspace)
    chats = store.chats()
    item = next(iter(workspace.items(source="photos"))).id

    with running_bot(workspace, fake):
        preview = ask(
            fake, f"/publish {item} post out", CHAT, predicate=lambda m: bool(m.callback_data)
        )
        menu = ask(fake, "/settings", CHAT, predicate=lambda m: bool(m.callback_data))
        answers = [ask(fake, text, STRANGER).text for text in COMMANDS]
        own = fake.outbox(STRANGER)[-1]
        forged = [
            forged_press(fake, STRANGER, own.message_id, data)
            for data in [*preview.callback_data, *menu.callback_data]
        ]
        fake.wait_until(
            lambda: all(q.answer is not None for q in forged), 10, what="the presses answered"
        )
        alerts = [q.answer.text if q.answer else None for q in forged]
        after = store.chats()
        still = ask(fake, "/help", CHAT)  # the bot still works for its own chat
        control = forged_press(fake, CHAT, menu.message_id, "set:sync")  # the forgery works
        fake.wait_until(lambda: control.answer is not None, 10, what="the control answered")

    assert len(forged) == 5, "Publish, Cancel; scheduled syncs, notifications, one source"
    assert answers == [refusal(STRANGER)] * len(COMMANDS)
    assert alerts == [refusal(STRANGER)[:200]] * len(forged)
    assert len(fake.outbox(STRANGER)) == len(COMMANDS), "one refusal a command, nothing more"
    assert (still.text or "").startswith("What I can do")
    assert len(workspace.runs("photos")) == runs, "no sync ran"
    assert workspace.publications() == [], "nothing published"
    assert list((tmp_path / "posts").iterdir()) == []
    assert after == chats, "no setting changed"
    assert store.chats() != chats, "the same forged press from the allowed chat does change it"
    assert STRANGER not in store.require_config().allowed_chats
    last = fake.message(CHAT, preview.message_id)
    assert last.history == [] or "Publish" in (last.caption or last.text or ""), "still a preview"
