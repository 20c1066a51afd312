"""The Bot API with one call in ten failing (429 with ``retry_after``, 500, a proxy's 502 page,
a dropped connection, a slow answer), seeded: the bot answers every command and every
notification arrives, exactly as without faults, each once."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from fakes.telegram._faults import Fault
from media_factory import write_jpeg
from proofs.faults import SEEDS, RandomFaults, random_faults
from telegram_bot import CHAT, add_photos, ask, connect, running_bot, watch

from mediasync import Workspace
from mediasync_telegram._outbox import OUTBOX

KINDS = [
    Fault("error", error_code=429, retry_after=1),
    Fault("error", error_code=500),
    Fault("html"),
    Fault("drop"),
    Fault("slow", delay=0.05),
]
CHATS = itertools.count(1000)
"""A chat of its own for each run: the fake keeps every chat's messages."""


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        OUTBOX.flush(10)


def shown(text: str | None) -> str:
    """A message without what differs from run to run (durations, times, paths, ids)."""
    text = re.sub(r"\d+(\.\d+)?\s?(ms|s|seconds?|min|minutes?|h|hours?)\b", "N s", text or "")
    text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?", "TIME", text).replace(
        "just now", "N s ago"
    )
    return re.sub(r"/\S*/(run|clean|seed-\d+)/", "/RUN/", text)


def telegram_story(fake: FakeTelegram, folder: Path) -> list[str]:
    """Notifications of three syncs (added, failed, recovered), then three commands."""
    chat = next(CHATS)
    with Workspace.open(database_url=f"sqlite:///{folder / 'index.db'}") as workspace:
        photos = add_photos(workspace, folder / "run" / "photos")
        connect(workspace, fake, allowed=(chat,))
        fake.chat(chat)
        watch(workspace, chat, "photos")
        workspace.sync("photos")
        hidden = photos.with_name("hidden")
        photos.rename(hidden)
        workspace.sync("photos")
        hidden.rename(photos)
        write_jpeg(photos / "2024" / "late.jpg", seed=9)
        workspace.sync("photos")
        assert OUTBOX.flush(30), "notifications not sent"
        with running_bot(workspace, fake):
            for command in ("/sources", "/status", "/help"):
                ask(fake, command, chat, timeout=15)
    return [shown(m.text) for m in fake.outbox(chat)]


def test_telegram_with_one_call_in_ten_failing_says_what_it_says_without_faults(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    def story(name: str, injector: RandomFaults) -> list[str]:
        folder = tmp_path / name
        folder.mkdir()
        with random_faults(injector):
            return telegram_story(fake, folder)

    clean = RandomFaults(fake.faults, KINDS, seed=0, rate=0)
    expected = story("clean", clean)
    assert len(expected) == 6
    for seed in SEEDS:
        faulted = RandomFaults(fake.faults, KINDS, seed=seed)
        assert story(f"seed-{seed}", faulted) == expected, f"seed {seed}"
        extra = faulted.requests - clean.requests
        print(
            f"telegram, seed {seed}: {faulted.requests} calls ({extra:+d} on {clean.requests} "
            f"without faults), faults {dict(faulted.injected)}"
        )


@pytest.mark.parametrize("code", [None, 429])
@pytest.mark.parametrize("method", ["deleteWebhook", "getMe"])
def test_a_bot_survives_one_failed_call_as_it_starts(
    tmp_path: Path, fake: FakeTelegram, method: str, code: int | None
) -> None:
    """One dropped connection, or a 429, as the bot starts must not end ``mediasync run
    --with-telegram`` (PTB's ``initialize`` and ``start_polling`` try nothing twice by default)."""
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        connect(workspace, fake, allowed=(CHAT,))
        if code is None:
            fake.fail_next(method, kind="drop")
        else:
            fake.fail_next(method, code, retry_after=1)
        with running_bot(workspace, fake):
            assert ask(fake, "/help", CHAT, timeout=2).text
    assert [r.status for r in fake.requests if r.method == method] == [code or 0, 200]


@pytest.mark.parametrize(("kind", "code"), [("drop", None), ("html", None), ("error", 500)])
def test_an_answer_whose_send_fails_on_the_way_arrives_once(
    tmp_path: Path, fake: FakeTelegram, kind: str, code: int | None
) -> None:
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        connect(workspace, fake, allowed=(CHAT,))
        with running_bot(workspace, fake):
            fake.fail_next("sendMessage", code, kind=kind)  # type: ignore[arg-type]
            answer = ask(fake, "/help", CHAT, timeout=10)
    assert (answer.text or "").startswith("What I can do")
    assert len(fake.outbox(CHAT)) == 1
