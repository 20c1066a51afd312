"""A token revoked while the bot polls (getUpdates starts answering 401): one clear line, the
bot stops, ``mediasync telegram run`` exits 1, and ``mediasync run --with-telegram`` keeps
syncing without it. The token is in no line of any of it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from support import CliRun
from telegram_bot import CHAT, ask, connect, running_bot

from mediasync import RunStatus, Workspace

REVOKED = (
    "Telegram refused the bot token while polling (401 Unauthorized): it was revoked or "
    "replaced in @BotFather; connect the new one with `mediasync telegram connect`"
)
STARTED = "mediasync: INFO: telegram: bot @MediasyncTestBot is answering (allowed chats: 42)"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the bot; core runs the index on both databases."""
    return f"sqlite:///{tmp_path / 'index.db'}"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """Long polls answer after 0.2 s: a token revoked meanwhile is refused at the next one."""
    with FakeTelegram(long_poll_cap=0.2) as server:
        yield server


def secrets_of(fake: FakeTelegram) -> tuple[str, str]:
    return fake.token, fake.token.split(":")[1]


def test_a_revoked_token_stops_the_bot_with_one_clear_line_and_no_token(
    fake: FakeTelegram, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connect(workspace, fake)
    with running_bot(workspace, fake) as bot:
        assert (ask(fake, "/help").text or "").startswith("What I can do:")
        fake.fail_next("getUpdates", 401)
        fake.send_text(CHAT, "/status")  # wakes the waiting poll: the next one is refused
        fake.wait_until(lambda: not bot.thread.is_alive(), what="the bot to stop by itself")

    assert bot.failure is None, "the service returns: the worker beside it goes on"
    loud = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [
        (
            "mediasync.telegram",
            f"telegram: {REVOKED}; the bot stopped, the worker goes on without it",
        )
    ]
    polls = [r.status for r in fake.requests if r.method == "getUpdates"]
    assert polls[-1] == 401, "nothing asked of Telegram after the refusal"
    for secret in secrets_of(fake):
        assert secret not in caplog.text
    assert "/bot<token>/getUpdates" in caplog.text, "the request logs were captured"


def test_telegram_run_says_it_started_then_exits_1_when_the_token_is_revoked(
    fake: FakeTelegram, workspace: Workspace, run: CliRun, database_url: str
) -> None:
    connect(workspace, fake)

    def revoke_once_polling() -> None:
        fake.wait_until(fake.is_polling, timeout=10, what="the bot to poll")
        fake.revoke()

    revoker = threading.Thread(target=revoke_once_polling, daemon=True)
    revoker.start()
    result = run(["--db", database_url, "telegram", "run"])
    revoker.join(5)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [STARTED, f"error: {REVOKED}"]
    for secret in secrets_of(fake):
        assert secret not in result.output


def test_the_worker_keeps_syncing_after_its_bot_stopped_on_a_revoked_token(
    fake: FakeTelegram,
    workspace: Workspace,
    photos: Path,
    run: CliRun,
    database_url: str,
    listing_gate: threading.Event,
) -> None:
    connect(workspace, fake)

    def bot_alive() -> bool:
        return any(t.name == "mediasync-telegram" for t in threading.enumerate())

    def revoke_then_let_the_sync_finish() -> None:
        try:
            fake.wait_until(fake.is_polling, timeout=10, what="the bot to poll")
            fake.revoke()
            fake.wait_until(lambda: not bot_alive(), timeout=10, what="the bot to stop")
        finally:
            listing_gate.set()  # the worker's sync of photos was held until now

    helper = threading.Thread(target=revoke_then_let_the_sync_finish, daemon=True)
    helper.start()
    result = run(["--db", database_url, "run", "--once", "--with-telegram"])
    helper.join(5)

    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    stopped = (
        f"mediasync: ERROR: telegram: {REVOKED}; the bot stopped, the worker goes on without it"
    )
    assert stopped in lines
    synced = [line for line in lines if line.startswith("mediasync: INFO: sync photos ok")]
    assert len(synced) == 1
    assert lines.index(stopped) < lines.index(synced[0]), "the sync ended after the bot stopped"
    last = workspace.last_run("photos")
    assert last is not None
    assert (last.status, last.counts.added) == (RunStatus.OK, 3)
    for secret in secrets_of(fake):
        assert secret not in result.output
