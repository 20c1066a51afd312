"""The core's source conformance suite against the Instagram source and the fake Graph API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.instagram import DAY, FakeGraph
from instagram.helpers import source_settings

from mediasync import Source
from mediasync._settings import parse_settings
from mediasync.testing import SourceConformance
from mediasync_instagram import InstagramSettings
from mediasync_instagram._source import InstagramSource


@pytest.fixture(scope="module")
def shared_graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


class TestInstagramSource(SourceConformance):
    paths_are_kept = False

    @pytest.fixture
    def source(self, shared_graph: FakeGraph, media_files: dict[str, bytes]) -> Iterator[Source]:
        graph = shared_graph
        account = graph.account(f"conformance{len(graph.store.accounts)}")
        files = list(media_files.items())
        for path, data in files[:-2]:
            if path.endswith(".mp4"):
                graph.post_video(account, path, data=data)
            else:
                graph.post_image(account, path, data=data)
        graph.post_carousel(
            account,
            [("VIDEO" if p.endswith(".mp4") else "IMAGE", d) for p, d in files[-2:]],
            "the last two",
        )
        token = graph.issue_token(account, age=2 * DAY)
        settings = parse_settings(
            InstagramSettings, source_settings(graph, account, token, page_size=2), owner="test"
        )
        with InstagramSource("conformance", None, settings) as source:
            yield source
