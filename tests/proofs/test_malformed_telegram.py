"""A ``getUpdates`` answer the bot cannot read (JSON cut off, an HTML page with status 200,
``ok`` without a result, a result of the wrong type, updates of the wrong shape): the bot
says so in one log line, without a traceback, and goes on polling: the next command is
answered, once. A user expects a bot that a proxy's hiccup does not stop."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.telegram import FakeTelegram
from telegram_bot import CHAT, ask, connect, running_bot

from mediasync import Workspace
from mediasync_telegram._outbox import OUTBOX

GET_UPDATES: dict[str, dict[str, Any]] = {
    "cut-off JSON": {"kind": "malformed"},
    "200 with an HTML page": {"kind": "malformed", "body": b"<html><body>portal</body></html>"},
    "proxy 502 page": {"kind": "html"},
    "ok without result": {"kind": "malformed", "body": b'{"ok": true}'},
    "result not a list": {"kind": "malformed", "body": b'{"ok": true, "result": "none"}'},
    "an update that is a number": {"kind": "malformed", "body": b'{"ok": true, "result": [5]}'},
    "a message of wrong types": {
        "kind": "malformed",
        "body": b'{"ok": true, "result": [{"update_id": NEXT, "message": {"message_id": "a",'
        b' "chat": 5, "text": ["/sync"]}}]}',
    },
}
"""``NEXT``: the id after the next user message's, as Telegram numbers updates."""


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        OUTBOX.flush(10)


def test_a_bot_whose_updates_cannot_be_read_logs_one_line_and_goes_on(
    tmp_path: Path,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    wrong: dict[str, str] = {}
    logged: dict[str, list[str]] = {}
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        connect(workspace, fake, allowed=(CHAT,))
        with running_bot(workspace, fake):
            for case, fault in GET_UPDATES.items():
                caplog.clear()
                skipped = fake.bot.next_update_id + 1
                body = fault.get("body", b"").replace(b"NEXT", str(skipped).encode())
                fake.fail_next("getUpdates", **{**fault, **({"body": body} if body else {})})
                answer = ask(fake, "/help", CHAT, timeout=15)  # the poll before the fault
                fake.bot.next_update_id = max(fake.bot.next_update_id, skipped + 1)
                fake.wait_until(lambda: not fake.faults.rules, 15, what="the fault served")
                fake.wait_until(fake.is_polling, 15, what="the bot to poll again")
                said = [r for r in caplog.records if r.levelno >= logging.WARNING]
                logged[case] = [f"{r.name}: {r.getMessage()}" for r in said]
                if len(fake.outbox(CHAT)) != list(GET_UPDATES).index(case) + 1:
                    wrong[case] = f"{len(fake.outbox(CHAT))} answers so far"
                elif not (answer.text or "").startswith("What I can do"):
                    wrong[case] = f"answered {answer.text!r}"
                elif len(said) != 1 or any(r.exc_info for r in said):
                    wrong[case] = f"logged {logged[case]} (with a traceback: {said[0].exc_info})"
            last = ask(fake, "/help", CHAT, timeout=15)
    err = capfd.readouterr().err
    print("\n".join(f"{case}: {lines}" for case, lines in logged.items()))
    assert "Traceback" not in err, err
    assert wrong == {}, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert (last.text or "").startswith("What I can do"), "the bot goes on"
    texts = [(m.text or "")[:14] for m in fake.outbox(CHAT)]
    assert len(texts) == len(GET_UPDATES) + 1, texts
