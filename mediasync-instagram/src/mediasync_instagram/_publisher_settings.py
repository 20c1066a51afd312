"""``InstagramPublisherSettings``: which connected account posts, and where files are staged.

The account is an Instagram source by name (``mediasync instagram connect NAME``): its token
and user id are read from it at each publication, so a token refreshed by a sync is the one
used and there is never a second copy of it. Cloudinary holds each file for as long as
Instagram needs a public URL; its secret is sealed like every secret setting.
"""

from __future__ import annotations

import re

import attrs

from mediasync import Secret

__all__ = ["InstagramPublisherSettings"]

_FOLDER = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


def _name(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _folder(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _FOLDER.match(value):
        raise ValueError(f"{attribute.name} {value!r}: letters, digits, '_', '-' and '/' only")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


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
