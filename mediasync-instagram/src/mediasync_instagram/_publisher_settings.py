"""``InstagramPublisherSettings``: which connected account posts, and where files are staged.

The account is an Instagram source by name (``mediasync instagram connect NAME``): its token
and user id are read from it at each publication, so a token refreshed by a sync is the one
used and there is never a second copy of it. Cloudinary holds each file for as long as
Instagram needs a public URL; its secret is sealed like every secret setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from mediasync import Secret

__all__ = ["InstagramPublisherSettings"]

_FOLDER = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
REQUEST_LIMIT = 100 * 1000 * 1000
"""Cloudinary takes at most 100 MB in one request ("Size limits"): larger files go in chunks."""
MIN_CHUNK = 5 * 1000 * 1000
"""Every chunk of a chunked upload but the last is at least 5 MB (Cloudinary's guidelines)."""


def _name(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _folder(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _FOLDER.match(value):
        raise ValueError(f"{attribute.name} {value!r}: letters, digits, '_', '-' and '/' only")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


def _above_zero(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be above 0, not {value}")


def _request_size(low: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    """Between ``low`` and what Cloudinary takes in one request."""

    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if not low <= value <= REQUEST_LIMIT:
            raise ValueError(
                f"{attribute.name} must be {low} to {REQUEST_LIMIT} bytes, not {value}"
            )

    return check


@attrs.frozen
class InstagramPublisherSettings:
    account: str = attrs.field(validator=_name)
    """The Instagram source whose account posts (its token and user id are used)."""
    cloud_name: str = attrs.field(validator=_name)
    api_key: str = attrs.field(validator=_name)
    api_secret: Secret
    upload_prefix: str | None = None
    """Cloudinary's API address (default https://api.cloudinary.com; tests point it at a fake)."""
    staging_folder: str = attrs.field(default="mediasync-staging", validator=_folder)
    staging_tag: str = attrs.field(default="mediasync-staging", validator=_folder)
    processing_timeout_seconds: int = attrs.field(default=900, validator=_positive)
    """How long Instagram may process a container (a long reel takes minutes)."""
    processing_attempts: int = attrs.field(default=3, validator=_positive)
    """Containers made for one file when Instagram's processing fails for a reason it calls
    temporary (a failed fetch of the staged file, a server error); other failures end at once."""
    poll_seconds: float = attrs.field(default=2.0, validator=_above_zero)
    """The first pause between status reads; each next one doubles, up to 15 times this."""
    chunked_above_bytes: int = attrs.field(default=REQUEST_LIMIT, validator=_request_size(1))
    """Files larger than this go to Cloudinary in chunks (``upload_large``). The default is
    Cloudinary's own cap per request; lower it to exercise chunking with small files (tests)
    or to keep each request short on a slow link."""
    chunk_bytes: int = attrs.field(default=20 * 1000 * 1000, validator=_request_size(MIN_CHUNK))
    """The size of each chunk (the SDK's default; each one is held in memory while sent)."""

    def cloudinary_options(self) -> dict[str, str]:
        """Per-call SDK options: the SDK's global configuration is never touched."""
        options = {
            "cloud_name": self.cloud_name,
            "api_key": self.api_key,
            "api_secret": self.api_secret.reveal(),
        }
        if self.upload_prefix:
            options["upload_prefix"] = self.upload_prefix.rstrip("/")
        return options
