"""Each kind published from a local folder through ``Workspace.publish``: the bytes staged on
Cloudinary, fetched by Instagram from the URL the upload answered, the post made once, the
staged copy deleted."""

from __future__ import annotations

from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import Photos, movie, photo

from mediasync import PublicationStatus, Workspace


def test_a_feed_photo_is_posted_from_the_url_cloudinary_answered_then_unstaged(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    item = photos.add("beach.jpg", photo(1080, 1350))

    done = workspace.publish([item], to=publisher_account, kind="feed", caption="At the beach #sea")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [post] = graph.published(account)
    assert post.caption == "At the beach #sea"
    assert done.remote_id == post.id
    assert done.permalink
    assert post.shortcode in done.permalink
    [upload] = cloud.requests_to("upload")
    [fetch] = graph.fetches()
    assert fetch.ok
    assert fetch.data == (photos.root / "beach.jpg").read_bytes()
    assert fetch.url.startswith(cloud.upload_prefix)  # the answer's secure_url
    assert upload.param("tags") == "mediasync-staging"
    assert str(upload.param("public_id")).startswith("mediasync-staging/")
    assert cloud.leftovers() == []
    assert [r.resource_type for r in cloud.removed] == ["image"]


def test_a_reel_and_a_video_story_are_staged_as_videos(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    reel = photos.add("reel.mp4", movie(12.0))
    story = photos.add("story.mov", movie(8.0, brand=b"qt  "))

    first = workspace.publish([reel], to=publisher_account, kind="reel", caption="moving")
    second = workspace.publish([story], to=publisher_account, kind="story")

    assert first.status is second.status is PublicationStatus.PUBLISHED, (first.error, second.error)
    made = graph.published(account)
    assert [(m.media_type, m.product_type) for m in made] == [
        ("VIDEO", "REELS"),
        ("VIDEO", "STORY"),
    ]
    assert {r.resource_type for r in cloud.removed} == {"video"}
    assert cloud.leftovers() == []
