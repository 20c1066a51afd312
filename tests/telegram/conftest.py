"""Fixtures for the Telegram plugin's tests: the fake Bot API, a workspace, a folder of photos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.telegram import FakeTelegram
from telegram_bot import add_photos

from mediasync import Workspace
from mediasync_telegram._outbox import OUTBOX


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
