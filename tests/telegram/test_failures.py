"""What goes wrong with Telegram: another instance polling (409), flood control (429), answers
longer than a message, and the token, which must never reach any output or log."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from support import CliRun
from telegram import Bot
from telegram_bot import CHAT, ask, connect, running_bot, watch

from mediasync import RemoteError, Workspace
from mediasync_telegram._api import CONFLICT, api_url, make_request
from mediasync_telegram._outbox import OUTBOX
from mediasync_telegram._send import edit_text, send_text
from mediasync_telegram._text import MAX_MESSAGE, cut_message, split_message, utf16_len

WRONG = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For what happens between the bot and Telegram (or a process and its signals): the index's
two databases are the core's tests' subject, and each run here costs seconds."""


@SQLITE_ONLY
def test_another_instance_polling_stops_the_bot_with_a_clear_error(
    fake: FakeTelegram, workspace: Workspace, run: CliRun, database_url: str
) -> None:
    connect(workspace, fake)
    fake.fail_next("getUpdates", 409)
    with pytest.raises(RemoteError) as stopped, running_bot(workspace, fake):
        pass
    fake.fail_next("getUpdates", 409)
    alone = run(["--db", database_url, "telegram", "run"])
    fake.fail_next("getUpdates", 409)
    with_worker = run(["--db", database_url, "run", "--with-telegram"])

    assert str(stopped.value) == CONFLICT
    assert (alone.exit_code, alone.stdout) == (1, "")
    assert alone.stderr.splitlines()[-1] == f"error: {CONFLICT}"
    assert with_worker.exit_code == 1
    assert with_worker.stderr.splitlines()[-1] == f"error: telegram: {CONFLICT}"


def test_flood_control_is_waited_out_before_answering(
    fake: FakeTelegram, workspace: Workspace, photos: Path
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        fake.fail_next("sendMessage", 429, retry_after=1)
        started = time.monotonic()
        answer = ask(fake, "/sources")
        waited = time.monotonic() - started
    assert answer.text is not None
    assert answer.text.startswith("Sources (1")
    assert waited >= 1
    assert [r.status for r in fake.requests if r.method == "sendMessage"] == [429, 200]


def test_a_long_answer_is_split_at_line_ends_and_an_edit_is_cut(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        for number in range(45):
            folder = tmp_path / f"{number:02d}-{'a-rather-long-folder-name-' * 3}"
            folder.mkdir()
            workspace.add_source(
                f"s{number:02d}-{'x' * 80}", "local", root=str(folder), settings={}
            )
        connect(workspace, fake)
        with running_bot(workspace, fake):
            fake.send_text(CHAT, "/sources")
            fake.wait_until(lambda: len(fake.outbox(CHAT)) >= 3, what="three messages")
    pieces = [m.text or "" for m in fake.outbox(CHAT)]
    assert all(len(piece) <= MAX_MESSAGE for piece in pieces)
    lines = "\n".join(pieces).splitlines()
    assert lines[0] == "Sources (45; ✓ watched by this chat):"
    assert len(lines) == 46, "every source, none cut in two"

    fake.chat(7)
    long_text = "🙂" * 3000  # 6,000 UTF-16 code units

    async def scenario() -> None:
        bot = Bot(fake.token, base_url=api_url(fake.root_url), request=make_request())
        async with bot:
            sent = await send_text(bot, 7, long_text)
            await edit_text(bot, 7, sent.message_id, long_text)

    asyncio.run(asyncio.wait_for(scenario(), 10))
    first, second = fake.outbox(7)
    assert (first.text or "") + (second.history[0].text or "") == long_text
    assert second.text == cut_message(long_text), "the edit was cut to one message"
    assert utf16_len(cut_message(long_text)) <= MAX_MESSAGE


def test_splitting_keeps_lines_whole_and_cuts_only_lines_too_long_alone() -> None:
    assert split_message("a\nbb\ncc", limit=4) == ["a\nbb", "cc"]
    assert split_message("abcdefghij", limit=4) == ["abcd", "efgh", "ij"]
    assert split_message("a\n   \nb", limit=1) == ["a", "b"], "blank pieces are dropped"
    assert cut_message("abcdef", limit=4) == "abc…"


@SQLITE_ONLY
def test_the_token_never_reaches_output_or_logs(
    fake: FakeTelegram,
    workspace: Workspace,
    photos: Path,
    run: CliRun,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    db = ["--db", database_url, "-v"]
    results = [
        run([*db, "telegram", "connect", "--token", WRONG, "--allow", "42",
             "--base-url", fake.root_url]),
        run([*db, "telegram", "connect", "--token", fake.token, "--allow", "42",
             "--base-url", fake.root_url]),
    ]  # fmt: skip
    watch(workspace, CHAT, "photos")
    fake.chat(CHAT)
    with running_bot(workspace, fake):
        answer = ask(fake, "/sync photos")
        fake.wait_for(lambda m: m.message_id == answer.message_id and m.edited)
    workspace.sync("photos")  # a notification, sent through httpx
    (photos / "2024/IMG_0000.jpg").unlink()
    workspace.sync("photos")
    assert OUTBOX.flush(10)
    fake.fail_next("getUpdates", 409)
    results.append(run([*db, "telegram", "run"]))
    fake.revoke()
    results.append(run([*db, "telegram", "run"]))

    assert [r.exit_code for r in results] == [1, 0, 1, 1]
    assert "401 Unauthorized" in results[3].stderr
    captured = capfd.readouterr()
    everything = "\n".join([caplog.text, captured.out, captured.err, *(r.output for r in results)])
    for secret in (fake.token, WRONG, fake.token.split(":")[1], WRONG.split(":")[1]):
        assert secret not in everything
    assert "/bot<token>/getMe" in caplog.text, "the libraries' request logs were captured"
    assert "/bot<token>/sendMessage" in caplog.text
