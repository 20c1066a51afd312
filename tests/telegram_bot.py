"""Helpers for the Telegram plugin's tests: a bot connected to the fake Bot API, run for real.

The bot runs as ``mediasync run --with-telegram`` runs it (``TelegramService.run`` on a thread
of its own, stopped through its event), while the test plays the users' side on the fake with
its blocking helpers. Every wait has a timeout, and a bot that does not stop fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fakes.telegram import FakeTelegram, SentMessage
from media_factory import write_jpeg, write_png

from mediasync import Workspace
from mediasync_telegram._service import TelegramService
from mediasync_telegram._store import BotConfig, BotStore, ChatSettings

__all__ = [
    "CHAT",
    "STRANGER",
    "RunningBot",
    "add_photos",
    "ask",
    "connect",
    "running_bot",
    "watch",
]

CHAT = 42
"""The chat every test allows."""
STRANGER = 666
"""A chat no test allows."""
STOP_SECONDS = 10.0


def connect(
    workspace: Workspace, fake: FakeTelegram, allowed: tuple[int, ...] = (CHAT,)
) -> BotConfig:
    """What ``mediasync telegram connect`` stores, without the command line."""
    config = BotConfig(
        workspace.seal_secret(fake.token),
        fake.bot.username,
        fake.bot.user.id,
        fake.root_url,
        frozenset(allowed),
    )
    BotStore(workspace).save_config(config)
    return config


def watch(
    workspace: Workspace,
    chat_id: int,
    *sources: str,
    media_sync_enabled: bool = True,
    notifications: bool = True,
) -> ChatSettings:
    """What ``mediasync telegram watch`` and ``/settings`` store: the chat watches exactly
    ``sources``, with these settings."""
    chat = ChatSettings(chat_id, media_sync_enabled, notifications, tuple(sorted(sources)))
    BotStore(workspace).save_chat(chat)
    return chat


def add_photos(workspace: Workspace, root: Path, name: str = "photos", files: int = 3) -> Path:
    """A folder of ``files`` small pictures, added as local source ``name``."""
    for index in range(files):
        writer = write_jpeg if index % 2 == 0 else write_png
        writer(root / f"2024/IMG_{index:04d}.{'jpg' if index % 2 == 0 else 'png'}", seed=index)
    workspace.add_source(name, "local", root=str(root), settings={})
    return root


class RunningBot:
    """The bot's thread, its stop event, and what it raised, if anything."""

    def __init__(self, workspace: Workspace) -> None:
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(TelegramService(workspace),), daemon=True
        )

    def _run(self, service: TelegramService) -> None:
        try:
            service.run(self.stop)
        except BaseException as exc:
            self.failure = exc

    def close(self) -> None:
        self.stop.set()
        self.thread.join(STOP_SECONDS)
        assert not self.thread.is_alive(), "the bot did not stop"


@contextmanager
def running_bot(workspace: Workspace, fake: FakeTelegram) -> Iterator[RunningBot]:
    """The bot polling the fake (it waits for its first long poll), stopped afterwards."""
    bot = RunningBot(workspace)
    bot.thread.start()
    fake.wait_until(lambda: fake.is_polling() or not bot.thread.is_alive(), what="the bot to poll")
    try:
        yield bot
    finally:
        bot.close()
    if bot.failure is not None:
        raise bot.failure


def ask(
    fake: FakeTelegram,
    text: str,
    chat_id: int = CHAT,
    predicate: Callable[[SentMessage], bool] | None = None,
    timeout: float = 5.0,
    **send: object,
) -> SentMessage:
    """A user writes ``text``; the bot's next new message in that chat (matching
    ``predicate``) is returned."""
    before = {m.message_id for m in fake.outbox(chat_id)}
    fake.send_text(chat_id, text, **send)  # type: ignore[arg-type]
    return fake.wait_for(
        lambda m: m.message_id not in before and (predicate is None or predicate(m)),
        timeout,
        chat_id=chat_id,
    )
