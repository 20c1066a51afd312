"""The mediasync publisher conformance suite against ``InstagramPublisher``, on the fake Graph
API and the fake Cloudinary: every kind posted once, whatever step a crash interrupts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import movie, photo, publisher_settings

from mediasync import Workspace
from mediasync.testing import PublisherConformance
from mediasync_instagram._publisher import InstagramPublisher
from mediasync_instagram._publisher_settings import InstagramPublisherSettings


def settings(cloud: FakeCloudinary, **more: Any) -> InstagramPublisherSettings:
    from mediasync import Secret

    raw = publisher_settings(cloud, **more)
    return InstagramPublisherSettings(**{**raw, "api_secret": Secret(raw["api_secret"])})


class TestInstagramPublisher(PublisherConformance):
    media_counts: ClassVar[Mapping[str, int]] = {"carousel": 3}

    @pytest.fixture
    def publisher(
        self, workspace: Workspace, graph: FakeGraph, cloud: FakeCloudinary
    ) -> Iterator[InstagramPublisher]:
        graph.set_publishing_quota(10_000)
        restore = workspace.make_current()
        yield InstagramPublisher("conformance", settings(cloud))
        restore()

    @pytest.fixture
    def count_posts(self, graph: FakeGraph, account: Account) -> Callable[[], int]:
        return lambda: len(graph.published(account))

    @pytest.fixture
    def sample_media(self) -> Callable[[str, int], tuple[str, bytes]]:
        def make(kind: str, position: int) -> tuple[str, bytes]:
            if kind == "reel" or (kind == "carousel" and position == 2):
                return f"clip-{position}.mp4", movie(5.0 + position, size=4000 + position)
            return f"photo-{position}.jpg", photo(1080, 1080, seed=position)

        return make

    @pytest.fixture
    def invalid_settings(self) -> list[dict[str, object]]:
        return [
            {},
            {"account": "insta"},
            {"account": "insta", "cloud_name": "c", "api_key": "k", "api_secret": "s", "x": 1},
            {"account": "", "cloud_name": "c", "api_key": "k", "api_secret": "s"},
            {"account": "a", "cloud_name": "c", "api_key": "k", "api_secret": "s",
             "staging_folder": "../up"},
        ]  # fmt: skip

    @pytest.fixture
    def unhealthy_publisher(
        self, workspace: Workspace, cloud: FakeCloudinary
    ) -> Iterator[InstagramPublisher]:
        restore = workspace.make_current()
        yield InstagramPublisher("bad", settings(cloud, api_secret="wrong"))
        restore()
