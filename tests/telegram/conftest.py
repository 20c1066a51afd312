"""Fixtures for the Telegram plugin's tests: the fake Bot API, a workspace, a folder of photos."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.telegram import FakeTelegram
from telegram_bot import add_photos

from mediasync import Workspace
from mediasync_local._source import LocalSource
from mediasync_telegram._outbox import OUTBOX


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """The ``mediasync`` logger as a new process has it. A ``mediasync run`` of an earlier test
    points it at that run's output and stops it propagating, which would hide the bot's lines
    from ``caplog`` and from the next command's output."""
    logger = logging.getLogger("mediasync")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    logger.handlers.clear()
    logger.propagate, logger.level = True, logging.NOTSET
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API; notifications a test left queued are sent before it stops, so that
    none reaches (or waits on) the next test's fake."""
    with FakeTelegram() as server:
        yield server
        OUTBOX.flush(10)


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    with Workspace.open(database_url=database_url) as opened:
        yield opened


@pytest.fixture
def photos(workspace: Workspace, tmp_path: Path) -> Path:
    """Three pictures in a folder, added (not yet synced) as local source ``photos``."""
    return add_photos(workspace, tmp_path / "photos")


@pytest.fixture
def listing_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every local listing until the test sets the event: a sync that stays running."""
    gate = threading.Event()
    real = LocalSource.list_folders

    def held(self: LocalSource) -> Any:
        assert gate.wait(10), "the test never opened the gate"
        return real(self)

    monkeypatch.setattr(LocalSource, "list_folders", held)
    yield gate
    gate.set()
