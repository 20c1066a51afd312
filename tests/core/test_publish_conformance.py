"""The publisher conformance suite against the folder publisher, and against broken ones.

``TestFolderPublisher`` is what a plugin author writes. The tests after it prove the suite
has teeth: each breaks one promise of the folder publisher and expects the matching test to
fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from core.folder_publisher import FolderPublisher, FolderSettings, count_posts

from mediasync import HealthCheck, PublicationJournal, PublishRequest, PublishResult, Secret
from mediasync.testing import (
    InterruptingJournal,
    MemoryJournal,
    PublisherConformance,
    PublishInterrupted,
    media_from_bytes,
    sample_jpeg,
)


class TestFolderPublisher(PublisherConformance):
    media_counts: ClassVar[Mapping[str, int]] = {"album": 3}

    @pytest.fixture
    def folder(self, tmp_path: Path) -> Path:
        path = tmp_path / "posts"
        path.mkdir()
        return path

    @pytest.fixture
    def publisher(self, folder: Path) -> FolderPublisher:
        return FolderPublisher("conformance", FolderSettings(path=folder))

    @pytest.fixture
    def count_posts(self, folder: Path) -> Callable[[], int]:
        return lambda: count_posts(folder)

    @pytest.fixture
    def invalid_settings(self) -> list[dict[str, Any]]:
        return [{}, {"path": 3}, {"path": "/x", "colour": "red"}, {"path": "/x", "token": 7}]

    @pytest.fixture
    def unhealthy_publisher(self, tmp_path: Path) -> FolderPublisher:
        (tmp_path / "guarded").mkdir()
        (tmp_path / "guarded" / ".token").write_text("right")
        return FolderPublisher("bad", FolderSettings(tmp_path / "guarded", Secret("wrong")))


def test_a_resumed_album_copies_each_file_once(tmp_path: Path) -> None:
    publisher = FolderPublisher("a", FolderSettings(path=tmp_path))
    opened: list[Any] = []
    media = tuple(media_from_bytes(i, f"{i}.jpg", sample_jpeg(i), opened=opened) for i in range(3))
    request = PublishRequest(media, "album", "three")
    journal = InterruptingJournal(interrupt_after=3)  # staging, file:0, file:1
    with pytest.raises(PublishInterrupted):
        publisher.publish(request, journal)
    journal.interrupt_after = None
    result = publisher.publish(request, journal)
    assert len(opened) == 3, "a file copied before the crash was read again"
    post = tmp_path / result.remote_id
    assert sorted(p.name for p in post.iterdir()) == [
        "00-0.jpg",
        "01-1.jpg",
        "02-2.jpg",
        "post.json",
    ]
    assert (post / "01-1.jpg").read_bytes() == sample_jpeg(1)


# -- the suite against broken publishers ----------------------------------------------------


class AlbumsOfTwo(PublisherConformance):
    media_counts: ClassVar[Mapping[str, int]] = {"album": 2}


SUITE = AlbumsOfTwo()
SuiteFailure = (AssertionError, pytest.fail.Exception)


def sample(_kind: str, position: int) -> tuple[str, bytes]:
    return f"photo-{position}.jpg", sample_jpeg(position)


class ForgetfulPublisher(FolderPublisher):
    """Posts without looking in the journal: every call is a new post."""

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        return super().publish(request, MemoryJournal())


class LateRecordingPublisher(FolderPublisher):
    """Records the remote id only, and after re-posting when a step before it was recorded."""

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        result = super().publish(request, MemoryJournal())
        journal.record("attempted", "yes")
        done = journal.get("remote_id")
        if done is None:
            journal.record("remote_id", result.remote_id)
        return result


class LeakyPublisher(FolderPublisher):
    """Opens each file and never closes it."""

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        for media in request.media:
            media.open().read()
        return super().publish(request, journal)


class SlowCheckPublisher(FolderPublisher):
    def check(self) -> HealthCheck:
        time.sleep(0.2)
        return super().check()


class RepeatingPublisher(FolderPublisher):
    """Records a step at the start of every attempt, so an attempt that crashes after its first
    record never gets further."""

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        journal.record("started", "yes")
        return super().publish(request, journal)


def make(cls: type[FolderPublisher], folder: Path) -> tuple[FolderPublisher, Callable[[], int]]:
    folder.mkdir(exist_ok=True)
    return cls("broken", FolderSettings(path=folder)), lambda: count_posts(folder)


def test_suite_fails_a_publisher_that_ignores_the_journal(tmp_path: Path) -> None:
    publisher, posts = make(ForgetfulPublisher, tmp_path / "f")
    with pytest.raises(SuiteFailure, match="recorded nothing"):
        SUITE.test_each_kind_posts_once_and_records_it(publisher, posts, sample)
    with pytest.raises(SuiteFailure, match="posted again"):
        SUITE.test_a_finished_journal_posts_nothing_more(publisher, posts, sample)


def test_suite_fails_a_publisher_that_posts_twice_after_a_crash(tmp_path: Path) -> None:
    publisher, posts = make(LateRecordingPublisher, tmp_path / "l")
    with pytest.raises(SuiteFailure, match=r"interrupted after record 1 \('attempted'\)"):
        SUITE.test_interrupted_after_any_step_then_resumed_posts_once(publisher, posts, sample)


def test_suite_fails_a_publisher_that_never_gets_past_its_first_step(tmp_path: Path) -> None:
    publisher, posts = make(RepeatingPublisher, tmp_path / "r")
    with pytest.raises(SuiteFailure, match="never finished in 100 attempts"):
        SUITE.test_interrupted_after_every_step_posts_once(publisher, posts, sample)


def test_suite_fails_a_publisher_that_leaves_streams_open(tmp_path: Path) -> None:
    publisher, _posts = make(LeakyPublisher, tmp_path / "k")
    with pytest.raises(SuiteFailure, match="media streams left open"):
        SUITE.test_media_streams_are_closed(publisher, sample)


def test_suite_fails_a_slow_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publisher, posts = make(SlowCheckPublisher, tmp_path / "s")
    monkeypatch.setattr(PublisherConformance, "check_seconds", 0.1)
    with pytest.raises(SuiteFailure, match=r"check\(\) took"):
        SUITE.test_check_is_healthy_quick_and_posts_nothing(publisher, posts)


def test_suite_fails_a_default_kind_it_does_not_declare(tmp_path: Path) -> None:
    undeclared = type("Undeclared", (FolderPublisher,), {"default_kind": "reel"})
    publisher, _posts = make(undeclared, tmp_path / "u")
    with pytest.raises(SuiteFailure, match="default_kind 'reel' is not one of kinds"):
        SUITE.test_declares_type_name_kinds_and_settings(publisher)


def test_suite_fails_settings_it_should_refuse(tmp_path: Path) -> None:
    publisher, _posts = make(FolderPublisher, tmp_path / "v")
    with pytest.raises(SuiteFailure, match=r"settings \{'path': '/x'\} were accepted"):
        SUITE.test_invalid_settings_are_refused(publisher, [{"path": "/x"}])
