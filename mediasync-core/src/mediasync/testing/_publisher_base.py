"""The fixtures and settings of ``PublisherConformance``.

An author overrides ``publisher`` and ``count_posts`` (required) and, where it applies, the
optional fixtures below; each optional one skips the tests that need it until it is supplied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import pytest

from mediasync._publisher import Publisher, PublishRequest
from mediasync.testing._journals import TrackedStream, media_from_bytes
from mediasync.testing._samples import sample_jpeg

__all__ = ["PublisherSuiteBase", "SampleMedia"]

SampleMedia = Callable[[str, int], tuple[str, bytes]]
"""Makes the file at ``position`` of a request of ``kind``: (name, bytes), distinct by position."""


class PublisherSuiteBase:
    """Fixtures, class attributes and the request maker of ``PublisherConformance``."""

    media_counts: ClassVar[Mapping[str, int]] = {}
    """Files per request, by kind (default 1): ``{"carousel": 2}``."""
    check_seconds: ClassVar[float] = 5.0
    """How long ``check()`` may take against the test's remote."""
    max_attempts: ClassVar[int] = 100
    """Resumes after which a publisher interrupted at every step counts as never finishing."""

    @pytest.fixture
    def publisher(self) -> Publisher:
        """Your ``Publisher``, settings valid, posting to a fresh remote: override this."""
        pytest.fail(
            "PublisherConformance needs a `publisher` fixture: define `@pytest.fixture def "
            "publisher(self, ...)` in your subclass, returning your Publisher over a fresh "
            "remote (a loopback fake of the service)"
        )

    @pytest.fixture
    def count_posts(self) -> Callable[[], int]:
        """How many posts the ``publisher``'s remote holds now, asked of the remote itself."""
        pytest.fail(
            "PublisherConformance needs a `count_posts` fixture: a function that asks the "
            "publisher's remote how many posts it holds"
        )

    @pytest.fixture
    def invalid_settings(self) -> Sequence[Mapping[str, Any]]:
        """Settings your ``Settings`` class must refuse, as ``--set`` would give them."""
        pytest.skip("supply `invalid_settings` (a list of mappings) to test that they are refused")

    @pytest.fixture
    def unhealthy_publisher(self) -> Publisher:
        """A publisher whose ``check()`` must fail: a wrong token, a missing account."""
        pytest.skip("supply `unhealthy_publisher` to test a failing check()")

    @pytest.fixture
    def sample_media(self) -> SampleMedia:
        """``(kind, position) -> (name, bytes)``: the files a request of each kind holds
        (default: small JPEGs for every kind; a reel would want a video)."""
        return lambda _kind, position: (f"photo-{position}.jpg", sample_jpeg(position))

    def make_request(
        self,
        kind: str,
        sample_media: SampleMedia,
        opened: list[TrackedStream] | None = None,
    ) -> PublishRequest:
        """A request of ``kind`` with ``media_counts[kind]`` files."""
        media = []
        for position in range(self.media_counts.get(kind, 1)):
            name, data = sample_media(kind, position)
            media.append(media_from_bytes(1000 + position, name, data, opened=opened))
        return PublishRequest(tuple(media), kind, f"conformance {kind}", "conformance")
