"""What ``Workspace`` hands back about publishing: accounts, publications and plans.

Frozen attrs values like the rest of ``_results``; ``attrs.asdict`` of each is close to its
JSON shape in docs/cli.md.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["Publication", "PublicationStatus", "PublishPlan", "PublisherInfo"]


class PublicationStatus(enum.StrEnum):
    RUNNING = "running"
    """Started and not finished: being published now, or interrupted (the next identical
    ``publish`` resumes it)."""
    PUBLISHED = "published"
    FAILED = "failed"
    """The publisher (or reading the media) failed; the next identical ``publish`` resumes it
    with the steps it had recorded."""


@attrs.frozen(slots=True)
class PublisherInfo:
    """A configured publisher account; ``settings`` are redacted for display.

    ``kinds`` and ``default_kind`` come from the installed publisher type (empty and ``None``
    when it is not installed).
    """

    name: str
    type: str
    settings: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    kinds: tuple[str, ...] = ()
    default_kind: str | None = None


@attrs.frozen(slots=True)
class Publication:
    """One publication of some items to an account, with everything needed to resume it."""

    id: int
    account: str
    """The account's name as it was: the history outlives a removed account."""
    publisher_type: str
    kind: str
    caption: str
    item_ids: tuple[int, ...]
    status: PublicationStatus
    remote_id: str | None
    permalink: str | None
    error: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@attrs.frozen(slots=True)
class PublishPlan:
    """What ``publish`` would do, every check passed (``plan_publication``, ``--dry-run``)."""

    account: str
    publisher_type: str
    kind: str
    caption: str
    item_ids: tuple[int, ...]
    resumes: int | None
    """The interrupted or failed publication it would resume, or ``None`` for a new one."""
