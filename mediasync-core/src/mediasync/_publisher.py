"""The ``Publisher`` base class: what a plugin implements to post indexed media somewhere.

Publishing talks to remote services that may fail between steps (a container created, not yet
published). The journal lets a publisher record each step's result so that a retry after a
crash resumes instead of posting twice.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, BinaryIO, ClassVar, Protocol

import attrs

from mediasync._models import HealthCheck, MediaKind
from mediasync._settings import NoSettings

__all__ = ["PublicationJournal", "PublishMedia", "PublishRequest", "PublishResult", "Publisher"]


@attrs.frozen(slots=True)
class PublishMedia:
    """One file to publish.

    ``open`` pulls the bytes from the source that holds them only when called, so a resumed
    publication whose files were uploaded already reads nothing. Close what it returns.
    ``size`` is ``None`` where the source did not report it; ``taken_at`` and ``metadata`` are
    what the source knows beside the file (a capture time, an original caption).
    """

    item_id: int
    name: str
    mime_type: str | None
    size: int | None
    open: Callable[[], BinaryIO] = attrs.field(repr=False, eq=False)
    taken_at: datetime | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def kind(self) -> MediaKind:
        return MediaKind.from_mime_type(self.mime_type)


@attrs.frozen(slots=True)
class PublishRequest:
    """What to publish: the media in order, as one of the publisher's ``kinds``."""

    media: tuple[PublishMedia, ...]
    kind: str
    caption: str = ""
    account: str | None = None
    """The publisher account's name (``mediasync publishers add NAME``)."""


@attrs.frozen(slots=True)
class PublishResult:
    remote_id: str
    permalink: str | None = None


class PublicationJournal(Protocol):
    """Durable step results of one publication (kept on its ``publications`` row).

    Keys and values are strings. A retry of an interrupted publication gets the same journal,
    with every value recorded before the interruption.
    """

    def get(self, key: str) -> str | None: ...

    def record(self, key: str, value: str) -> None:
        """Stores ``value`` under ``key`` (replacing any earlier one) durably before returning:
        the next attempt will see it."""
        ...


class Publisher(abc.ABC):
    """Base class of every publisher type.

    Subclasses set the class attributes and implement ``check`` and ``publish``. An instance
    is one account: ``name`` is the account's name, ``settings`` an instance of ``Settings``.
    """

    type_name: ClassVar[str]
    """What ``mediasync publishers add --type`` takes: short, lowercase, unique."""
    description: ClassVar[str] = ""
    media_kinds: ClassVar[frozenset[MediaKind]] = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    """The kinds of media it can post; others are refused before it is called."""
    kinds: ClassVar[frozenset[str]] = frozenset({"post"})
    """What it can publish as (``--as``): the service's own words (``feed``, ``reel``, …)."""
    default_kind: ClassVar[str] = "post"
    """The kind used when none is asked for; one of ``kinds``."""
    Settings: ClassVar[type[Any]] = NoSettings
    """An attrs class; cattrs structures it from ``--set`` values and stored JSON."""

    def __init__(self, name: str, settings: Any) -> None:
        self.name = name
        self.settings = settings

    @abc.abstractmethod
    def check(self) -> HealthCheck:
        """Credentials valid and the account reachable, without publishing anything: cheap,
        and never raises (a problem is a failed ``HealthCheck``)."""

    @abc.abstractmethod
    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        """Publishes ``request``; consults and fills ``journal`` so a retry never posts twice.

        Record each remote step's result before taking the next one, and the remote id as soon
        as the post exists: called again with a journal that holds it, return the same result
        without posting.

        Raises:
            AuthError: credentials refused; RateLimited: try again after ``retry_after``;
            PublishError: the service refused or failed otherwise.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Releases connections; called when the publication (or the check) is done."""

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
