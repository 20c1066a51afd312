"""What goes wrong: bad input refused before anything is uploaded, Instagram's refusals in one
line, a full quota, a lost answer, and a crash after every step followed by a resume: never
two posts, and nothing left on Cloudinary once resumed and swept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import Photos, movie, photo

from mediasync import (
    PublicationJournal,
    PublicationStatus,
    PublishRequest,
    PublishResult,
    Workspace,
)
from mediasync_instagram._publisher import InstagramPublisher


@pytest.mark.parametrize(
    ("name", "data", "kind", "caption", "message"),
    [
        ("anim.gif", photo(400, 400, "GIF"), "feed", "", "GIF is not published"),
        ("pixel.jpg", photo(1, 1), "feed", "", "at least 320 px wide; this one 1x1 px"),
        ("empty.jpg", b"", "feed", "", "the file is empty (0 bytes)"),
        ("tall.jpg", photo(1080, 1920), "feed", "", "4:5 to 1.91:1; this one 0.56:1"),
        ("sound.mp4", movie(10.0, handler=b"soun"), "reel", "", "has no video stream"),
        ("short.mp4", movie(2.0), "reel", "", "a reel lasts 3 s to 15 min; this one 2.0 s"),
        ("long.mp4", movie(75.0), "story", "", "a story video lasts 3 s to 1 min; this one 75"),
        ("a.jpg", photo(), "feed", "x" * 2201, "caption at most 2200 characters; this one 2201"),
        ("b.jpg", photo(), "feed", "#a " * 31, "caption at most 30 hashtags; this one 31"),
        ("c.jpg", photo(), "feed", "@a " * 21, "caption at most 20 @mentions; this one 21"),
    ],
    ids=["gif", "1x1", "0-byte", "aspect", "no-video", "short-reel", "long-story",
         "caption-length", "hashtags", "mentions"],
)  # fmt: skip
def test_bad_input_fails_in_one_line_and_uploads_nothing(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    cloud: FakeCloudinary,
    name: str,
    data: bytes,
    kind: str,
    caption: str,
    message: str,
) -> None:
    item = photos.add(name, data)

    done = workspace.publish([item], to=publisher_account, kind=kind, caption=caption)

    assert done.status is PublicationStatus.FAILED
    assert done.error is not None
    assert message in done.error
    assert "\n" not in done.error
    assert cloud.requests_to("upload") == []
    assert graph.containers() == []


def test_a_full_quota_names_the_next_slot_from_known_publications(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    graph.set_publishing_quota(1)
    first = workspace.publish([photos.add("a.jpg", photo())], to=publisher_account)
    second = workspace.publish([photos.add("b.jpg", photo(seed=2))], to=publisher_account)

    assert first.status is PublicationStatus.PUBLISHED
    assert first.finished_at is not None
    slot = (first.finished_at + timedelta(days=1)).strftime("%H:%M")
    assert second.error is not None
    assert f"quota is full (1 of 1 in 24 h); next slot after {slot} UTC" in second.error
    assert "posts made elsewhere are not seen" in second.error
    assert len(cloud.requests_to("upload")) == 1
    assert len(graph.published(account)) == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"endpoint": "media_publish", "code": 4, "subcode": 2207051}, "suspected spam"),
        ({"endpoint": "media_publish", "code": 190}, "Instagram refused the access token"),
    ],
    ids=["spam", "token"],
)
def test_a_permanent_refusal_is_one_line_and_the_copy_is_deleted(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    fault: dict[str, Any],
    message: str,
) -> None:
    graph.fail_next(**fault)
    done = workspace.publish([photos.add("a.jpg", photo())], to=publisher_account)

    assert done.status is PublicationStatus.FAILED
    assert done.error is not None
    assert message in done.error
    assert graph.published(account) == []
    assert cloud.leftovers() == []


def test_a_processing_error_fails_then_the_resume_makes_a_new_container(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    item = photos.add("clip.mp4", movie(10.0))
    graph.fail_processing(2207026)
    failed = workspace.publish([item], to=publisher_account, kind="reel")
    assert cloud.leftovers() == []
    resumed = workspace.publish([item], to=publisher_account, kind="reel")

    assert failed.error is not None
    assert "error code 2207026" in failed.error
    assert "video format is not supported" in failed.error
    assert resumed.status is PublicationStatus.PUBLISHED
    assert resumed.id == failed.id
    assert len(graph.containers(account)) == 2
    assert len(graph.published(account)) == 1
    assert cloud.leftovers() == []


def test_transient_fetch_failures_are_retried(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
) -> None:
    graph.fail_next("user.media.create", code=9004, subcode=2207052, times=2)
    done = workspace.publish([photos.add("a.jpg", photo())], to=publisher_account)
    assert done.status is PublicationStatus.PUBLISHED, done.error
    assert len(graph.published(account)) == 1


def test_a_lost_publish_answer_finds_the_post_by_time_and_caption(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    graph.crash_after_publish()
    done = workspace.publish([photos.add("a.jpg", photo())], to=publisher_account, caption="hi")

    [post] = graph.published(account)
    assert done.status is PublicationStatus.PUBLISHED, done.error
    assert done.remote_id == post.id
    assert done.permalink is not None
    assert cloud.leftovers() == []


class Crash(BaseException):
    """The process dies right after a journal record."""


def test_a_crash_after_each_step_then_a_resume_posts_once_and_leaves_nothing(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = InstagramPublisher.publish
    crash_after: list[int] = []

    class Dying:
        def __init__(self, journal: PublicationJournal) -> None:
            self.journal, self.records = journal, 0

        def get(self, key: str) -> str | None:
            return self.journal.get(key)

        def record(self, key: str, value: str) -> None:
            self.journal.record(key, value)
            self.records += 1
            if crash_after and self.records == crash_after[0]:
                raise Crash(key)

    def publish(
        self: InstagramPublisher, request: PublishRequest, journal: PublicationJournal
    ) -> PublishResult:
        return original(self, request, Dying(journal))

    monkeypatch.setattr(InstagramPublisher, "publish", publish)
    for step in range(1, 8):  # staged (id), staged (url), container, publishing, id, link, gone
        item = photos.add(f"p{step}.jpg", photo(seed=step))
        crash_after[:] = [step]
        with pytest.raises(Crash):
            workspace.publish([item], to=publisher_account, caption=f"step {step}")
        crash_after.clear()
        done = workspace.publish([item], to=publisher_account)
        assert done.status is PublicationStatus.PUBLISHED, (step, done.error)
        assert len(graph.published(account)) == step, f"crash after record {step}: two posts"
    with workspace.open_publisher(publisher_account) as opened:
        assert isinstance(opened, InstagramPublisher)
        opened.stage().sweep(timedelta(0))
    assert cloud.leftovers() == []
