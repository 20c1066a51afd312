"""``PublisherConformance``: the suite every publisher passes, subclassed by its author.

The author supplies a ``publisher`` ready to post to a fresh remote (a loopback fake of the
service) and ``count_posts``, which asks that remote how many posts it holds. The suite then
publishes each declared kind, interrupts the publisher right after each step it records and
resumes it with the same journal, and counts posts: exactly one, whatever happened.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import pytest

from mediasync._errors import SettingsError
from mediasync._models import HealthCheck, MediaKind
from mediasync._publisher import Publisher, PublishRequest, PublishResult
from mediasync._settings import parse_settings, shared_converter
from mediasync.testing._journals import (
    InterruptingJournal,
    MemoryJournal,
    PublishInterrupted,
    TrackedStream,
)
from mediasync.testing._publisher_base import PublisherSuiteBase, SampleMedia

__all__ = ["PublisherConformance"]


def _kinds(publisher: Publisher) -> list[str]:
    return sorted(type(publisher).kinds)


def _publish(
    publisher: Publisher, request: PublishRequest, journal: MemoryJournal
) -> PublishResult:
    result = publisher.publish(request, journal)
    assert isinstance(result, PublishResult), (
        f"publish() returned {result!r}, not a PublishResult(remote_id, permalink)"
    )
    assert isinstance(result.remote_id, str), "PublishResult.remote_id must be a str"
    assert result.remote_id, "PublishResult.remote_id must not be empty"
    return result


class PublisherConformance(PublisherSuiteBase):
    """The conformance suite every publisher passes; subclass it as ``TestMyPublisher``.

    Supply ``publisher`` (a ``Publisher`` whose remote is fresh for each test) and
    ``count_posts`` (how many posts that remote holds); optionally ``invalid_settings`` and
    ``unhealthy_publisher``. Tune with ``media_counts`` (how many files each kind needs) and
    ``sample_media`` (the files each kind is published with; default JPEG).
    """

    # -- declarations and settings -------------------------------------------------------------

    def test_declares_type_name_kinds_and_settings(self, publisher: Publisher) -> None:
        """Set ``type_name`` (short, lowercase), ``kinds`` (a frozenset of the service's words
        for what it posts, each at most 50 characters), ``default_kind`` (one of them),
        ``media_kinds`` (of ``MediaKind``) and ``Settings`` (an attrs class)."""
        cls = type(publisher)
        assert isinstance(cls.type_name, str), "type_name must be a str"
        assert cls.type_name, "type_name must not be empty"
        assert cls.type_name == cls.type_name.lower(), f"type_name {cls.type_name!r}: lowercase"
        assert isinstance(cls.kinds, frozenset), "kinds must be a frozenset of str"
        assert cls.kinds, "kinds must name at least one kind"
        for kind in cls.kinds:
            assert isinstance(kind, str), f"kind {kind!r} must be a str"
            assert kind, "kinds must not hold an empty string"
            assert len(kind) <= 50, f"kind {kind!r} is longer than 50 characters"
        assert cls.default_kind in cls.kinds, (
            f"default_kind {cls.default_kind!r} is not one of kinds {sorted(cls.kinds)}"
        )
        assert isinstance(cls.media_kinds, frozenset), "media_kinds must be a frozenset"
        assert cls.media_kinds, "media_kinds must name at least one MediaKind"
        assert all(isinstance(k, MediaKind) for k in cls.media_kinds)
        assert attrs.has(cls.Settings), "Settings must be an attrs class (@attrs.frozen)"
        assert isinstance(publisher.settings, cls.Settings), (
            "the publisher's settings must be an instance of its Settings class"
        )

    def test_settings_survive_storage(self, publisher: Publisher) -> None:
        """Settings are stored as JSON and structured again whenever the account is opened:
        use field types mediasync converts (``str``, ``int``, ``float``, ``bool``,
        ``pathlib.Path``, ``Secret``, ``X | None``)."""
        cls = type(publisher).Settings
        stored = shared_converter().unstructure(publisher.settings)
        assert parse_settings(cls, stored, owner="conformance") == publisher.settings

    def test_invalid_settings_are_refused(
        self, publisher: Publisher, invalid_settings: Sequence[Mapping[str, Any]]
    ) -> None:
        """Each of ``invalid_settings`` must be refused before it is stored: give fields the
        right types, leave required ones without a default, and validate values with attrs
        validators that raise ``ValueError`` naming the setting."""
        cls = type(publisher).Settings
        for raw in invalid_settings:
            try:
                parse_settings(cls, raw, owner="conformance")
            except SettingsError:
                continue
            pytest.fail(f"settings {dict(raw)!r} were accepted")

    # -- check ---------------------------------------------------------------------------------

    def test_check_is_healthy_quick_and_posts_nothing(
        self, publisher: Publisher, count_posts: Callable[[], int]
    ) -> None:
        """``check()`` is what ``mediasync doctor`` runs for every account: it must return a
        ``HealthCheck`` (healthy for a working account) within ``check_seconds``, and only
        look (a profile or token lookup), never post."""
        before = count_posts()
        started = time.monotonic()
        health = publisher.check()
        elapsed = time.monotonic() - started
        assert isinstance(health, HealthCheck), f"check() returned {health!r}, not a HealthCheck"
        assert health.ok, f"check() failed on a working account: {health.problem}"
        assert elapsed < self.check_seconds, f"check() took {elapsed:.1f}s"
        assert count_posts() == before, "check() posted something"

    def test_check_reports_a_problem_without_raising(self, unhealthy_publisher: Publisher) -> None:
        """A failing ``check()`` returns ``HealthCheck.failed(problem, fix)`` with a one-line
        problem; it never raises (catch your client's errors)."""
        health = unhealthy_publisher.check()
        assert isinstance(health, HealthCheck), f"check() returned {health!r}, not a HealthCheck"
        assert not health.ok, "check() passed for the unhealthy publisher"
        assert health.problem, "a failed check needs a problem"
        assert "\n" not in health.problem, "the problem must be one line"

    # -- publishing ----------------------------------------------------------------------------

    def test_each_kind_posts_once_and_records_it(
        self, publisher: Publisher, count_posts: Callable[[], int], sample_media: SampleMedia
    ) -> None:
        """``publish`` posts exactly once per call with a fresh journal, returns a
        ``PublishResult`` with the remote id, and records at least that in the journal."""
        for kind in _kinds(publisher):
            before = count_posts()
            journal = MemoryJournal()
            _publish(publisher, self.make_request(kind, sample_media), journal)
            assert count_posts() == before + 1, f"publishing as {kind!r} did not post once"
            assert journal.records, f"publishing as {kind!r} recorded nothing in the journal"

    def test_a_finished_journal_posts_nothing_more(
        self, publisher: Publisher, count_posts: Callable[[], int], sample_media: SampleMedia
    ) -> None:
        """Called again with the journal of a finished publication (its result was lost in a
        crash before mediasync stored it), ``publish`` returns the same remote id and posts
        nothing: record the remote id once the post exists, and return it when it is there."""
        for kind in _kinds(publisher):
            journal = MemoryJournal()
            first = _publish(publisher, self.make_request(kind, sample_media), journal)
            after = count_posts()
            again = _publish(publisher, self.make_request(kind, sample_media), journal)
            assert count_posts() == after, f"a finished {kind!r} publication posted again"
            assert again.remote_id == first.remote_id

    def test_interrupted_after_any_step_then_resumed_posts_once(
        self, publisher: Publisher, count_posts: Callable[[], int], sample_media: SampleMedia
    ) -> None:
        """A crash right after any step recorded in the journal, then a retry with that
        journal, posts exactly once: before each remote step, look in the journal for its
        result (or ask the remote whether it happened), and record each result at once."""
        for kind in _kinds(publisher):
            steps = MemoryJournal()
            _publish(publisher, self.make_request(kind, sample_media), steps)
            for step in range(1, len(steps.records) + 1):
                before = count_posts()
                journal = InterruptingJournal(interrupt_after=step)
                try:
                    _publish(publisher, self.make_request(kind, sample_media), journal)
                except PublishInterrupted:
                    journal.interrupt_after = None
                    _publish(publisher, self.make_request(kind, sample_media), journal)
                posts = count_posts() - before
                assert posts == 1, (
                    f"{kind!r} interrupted after record {step} ({journal.records[step - 1][0]!r})"
                    f" then resumed made {posts} posts"
                )

    def test_interrupted_after_every_step_posts_once(
        self, publisher: Publisher, count_posts: Callable[[], int], sample_media: SampleMedia
    ) -> None:
        """Interrupted right after each new record, attempt after attempt, the publication
        still ends with one post: each resume must move on from the steps recorded, not
        redo (and re-record) them."""
        for kind in _kinds(publisher):
            before = count_posts()
            journal = InterruptingJournal()
            for _attempt in range(self.max_attempts):
                journal.interrupt_after = len(journal.records) + 1
                try:
                    _publish(publisher, self.make_request(kind, sample_media), journal)
                    break
                except PublishInterrupted:
                    continue
            else:
                steps = [key for key, _value in journal.records[:10]]
                pytest.fail(
                    f"{kind!r} never finished in {self.max_attempts} attempts interrupted "
                    f"after each record; it records the same steps again: {steps}"
                )
            assert count_posts() == before + 1, f"{kind!r}: {count_posts() - before} posts"

    def test_media_streams_are_closed(
        self, publisher: Publisher, sample_media: SampleMedia
    ) -> None:
        """Every stream ``PublishMedia.open()`` returned is closed when ``publish`` returns or
        is interrupted (use ``with media.open() as stream``): each holds its source's
        connection."""
        for kind in _kinds(publisher):
            opened: list[TrackedStream] = []
            _publish(publisher, self.make_request(kind, sample_media, opened), MemoryJournal())
            interrupted = InterruptingJournal(interrupt_after=2)
            with contextlib.suppress(PublishInterrupted):
                _publish(publisher, self.make_request(kind, sample_media, opened), interrupted)
            assert opened, f"publishing as {kind!r} never opened its media"
            left_open = [stream for stream in opened if not stream.closed]
            assert not left_open, f"{len(left_open)} of {len(opened)} media streams left open"
