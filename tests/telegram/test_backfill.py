"""``/backfill``: an Instagram account on the fake Graph API copied into a local folder by the
bot, after ``mediasync instagram backfill`` chose that folder; answers read from the fake
Telegram's outbox."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.instagram import DAY, Account, FakeGraph
from fakes.telegram import FakeTelegram, SentMessage
from instagram.helpers import source_settings
from support import CliRun
from telegram_bot import CHAT, STRANGER, ask, connect, running_bot

from mediasync import Trigger, Workspace
from mediasync_instagram import backfill_destination, backfill_history
from mediasync_instagram._source import InstagramSource
from mediasync_telegram._replies import refusal

USAGE = "Usage: /backfill [account] [N] [dry]"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the bot; core runs the index on both databases."""
    return f"sqlite:///{tmp_path / 'index.db'}"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def account(graph: FakeGraph) -> Account:
    """Three posts on Instagram: two pictures and a carousel of four."""
    return graph.account("blue.bottle", posts=3)


def add_account(workspace: Workspace, graph: FakeGraph, account: Account, name: str) -> None:
    token = graph.issue_token(account, age=2 * DAY)
    settings = source_settings(graph, account, token)
    workspace.add_source(name, "instagram", root=None, settings=settings)


@pytest.fixture
def backup(
    workspace: Workspace,
    graph: FakeGraph,
    account: Account,
    tmp_path: Path,
    run: CliRun,
    database_url: str,
) -> Path:
    """Account ``insta`` and folder source ``backup``, one post backed up by the CLI (which
    makes ``backup`` the account's destination)."""
    add_account(workspace, graph, account, "insta")
    folder = tmp_path / "backup"
    folder.mkdir()
    workspace.add_source("backup", "local", root=str(folder), settings={})
    args = ["--db", database_url, "instagram", "backfill", "insta", "--to", "backup"]
    result = run([*args, "--limit", "1"])
    assert result.exit_code == 0, result.stderr
    return folder


def files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )


def expected_files(account: Account) -> int:
    return sum(len(m.children) or 1 for m in account.media)


def first_text(message: SentMessage) -> str | None:
    """What the bot answered first (``SentMessage`` shows the message as edited since)."""
    return message.history[0].text if message.history else message.text


def done(fake: FakeTelegram, message_id: int) -> str:
    """The text the bot edited its answer into."""
    edited = fake.wait_for(lambda m: m.message_id == message_id and m.edited, timeout=10)
    assert edited.text is not None
    return edited.text


def test_a_dry_run_lists_what_would_be_copied_then_backfill_copies_what_is_missing(
    fake: FakeTelegram, workspace: Workspace, graph: FakeGraph, account: Account, backup: Path
) -> None:
    connect(workspace, fake)
    before = files(backup)
    with running_bot(workspace, fake):
        dry = ask(fake, "/backfill 2 dry")
        listed = done(fake, dry.message_id)
        graph.post_image(account, "one more")
        real = ask(fake, "/backfill")
        copied = done(fake, real.message_id)

    assert first_text(dry) == "Backfilling insta into backup, 2 files at most, dry run…"
    head, *paths = listed.splitlines()
    assert re.fullmatch(
        r"insta -> backup \(dry run\): 0 new on Instagram, would copy 2, \d+ already there, "
        r"0 unavailable, 0 failed in \d+\.\ds",
        head,
    )
    assert len(paths) == 2
    assert all(path.startswith("  20") and "_" in path for path in paths)
    assert len(before) == 1
    assert first_text(real) == "Backfilling insta into backup…"
    total = expected_files(account)
    assert copied.startswith(
        f"insta -> backup: 1 new on Instagram, copied {total - 1}, 1 already there, "
        "0 unavailable, 0 failed in "
    )
    assert len(files(backup)) == total
    assert {path.strip() for path in paths} <= set(files(backup)), "the dry run named them"
    runs = workspace.runs("insta")
    assert [run.trigger for run in runs[:2]] == [Trigger.TELEGRAM, Trigger.TELEGRAM]
    assert len(fake.outbox(CHAT)) == 2, "each answer is edited, not followed by another"


def test_a_bot_backfill_is_in_backfill_status_as_the_bots_and_a_dry_run_is_not(
    fake: FakeTelegram,
    workspace: Workspace,
    account: Account,
    backup: Path,
    run: CliRun,
    database_url: str,
) -> None:
    connect(workspace, fake)
    with running_bot(workspace, fake):
        done(fake, ask(fake, "/backfill dry").message_id)
        done(fake, ask(fake, "/backfill").message_id)
    status = run(["--db", database_url, "instagram", "backfill-status", "insta", "--json"])
    text = run(["--db", database_url, "instagram", "backfill-status", "insta"])

    assert status.exit_code == 0, status.stderr
    bot, cli = json.loads(status.stdout)["insta"]
    assert (bot["trigger"], bot["destination"], bot["copied"]) == (
        "telegram", "backup", expected_files(account) - 1,
    )  # fmt: skip
    assert (cli["trigger"], cli["copied"]) == ("cli", 1)
    assert backfill_history(workspace, "insta") == [bot, cli]
    assert backfill_destination(workspace, "insta") == "backup"
    assert text.stdout.splitlines()[0] == "insta: 2 backfill runs"
    assert text.stdout.splitlines()[1].endswith(" failed (by telegram)")
    assert text.stdout.splitlines()[2].endswith(" 0 failed")


def test_each_wrong_backfill_gets_one_line_and_nothing_runs(
    fake: FakeTelegram,
    workspace: Workspace,
    graph: FakeGraph,
    account: Account,
    photos: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect(workspace, fake)
    asked: list[str] = []

    def answer(text: str) -> str:
        reply = ask(fake, text).text
        assert reply is not None
        asked.append(text)
        return reply

    with running_bot(workspace, fake):
        stranger = ask(fake, "/backfill", chat_id=STRANGER).text
        none = answer("/backfill")
        with monkeypatch.context() as uninstalled:
            uninstalled.setitem(sys.modules, "mediasync_instagram", None)  # import fails
            missing = answer("/backfill")
        add_account(workspace, graph, account, "insta")
        word = answer("/backfill abc")
        folder = answer("/backfill photos")
        zero = answer("/backfill 0")
        twice = answer("/backfill 1 2")
        extra = answer("/backfill insta 1 dry more")
        nowhere = answer("/backfill")
        add_account(workspace, graph, account, "other")
        which = answer("/backfill 3")

    assert stranger == refusal(STRANGER)
    assert none == (
        "No Instagram account is connected: mediasync instagram connect NAME --token TOKEN, "
        "then mediasync instagram backfill NAME --to DEST once."
    )
    assert missing == "The Instagram plugin is not installed here: pip install mediasync-instagram."
    assert word == f"'abc' is neither an Instagram account (insta), a number nor 'dry'. {USAGE}"
    assert folder == "photos is a local source, not an Instagram account (insta)."
    assert zero == "N is how many files to copy at most: 1 or more, not 0."
    assert twice == extra == USAGE
    assert nowhere == (
        "insta has no backup destination yet: run mediasync instagram backfill insta --to DEST "
        "once; /backfill then copies into the same place."
    )
    assert which == f"Which account? Instagram accounts: insta, other. {USAGE}"
    assert workspace.runs("insta") == []
    assert workspace.runs("photos") == []
    assert len(fake.outbox(CHAT)) == len(asked), "one line each, none edited later"


@pytest.fixture
def graph_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every read of an Instagram account until the test sets the event."""
    gate = threading.Event()
    real = InstagramSource.list_pages

    def held(self: InstagramSource) -> Any:
        assert gate.wait(10), "the test never opened the gate"
        return real(self)

    monkeypatch.setattr(InstagramSource, "list_pages", held)
    yield gate
    gate.set()


def test_a_backfill_already_running_here_or_elsewhere_is_said_to_be_not_started_again(
    fake: FakeTelegram,
    workspace: Workspace,
    account: Account,
    backup: Path,
    graph_gate: threading.Event,
) -> None:
    connect(workspace, fake)
    elsewhere = threading.Thread(target=workspace.sync, args=("insta",), daemon=True)
    elsewhere.start()
    fake.wait_until(lambda: bool(workspace.status("insta")[0].lease_owner), what="the lease")
    with running_bot(workspace, fake):
        refused = ask(fake, "/backfill")
        graph_gate.set()
        elsewhere.join(10)
        graph_gate.clear()
        started = ask(fake, "/backfill")
        again = ask(fake, "/backfill insta")
        graph_gate.set()
        result = done(fake, started.message_id)

    busy = "A backfill or sync of insta is already running; try again when it is done."
    assert (refused.text, again.text) == (busy, busy)
    assert first_text(started) == "Backfilling insta into backup…"
    assert result.startswith(
        f"insta -> backup: 0 new on Instagram, copied {expected_files(account) - 1}"
    )
    assert [run.trigger for run in workspace.runs("insta")] == [
        Trigger.TELEGRAM, Trigger.CLI, Trigger.CLI,
    ]  # fmt: skip
