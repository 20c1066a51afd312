"""Staging on Cloudinary: big files in chunks read one at a time from the local copy, photos
Instagram does not take (WebP, HEIC) through an eager JPEG that Cloudinary makes, and the
staging settings checked before they are stored."""

from __future__ import annotations

import io

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import Photos, heic, movie, photo
from PIL import Image

from mediasync import PublicationStatus, Secret, Workspace
from mediasync_instagram._publisher_settings import InstagramPublisherSettings

# What is checked here happens before or beside the journal, the same on either index
# database: SQLite only keeps the suite fast (the journal's paths run on both elsewhere).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MB = 1000 * 1000


@sqlite_only
def test_a_file_above_the_threshold_goes_up_in_chunks_that_add_up_to_the_source(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    workspace.update_publisher(
        publisher_account, settings={"chunked_above_bytes": 5 * MB, "chunk_bytes": 5 * MB}
    )
    data = movie(20.0, size=12 * MB)
    reel = photos.add("long.mp4", data)

    done = workspace.publish([reel], to=publisher_account, kind="reel", caption="in parts")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    uploads = cloud.requests_to("upload")
    ranges = [u.headers.get("content-range") for u in uploads]
    assert ranges == [
        f"bytes 0-{5 * MB - 1}/{12 * MB}",
        f"bytes {5 * MB}-{10 * MB - 1}/{12 * MB}",
        f"bytes {10 * MB}-{12 * MB - 1}/{12 * MB}",
    ]
    assert len({u.headers.get("x-unique-upload-id") for u in uploads}) == 1
    assert all(u.path.endswith("/video/upload") for u in uploads), "not upload_large's raw"
    [fetch] = graph.fetches()
    assert fetch.data == data, "the parts, assembled, are the source's bytes"
    [post] = graph.published(account)
    assert (post.product_type, post.caption) == ("REELS", "in parts")
    assert cloud.open_chunked_uploads() == []
    assert cloud.leftovers() == []


@sqlite_only
def test_a_file_at_the_threshold_goes_up_whole(
    workspace: Workspace, photos: Photos, publisher_account: str, cloud: FakeCloudinary
) -> None:
    workspace.update_publisher(publisher_account, settings={"chunked_above_bytes": 100_000})
    story = photos.add("clip.mp4", movie(8.0, size=100_000))

    done = workspace.publish([story], to=publisher_account, kind="story")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [upload] = cloud.requests_to("upload")
    assert "content-range" not in upload.headers
    assert cloud.chunks == []


@sqlite_only
@pytest.mark.parametrize(
    ("name", "data", "size"),
    [
        ("square.webp", photo(1080, 1080, "WEBP"), (1080, 1080)),
        ("IMG_0001.HEIC", heic(3024, 3780), (3024, 3780)),
    ],
    ids=["webp", "heic"],
)
def test_a_photo_instagram_does_not_take_is_posted_as_cloudinarys_eager_jpeg(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    name: str,
    data: bytes,
    size: tuple[int, int],
) -> None:
    item = photos.add(name, data)

    done = workspace.publish([item], to=publisher_account, kind="feed")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [upload] = cloud.requests_to("upload")
    assert upload.param("eager") == "f_jpg/jpg", "the eager JPEG is really asked for"
    assert upload.path.endswith("/image/upload")
    [fetch] = graph.fetches()
    assert fetch.url.endswith(".jpg")
    with Image.open(io.BytesIO(fetch.data)) as fetched:
        assert (fetched.format, fetched.size) == ("JPEG", size)
    [post] = graph.published(account)
    assert post.data == fetch.data
    assert cloud.leftovers() == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"chunk_bytes": 4 * MB}, "chunk_bytes must be 5000000 to 100000000 bytes, not 4000000"),
        ({"chunked_above_bytes": 101 * MB}, "chunked_above_bytes must be 1 to 100000000"),
        ({"processing_attempts": 0}, "processing_attempts must be at least 1"),
    ],
    ids=["chunk-below-cloudinarys-minimum", "threshold-above-one-request", "no-attempt"],
)
def test_staging_settings_cloudinary_would_refuse_are_refused(
    setting: dict[str, int], message: str
) -> None:
    given = {"account": "insta", "cloud_name": "c", "api_key": "k", "api_secret": Secret("s")}
    with pytest.raises(ValueError, match=message):
        InstagramPublisherSettings(**given, **setting)  # type: ignore[arg-type]
