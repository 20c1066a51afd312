"""Media facts from Drive's own metadata: in the listing and the feed, for no extra call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import SQLITE_ONLY, Mediasync

from mediasync_gdrive._facts import media_facts, parse_exif_time

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 100


@SQLITE_ONLY
def test_facts_come_with_the_listing_and_the_feed_without_a_call_more(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    root = drive.folder("Photos")
    drive.share(root, service_key["client_email"])
    camera = {"camera_make": "Canon", "camera_model": "EOS R6"}
    drive.add_file(
        "portrait.jpg",
        under=root,
        width=6000,
        height=4000,
        rotation=1,
        taken="2024:05:01 10:00:00",
        camera_make="Canon",
        camera_model="EOS R6",
    )
    drive.add_file("plain.jpg", under=root, width=640, height=480, rotation=0)
    drive.add_file("unset clock.jpg", under=root, width=10, height=10, taken="0000:00:00 00:00:00")
    drive.add_file("clip.mp4", VIDEO, under=root, width=1920, height=1080, duration_ms=12500)
    assert mediasync.connect("photos", root).exit_code == 0
    drive.reset_counts()

    assert mediasync.sync("photos")["counts"]["added"] == 4

    assert drive.calls["files.get"] == 1, "the root only: facts come with the listing"
    fields = [r.params["fields"] for r in drive.requests if r.endpoint == "files.list"]
    wanted = "imageMediaMetadata(width,height,time,cameraMake,cameraModel,rotation)"
    assert any(
        wanted in f and "videoMediaMetadata(width,height,durationMillis)" in f for f in fields
    )
    items = mediasync.items("photos")
    portrait = items["portrait.jpg"]
    assert (portrait["width"], portrait["height"]) == (4000, 6000), "turned a quarter: swapped"
    assert portrait["taken_at"] == "2024-05-01T10:00:00+00:00"
    assert portrait["metadata"] == camera
    assert (items["plain.jpg"]["width"], items["plain.jpg"]["height"]) == (640, 480)
    assert items["plain.jpg"]["taken_at"] is None is items["unset clock.jpg"]["taken_at"]
    clip = items["clip.mp4"]
    assert (clip["width"], clip["height"], clip["duration"]) == (1920, 1080, 12.5)

    drive.reset_counts()
    drive.add_file(
        "later.jpg", under=root, width=100, height=50, rotation=3, taken="2023:12:31 23:59:59"
    )
    assert mediasync.sync("photos")["counts"]["added"] == 1
    later = mediasync.items("photos")["later.jpg"]
    assert (later["width"], later["height"], later["taken_at"]) == (
        50,
        100,
        "2023-12-31T23:59:59+00:00",
    )
    assert drive.calls["files.get"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024:05:01 10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024:05:01 10:00:00.123", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("0000:00:00 00:00:00", None),
        ("", None),
        ("yesterday", None),
        (None, None),
        (1714557600, None),
    ],
)
def test_exif_times_are_read_as_the_camera_clock(value: Any, expected: datetime | None) -> None:
    assert parse_exif_time(value) == expected


def test_odd_metadata_is_unknown_not_an_error() -> None:
    facts = media_facts({"imageMediaMetadata": {"width": "x", "height": None, "rotation": "1"}})
    assert (facts.width, facts.height, facts.taken_at, dict(facts.metadata)) == (
        None,
        None,
        None,
        {},
    )
    video = media_facts({"videoMediaMetadata": {"durationMillis": "not a number"}})
    assert video.duration is None
    assert media_facts({"imageMediaMetadata": {"cameraMake": "  "}}).metadata == {}
