"""A notification whose send meets Telegram's 5xx is sent again, once (found by the soak,
``nox -s soak``: one 500 from the Bot API lost the message, "cannot notify chat …")."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from telegram_bot import CHAT, connect, watch

from mediasync import Workspace
from mediasync_telegram._outbox import OUTBOX


@pytest.mark.parametrize("code", [500, 502])
def test_a_notification_answered_with_a_server_error_is_sent_again(
    fake: FakeTelegram, workspace: Workspace, photos: Path, code: int
) -> None:
    connect(workspace, fake)
    fake.chat(CHAT)
    watch(workspace, CHAT, "photos")
    fake.fail_next("sendMessage", code)

    workspace.sync("photos")

    assert OUTBOX.flush(10), "the outbox did not empty"
    [told] = [m.text or "" for m in fake.outbox(CHAT)]
    assert told.startswith("photos synced: +3 added")
    assert [r.status for r in fake.requests if r.method == "sendMessage"] == [code, 200]
