"""Fixtures of the proofs: a fake Drive with a service account, the fake Graph API and
Cloudinary, and a workspace on SQLite (the proofs are about what survives faults and kills; both
databases are covered by the engine's model tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from fakes.instagram import FakeGraph

from mediasync import Workspace
from mediasync_instagram import _graph


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    with FakeDrive() as fake:
        yield fake


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    """The fake; the client's waits are instant, and the fake's clock moves on by as much."""
    with FakeGraph() as fake:
        monkeypatch.setattr(_graph, "_sleep", fake.advance)
        yield fake


@pytest.fixture
def drive_key(drive: FakeDrive) -> dict[str, Any]:
    return drive.service_account()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as opened:
        yield opened
