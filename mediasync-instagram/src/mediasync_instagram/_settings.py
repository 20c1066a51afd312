"""``InstagramSettings``: one connected account, for reading (a source) and later posting.

Two flavours of Meta's API reach a professional account: the Instagram API with Instagram
Login (graph.instagram.com, the token is the account's own) and with Facebook Login
(graph.facebook.com, the account is the ``instagram_business_account`` of a Facebook Page).
Both take the same edges once the account id is known; the version is part of every URL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

import attrs

from mediasync import Secret

__all__ = ["API_HOSTS", "DEFAULT_VERSION", "InstagramSettings", "check_version"]

Api = Literal["instagram", "facebook"]
API_HOSTS: dict[str, str] = {
    "instagram": "https://graph.instagram.com",
    "facebook": "https://graph.facebook.com",
}
DEFAULT_VERSION = "v26.0"
_VERSION = re.compile(r"^v\d{1,3}\.\d{1,2}$")


def check_version(_instance: object, _attribute: object, value: str) -> None:
    if not _VERSION.match(value):
        raise ValueError(f"api_version {value!r} is not a Graph API version such as v26.0")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


@attrs.frozen
class InstagramSettings:
    token: Secret
    """A long-lived access token (60 days; refreshed by the worker before it ends)."""
    user_id: str
    """The Instagram professional account's id (checked against the token at connect)."""
    api: Api = "instagram"
    graph_url: str | None = None
    """The Graph API's base address; default by ``api`` (tests point it at a fake)."""
    api_version: str = attrs.field(default=DEFAULT_VERSION, validator=check_version)
    username: str | None = None
    token_issued_at: str | None = None
    """When the stored token was issued or last refreshed (ISO 8601): a refresh needs it 24 h
    old. Times are kept as text: settings are stored as JSON."""
    token_expires_at: str | None = None
    page_size: int = attrs.field(default=50, validator=_positive)
    capture_stories: bool = False
    """Read the account's live stories too (they vanish after 24 hours)."""
    stories_interval_hours: float = 6.0
    """How often ``mediasync run --with-instagram-stories`` backs the stories up."""
    max_wait_seconds: int = attrs.field(default=3600, validator=_positive)
    """The longest rate-limit pause waited out in-process; a longer one fails the run."""

    @property
    def base_url(self) -> str:
        return (self.graph_url or API_HOSTS[self.api]).rstrip("/")

    @property
    def expires_at(self) -> datetime | None:
        return _moment(self.token_expires_at)

    @property
    def issued_at(self) -> datetime | None:
        return _moment(self.token_issued_at)

    def days_left(self, now: datetime | None = None) -> float | None:
        return self.days_until(self.token_expires_at, now)

    @staticmethod
    def days_until(expires_at: str | None, now: datetime | None = None) -> float | None:
        expires = _moment(expires_at)
        if expires is None:
            return None
        return (expires - (now or datetime.now(UTC))).total_seconds() / 86400


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
