# mypy: disable-error-code="no-untyped-call"
# (The cloudinary SDK has no annotations; its calls return Any and are narrowed here.)
"""Cloudinary as a temporary public home for a file Instagram must fetch by URL.

Each file is uploaded under a random public id in the staging folder, tagged, with the resource
type its bytes call for (``image`` or ``video``); files above the ``chunked_above_bytes``
setting (Cloudinary's 100 MB per request) go up in chunks of ``chunk_bytes`` from the local copy
(``upload_large``), so only one chunk is ever in memory. A PNG, WebP or HEIC photo gets
an eager JPEG derivative (``fetch_format``), since Instagram takes JPEG only: Cloudinary
converts it, and the derivative's own size is checked. The URL handed to Instagram is the one
the upload answered with, never one built by the SDK. ``destroy`` removes a staged file with
its resource type; ``sweep`` removes tagged files older than a cut-off that a crash left behind.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

import attrs

from mediasync import AuthError, PublishError, RateLimited
from mediasync_instagram._publisher_settings import InstagramPublisherSettings

__all__ = ["Stage", "Staged"]

logger = logging.getLogger("mediasync.instagram")
ATTEMPTS = 3
JPEG_EAGER = [{"fetch_format": "jpg", "format": "jpg"}]
"""``f_jpg/jpg``: a JPEG at a ``.jpg`` URL (``format`` alone is dropped by the SDK)."""
_T = TypeVar("_T")


@attrs.frozen
class Staged:
    """A file staged (or about to be) on Cloudinary, as the journal keeps it."""

    public_id: str
    resource_type: Literal["image", "video"]
    url: str | None = None
    """What Instagram fetches; ``None`` until the upload answered."""
    gone: bool = False
    """Destroyed: a new container would need it staged again."""

    def dumps(self) -> str:
        return json.dumps(attrs.asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Staged:
        return cls(**json.loads(text))


class Stage:
    """One Cloudinary account's staging folder."""

    def __init__(
        self,
        settings: InstagramPublisherSettings,
        sleep: Callable[[float], None] | None = None,
        *,
        fix: str | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self.fix = fix
        """What refused credentials ask the user to do (the command that stores new ones)."""

    def new(self, resource_type: Literal["image", "video"]) -> Staged:
        """A staged file's identity, chosen before the upload so a retry reuses it."""
        return Staged(f"{self.settings.staging_folder}/{secrets.token_hex(12)}", resource_type)

    def _call(self, what: str, call: Callable[[], _T]) -> _T:
        """``call`` with Cloudinary's errors as mediasync's; server failures tried again."""
        import cloudinary.exceptions as errors
        import tenacity

        def transient(exc: BaseException) -> bool:
            text = str(exc)
            server = isinstance(exc, errors.GeneralError) or "Error 50" in text
            return server or "Socket error" in text or "Unexpected error" in text

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(transient),
            stop=tenacity.stop_after_attempt(ATTEMPTS),
            wait=tenacity.wait_exponential(multiplier=1, max=8),
            sleep=self._sleep or tenacity.nap.sleep,
            reraise=True,
        )
        try:
            return retrying(call)
        except errors.AuthorizationRequired as exc:
            fix = f": {self.fix}" if self.fix else ""
            raise AuthError(
                f"Cloudinary refused the credentials of cloud '{self.settings.cloud_name}' "
                f"({_one_line(exc)}){fix}"
            ) from None
        except errors.RateLimited as exc:
            raise RateLimited(f"Cloudinary's rate limit: {_one_line(exc)}", 3600) from None
        except errors.Error as exc:
            raise PublishError(f"Cloudinary {what} failed: {_one_line(exc)}") from None

    def ping(self) -> None:
        """A cheap authenticated call: raises ``AuthError`` for wrong credentials."""
        import cloudinary.api

        options = self.settings.cloudinary_options()
        self._call("ping", lambda: cloudinary.api.ping(**options))

    def upload(self, staged: Staged, path: Path, *, convert: bool) -> tuple[Staged, int]:
        """Uploads ``path`` as ``staged``; the staged file with its URL, and the size of what
        Instagram will fetch (the JPEG derivative's when ``convert``)."""
        import cloudinary.uploader

        options: dict[str, Any] = {
            **self.settings.cloudinary_options(),
            "public_id": staged.public_id,
            "resource_type": staged.resource_type,
            "tags": [self.settings.staging_tag],
            "overwrite": True,
        }
        if convert:
            options.update(eager=JPEG_EAGER, eager_async=False)
        size = path.stat().st_size
        if size > self.settings.chunked_above_bytes:
            options["chunk_size"] = self.settings.chunk_bytes
            answer = self._call(
                "upload", lambda: cloudinary.uploader.upload_large(str(path), **options)
            )
        else:
            answer = self._call("upload", lambda: cloudinary.uploader.upload(str(path), **options))
        if not isinstance(answer, dict):
            raise PublishError(
                f"Cloudinary's upload answer is a JSON {type(answer).__name__}, not an object: "
                "not an answer mediasync can read"
            )
        delivered: dict[str, Any] = answer
        if convert:
            eager = answer.get("eager") or []
            if not eager or not isinstance(eager[0], dict):
                raise PublishError("Cloudinary made no JPEG of the photo (no eager derivative)")
            delivered = eager[0]
        url = delivered.get("secure_url") or delivered.get("url")
        if not isinstance(url, str) or not url:
            raise PublishError("Cloudinary's upload answer holds no secure_url")
        fetched = delivered.get("bytes")
        fetched = fetched if type(fetched) is int and fetched > 0 else size
        return attrs.evolve(staged, url=url), fetched

    def destroy(self, staged: Staged) -> bool:
        """Deletes the staged file (its derivatives with it); ``False`` when Cloudinary could
        not be reached or refused: the sweeper deletes it later."""
        import cloudinary.uploader

        options = {**self.settings.cloudinary_options(), "resource_type": staged.resource_type}
        try:
            self._call("destroy", lambda: cloudinary.uploader.destroy(staged.public_id, **options))
        except (AuthError, RateLimited, PublishError) as exc:
            logger.warning(
                "staged file %s not deleted (%s): `mediasync instagram sweep` deletes it later",
                staged.public_id,
                exc,
            )
            return False
        return True

    def sweep(self, older_than: timedelta, *, dry_run: bool = False) -> list[str]:
        """Deletes tagged staged files created before ``older_than`` ago, every page read
        before anything is deleted; their public ids."""
        cutoff = datetime.now(UTC) - older_than
        swept: list[str] = []
        for resource_type in ("image", "video"):
            old = [public_id for public_id, made in self._tagged(resource_type) if made < cutoff]
            swept += old
            if not dry_run:
                for start in range(0, len(old), 100):
                    self._delete(old[start : start + 100], resource_type)
        return swept

    def _delete(self, public_ids: list[str], resource_type: str) -> None:
        import cloudinary.api

        options = {**self.settings.cloudinary_options(), "resource_type": resource_type}
        self._call("deletion", lambda: cloudinary.api.delete_resources(public_ids, **options))

    def _tagged(self, resource_type: str) -> Iterator[tuple[str, datetime]]:
        """(public id, creation time) of every tagged file of ``resource_type``, page by page."""
        import cloudinary.api

        options = {**self.settings.cloudinary_options(), "resource_type": resource_type}
        cursor: str | None = None
        while True:
            listing = {**options, "max_results": 500, **({"next_cursor": cursor} if cursor else {})}
            tag = self.settings.staging_tag
            page = self._call("listing", partial(cloudinary.api.resources_by_tag, tag, **listing))
            for found in page.get("resources") or []:
                made = _created(found) if isinstance(found, dict) else None
                if made is not None:
                    yield str(found["public_id"]), made
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _created(resource: dict[str, Any]) -> datetime | None:
    text = resource.get("created_at")
    if not isinstance(text, str):
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
