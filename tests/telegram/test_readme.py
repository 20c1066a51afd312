"""The plugin README's examples, run as written: its commands (the token as the shell would
expand it, and ``--base-url`` pointing at the fake Bot API), then ``mediasync run
--with-telegram`` as a real process while the chat transcript is played on the fake."""

from __future__ import annotations

import functools
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from media_factory import write_jpeg
from support import CliRun

README = Path(__file__).parents[2] / "mediasync-telegram" / "README.md"
CHAT = 123456789


def blocks(kind: str) -> list[list[str]]:
    found = re.findall(rf"```{kind}\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [block.splitlines() for block in found]


def normalised(line: str) -> str:
    """Durations and the next sync's jitter differ from run to run."""
    return re.sub(r"in \d+ min", "in N min", re.sub(r"\d+\.\ds\b", "0.0s", line))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(username="YourMediaBot") as server:
        yield server


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home whose ~/Pictures holds three photos."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for index in range(3):
        write_jpeg(home / "Pictures" / f"IMG_{index}.jpg", seed=index)
    return home


def console_examples() -> list[tuple[list[str], list[str]]]:
    """Each ``$`` line of the README's console block, split as a shell would (the token
    variable expanded by the test), with the output lines that follow it."""
    [console] = blocks("console")
    examples: list[tuple[list[str], list[str]]] = []
    for line in console:
        if line.startswith("$ "):
            examples.append((shlex.split(line[2:]), []))
        else:
            examples[-1][1].append(line)
    return examples


def test_the_readme_examples(run: CliRun, fake: FakeTelegram, home: Path) -> None:
    transcript, refused = blocks("text")
    worker = None
    for command, output in console_examples():
        if command[0] == "pip":
            continue
        assert command[0] == "mediasync"
        args = [
            fake.token if arg == "$TELEGRAM_BOT_TOKEN" else str(Path(arg).expanduser())
            for arg in command[1:]
        ]
        if args[:2] == ["telegram", "connect"]:
            args += ["--base-url", fake.root_url]
        if args == ["run", "--with-telegram"]:
            worker = args
            continue
        result = run(args)
        assert result.exit_code == 0, f"{command}: {result.stderr}"
        assert list(map(normalised, result.stdout.splitlines())) == list(map(normalised, output)), (
            command
        )
    assert worker is not None, "the README runs the worker with the bot"

    write_jpeg(home / "Pictures" / "new.jpg", seed=42)
    play(fake, transcript)

    wrong = run(["telegram", "connect", "--token", "123:AAwrong", "--allow", "1",
                 "--base-url", fake.root_url])  # fmt: skip
    assert wrong.stderr.splitlines() == refused


def answered(fake: FakeTelegram, before: int, expected: list[str]) -> bool:
    """Whether the bot's messages after the first ``before`` show every expected line, now
    or before an edit ("Syncing …" is edited into the result)."""
    sent = fake.outbox(CHAT)[before:]
    texts = [r.text for m in sent for r in m.history] + [m.text for m in sent]
    shown = {normalised(line) for text in texts for line in (text or "").splitlines()}
    return all(line in shown for line in expected)


def play(fake: FakeTelegram, transcript: list[str]) -> None:
    """``mediasync run --with-telegram`` in a process of its own, answering the transcript's
    commands; SIGTERM stops both the worker and the bot, with exit 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mediasync", "run", "--with-telegram"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        fake.wait_until(fake.is_polling, timeout=20, what="the bot in `mediasync run` to poll")
        commands = [i for i, line in enumerate(transcript) if line.startswith("> ")]
        for start, end in zip(commands, [*commands[1:], len(transcript)], strict=True):
            expected = [normalised(line) for line in transcript[start + 1 : end]]
            before = len(fake.outbox(CHAT))
            fake.send_text(CHAT, transcript[start][2:])
            fake.wait_until(
                functools.partial(answered, fake, before, expected),
                timeout=10,
                what=f"the answer to {transcript[start]!r}",
            )
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert fake.token not in out + err
