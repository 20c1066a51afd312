"""Publishing from Google Drive (the Drive fake through google-api-python-client): the bytes
come from Drive, the kind from the item's mime type and bytes, never from a name: Drive files
often have no extension."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.drive import FakeDrive
from fakes.instagram import Account, FakeGraph
from instagram.helpers import movie, photo

from mediasync import PublicationStatus, Workspace

STORY = movie(8.0, size=60_000)
BEACH = photo(1080, 1350)


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    with FakeDrive() as fake:
        yield fake


@pytest.fixture
def drive_items(workspace: Workspace, drive: FakeDrive) -> dict[str, int]:
    """Source ``drive`` (a shared Drive folder, indexed) holding ``story`` (an MP4 whose name
    has no extension: only Drive's mime type says video) and ``beach`` (a JPEG, likewise)."""
    key = drive.service_account()
    folder = drive.folder("To post")
    drive.share(folder, key["client_email"], "reader")
    drive.add_file("story", STORY, under=folder, mime_type="video/mp4")
    drive.add_file("beach", BEACH, under=folder, mime_type="image/jpeg")
    settings: dict[str, Any] = {
        "credentials": json.dumps(key),
        "api_endpoint": drive.api_endpoint,
        "retry_initial_wait": 0.001,
        "retry_max_wait": 0.05,
        "timeout": 5.0,
    }
    workspace.add_source("drive", "gdrive", root=folder, settings=settings)
    workspace.sync("drive")
    return {item.path: item.id for item in workspace.items(source="drive")}


def test_a_drive_video_without_an_extension_is_published_as_a_video_story(
    workspace: Workspace,
    drive_items: dict[str, int],
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    drive: FakeDrive,
) -> None:
    drive.reset_counts()

    done = workspace.publish([drive_items["story"]], to=publisher_account, kind="story")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [story] = graph.published(account)
    assert (story.media_type, story.product_type) == ("VIDEO", "STORY")
    [upload] = cloud.requests_to("upload")
    assert upload.path.endswith("/video/upload"), "staged as a video, not an image"
    [fetch] = graph.fetches()
    assert (fetch.purpose, fetch.data) == ("video_url", STORY), "the bytes Drive holds"
    assert graph.calls["media_publish"] == 1
    assert drive.calls["files.media"] == 1, "the bytes are read from Drive once"
    assert cloud.leftovers() == []
    assert [r.resource_type for r in cloud.removed] == ["video"]


def test_a_drive_photo_without_an_extension_is_a_feed_post_with_its_caption(
    workspace: Workspace,
    drive_items: dict[str, int],
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    done = workspace.publish(
        [drive_items["beach"]], to=publisher_account, kind="feed", caption="from Drive"
    )

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [post] = graph.published(account)
    assert (post.media_type, post.caption, post.data) == ("IMAGE", "from Drive", BEACH)
    assert done.remote_id == post.id
    assert graph.calls["media_publish"] == 1
    assert cloud.leftovers() == []
