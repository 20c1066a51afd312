"""The ``Publisher`` base class: what a plugin implements to post indexed media somewhere.

Publishing talks to remote services that may fail between steps (a container created, not yet
published). The journal lets a publisher record each step's result so that a retry after a
crash resumes instead of posting twice.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, BinaryIO, ClassVar, Literal, Protocol

import attrs

from mediasync._models import HealthCheck, MediaKind
from mediasync._settings import NoSettings

__all__ = ["PublicationJournal", "PublishMedia", "PublishRequest", "PublishResult", "Publisher"]

PublishKind = Literal["feed", "reel", "story", "carousel"]


@attrs.frozen(slots=True)
class PublishMedia:
    """One file to publish; ``open`` pulls its bytes from the source that holds it."""

    item_id: int
    name: str
    mime_type: str
    size: int
    open: Callable[[], BinaryIO]

    @property
    def kind(self) -> MediaKind:
        return MediaKind.from_mime_type(self.mime_type)


@attrs.frozen(slots=True)
class PublishRequest:
    media: tuple[PublishMedia, ...]
    kind: PublishKind = "feed"
    caption: str = ""
    account: str | None = None


@attrs.frozen(slots=True)
class PublishResult:
    remote_id: str
    permalink: str | None = None


class PublicationJournal(Protocol):
    """Durable step results of one publication (backed by the ``publications`` row)."""

    def get(self, key: str) -> str | None: ...

    def record(self, key: str, value: str) -> None:
        """Stores ``value`` durably before returning: the next attempt will see it."""
        ...


class Publisher(abc.ABC):
    """Base class of every publisher type."""

    type_name: ClassVar[str]
    description: ClassVar[str] = ""
    media_kinds: ClassVar[frozenset[MediaKind]] = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    kinds: ClassVar[frozenset[str]] = frozenset({"feed"})
    Settings: ClassVar[type[Any]] = NoSettings

    def __init__(self, name: str, settings: Any) -> None:
        self.name = name
        self.settings = settings

    @abc.abstractmethod
    def check(self) -> HealthCheck:
        """Credentials valid and the account reachable, without publishing anything."""

    @abc.abstractmethod
    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        """Publishes ``request``; consults and fills ``journal`` so a retry never posts twice.

        Raises:
            AuthError: credentials refused; RateLimited: try again after ``retry_after``.
        """
