"""``mediasync telegram connect | status | allow | deny | watch | unwatch | run``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from sqlalchemy import text
from support import CliRun, json_output
from telegram_bot import CHAT, ask, connect

from mediasync import Workspace
from mediasync_telegram._store import BotStore

WRONG = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
GROUP = "-1001234567890"

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For what happens between the bot and Telegram (or a process and its signals): the index's
two databases are the core's tests' subject, and each run here costs seconds."""


def stored_rows(workspace: Workspace) -> str:
    """Everything the index holds for the plugin, as the database has it."""
    with workspace.app.engine.connect() as connection:
        rows = connection.execute(text("SELECT scope, key, value FROM plugin_state")).all()
    return repr(rows)


def test_connect_checks_the_token_and_stores_it_sealed_with_the_allowed_chats(
    run: CliRun, fake: FakeTelegram, workspace: Workspace, database_url: str
) -> None:
    db = ["--db", database_url]
    result = run(
        [*db, "telegram", "connect", "--token", fake.token, "--allow", str(CHAT),
         "--allow", GROUP, "--base-url", fake.root_url]
    )  # fmt: skip
    status = run([*db, "telegram", "status", "--json"])

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"connected bot @MediasyncTestBot (id {fake.bot.user.id}); chats allowed: {GROUP}, 42",
        "run it with: mediasync telegram run (or mediasync run --with-telegram)",
    ]
    assert fake.calls["getMe"] == 1
    config = BotStore(workspace).require_config()
    assert set(config.token) == {"$encrypted"}
    assert BotStore(workspace).token(config).reveal() == fake.token
    assert fake.token not in stored_rows(workspace)
    assert json_output(status) == {
        "username": "MediasyncTestBot",
        "bot_id": fake.bot.user.id,
        "base_url": fake.root_url,
        "allowed_chats": [int(GROUP), CHAT],
        "chats": [
            {
                "chat_id": int(GROUP),
                "media_sync_enabled": True,
                "notifications": True,
                "sources": [],
            },
            {"chat_id": CHAT, "media_sync_enabled": True, "notifications": True, "sources": []},
        ],
    }


def test_a_refused_token_is_one_line_and_nothing_is_stored(
    run: CliRun, fake: FakeTelegram, workspace: Workspace, database_url: str
) -> None:
    base = ["--db", database_url, "telegram", "connect", "--allow", "42", "--base-url"]
    refused = run([*base, fake.root_url, "--token", WRONG])
    malformed = run([*base, fake.root_url, "--token", "not-a-token"])
    unreachable = run([*base, "http://127.0.0.1:9", "--token", fake.token])

    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "error: Telegram refused the bot token (401 Unauthorized): check it with @BotFather "
        "(/token), then connect again\n"
    )
    assert malformed.stderr.startswith("error: Telegram does not know this bot token (404")
    assert unreachable.exit_code == 1
    assert unreachable.stderr.startswith(
        "error: cannot reach the Telegram Bot API at http://127.0.0.1:9: "
    )
    assert len(unreachable.stderr.splitlines()) == 1
    for result in (refused, malformed, unreachable):
        assert WRONG not in result.output
        assert fake.token not in result.output
    assert BotStore(workspace).config() is None


def test_a_token_reference_is_stored_as_the_reference(
    run: CliRun, fake: FakeTelegram, workspace: Workspace, database_url: str
) -> None:
    result = run(
        ["--db", database_url, "telegram", "connect", "--token", "$env:TG_TOKEN", "--allow",
         "42", "--base-url", fake.root_url, "--json"],
        TG_TOKEN=fake.token,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["username"] == "MediasyncTestBot"
    assert BotStore(workspace).require_config().token == {"$env": "TG_TOKEN"}


def test_allow_deny_watch_and_unwatch_with_group_ids(
    run: CliRun, fake: FakeTelegram, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    db = ["--db", database_url]
    (tmp_path / "pics").mkdir()
    workspace.add_source("pics", "local", root=str(tmp_path / "pics"), settings={})
    connect = ["telegram", "connect", "--token", fake.token, "--allow", "42"]
    assert run([*db, *connect, "--base-url", fake.root_url]).exit_code == 0

    not_yet = run([*db, "telegram", "watch", GROUP, "pics"])
    allowed = run([*db, "telegram", "allow", GROUP])
    watched = run([*db, "telegram", "watch", GROUP, "pics"])
    unknown = run([*db, "telegram", "watch", GROUP, "pics", "holidays"])
    status = run([*db, "telegram", "status"])
    unwatched = run([*db, "telegram", "unwatch", GROUP, "pics"])
    denied = run([*db, "telegram", "deny", GROUP])
    again = run([*db, "telegram", "deny", GROUP])
    not_a_number = run([*db, "telegram", "allow", "my-group"])

    assert not_yet.exit_code == 2
    assert not_yet.stderr == (
        f"error: chat {GROUP} is not allowed: run `mediasync telegram allow {GROUP}` first\n"
    )
    assert allowed.stdout == f"chat {GROUP} may use the bot\n"
    assert watched.stdout == f"chat {GROUP} watches pics\n"
    assert unknown.stderr == "error: no source named 'holidays' (sources: pics)\n"
    assert status.stdout.splitlines() == [
        f"bot @MediasyncTestBot (id {fake.bot.user.id}) at {fake.root_url}",
        f"  chat {GROUP}: watches pics; scheduled syncs on, notifications on",
        "  chat 42: watches no sources; scheduled syncs on, notifications on",
    ]
    assert unwatched.stdout == f"chat {GROUP} watches no sources\n"
    assert denied.stdout == f"chat {GROUP} may no longer use the bot\n"
    assert again.stderr == f"error: chat {GROUP} is not allowed: nothing to deny\n"
    assert not_a_number.exit_code == 2
    assert "'my-group' is not a chat id" in not_a_number.stderr
    assert BotStore(workspace).require_config().allowed_chats == {CHAT}


@pytest.mark.parametrize("command", [["status"], ["run"], ["allow", "5"]])
def test_commands_before_connect_say_how_to_connect(
    run: CliRun, database_url: str, command: list[str]
) -> None:
    result = run(["--db", database_url, "telegram", *command])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no Telegram bot is connected: run `mediasync telegram connect --token TOKEN "
        "--allow CHAT_ID` first\n"
    )


@SQLITE_ONLY
def test_run_serves_until_sigterm_then_exits_0(
    fake: FakeTelegram, workspace: Workspace, database_url: str
) -> None:
    connect(workspace, fake)
    process = subprocess.Popen(
        [sys.executable, "-m", "mediasync", "--db", database_url, "telegram", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake.wait_until(fake.is_polling, timeout=20, what="`mediasync telegram run` to poll")
        answer = ask(fake, "/help")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert answer.text is not None
    assert answer.text.startswith("What I can do:")
    assert err.splitlines()[0] == (
        "mediasync: INFO: telegram: bot @MediasyncTestBot is answering (allowed chats: 42)"
    )
    assert err.splitlines()[-1] == "mediasync: INFO: telegram: bot @MediasyncTestBot stopped"
    assert fake.token not in out + err
