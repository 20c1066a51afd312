"""The mediasync publisher conformance suite against ``ExampleOutboxPublisher``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from example_mediasync_plugin import ExampleOutboxPublisher, ExampleOutboxSettings

from mediasync.testing import PublisherConformance


class TestExampleOutboxPublisher(PublisherConformance):
    @pytest.fixture
    def outbox(self, tmp_path: Path) -> Path:
        path = tmp_path / "outbox"
        path.mkdir()
        return path

    @pytest.fixture
    def publisher(self, outbox: Path) -> ExampleOutboxPublisher:
        return ExampleOutboxPublisher("test", ExampleOutboxSettings(outbox=outbox))

    @pytest.fixture
    def count_posts(self, outbox: Path) -> Callable[[], int]:
        # Ask the "remote" itself: finished posts are the folders not hidden as drafts.
        return lambda: sum(1 for p in outbox.iterdir() if not p.name.startswith("."))

    @pytest.fixture
    def invalid_settings(self) -> list[dict[str, object]]:
        return [{}, {"outbox": 5}, {"outbox": "/tmp", "colour": "red"}]

    @pytest.fixture
    def unhealthy_publisher(self, tmp_path: Path) -> ExampleOutboxPublisher:
        return ExampleOutboxPublisher("test", ExampleOutboxSettings(outbox=tmp_path / "missing"))
