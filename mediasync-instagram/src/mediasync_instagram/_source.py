"""``InstagramSource``: an account's media, newest first, as a read-only mediasync source.

A sync lists pages of ``/{ig-user-id}/media`` (carousels expanded through the ``children``
field, one call per page) and, when enabled, the live ``/stories``. It never downloads: the
media id is the identity, so hashing would cost a download per post for nothing. ``open``
downloads from the ``media_url`` the listing gave (remembered for this process, so a copy right
after a sync costs no API call per file), reading a fresh one from the media id when Instagram's
CDN says the old one expired.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

import attrs

from mediasync import (
    AuthError,
    Capability,
    HealthCheck,
    MediaEntry,
    MediaKind,
    RemoteError,
    Secret,
    Source,
    SourceError,
    SourceUnreachable,
)
from mediasync_instagram._media import entries_of, media_fields
from mediasync_instagram._settings import InstagramSettings

if TYPE_CHECKING:  # httpx is imported when a source is used, not when mediasync starts
    from mediasync_instagram._graph import GraphClient

__all__ = ["InstagramSource"]

logger = logging.getLogger("mediasync.instagram")
URL_CACHE_SIZE = 50_000
REFRESH_WHEN_LEFT_DAYS = 7.0


class _MediaUrls:
    """Media id → the ``media_url`` last listed, for this process (bounded, oldest dropped)."""

    def __init__(self) -> None:
        self._urls: OrderedDict[tuple[str, str], str] = OrderedDict()

    def put(self, account: str, media_id: str, url: str) -> None:
        self._urls[(account, media_id)] = url
        self._urls.move_to_end((account, media_id))
        while len(self._urls) > URL_CACHE_SIZE:
            self._urls.popitem(last=False)

    def get(self, account: str, media_id: str) -> str | None:
        return self._urls.get((account, media_id))


MEDIA_URLS = _MediaUrls()


class InstagramSource(Source):
    type_name = "instagram"
    description = "an Instagram professional account's posts, reels, carousels and stories"
    capabilities = frozenset(
        {
            Capability.LISTABLE,
            Capability.DOWNLOADABLE,
            Capability.STABLE_IDS,
            Capability.NEWEST_FIRST,
        }
    )
    media_kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    Settings: ClassVar[type[Any]] = InstagramSettings
    root_required = False
    default_strategy = "newest-first"
    hash_on_index = False

    def __init__(self, name: str, root: str | None, settings: InstagramSettings) -> None:
        super().__init__(name, root, settings)
        self._client: GraphClient | None = None
        self.notes: list[str] = []
        """What the last listing could not read but did not fail for (stories refused)."""

    @property
    def client(self) -> GraphClient:
        from mediasync_instagram._graph import GraphClient

        if self._client is None:
            settings: InstagramSettings = self.settings
            self._client = GraphClient(
                settings.base_url,
                settings.api_version,
                settings.token.reveal(),
                max_wait=settings.max_wait_seconds,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- listing -------------------------------------------------------------------------------

    def list_entries(self) -> Iterator[MediaEntry]:
        for page in self.list_pages():
            yield from page

    def list_pages(self) -> Iterator[Sequence[MediaEntry]]:
        from mediasync_instagram._graph import GraphError

        try:
            self.refresh_token()
        except GraphError as exc:  # the token still works: the next run tries again
            logger.warning("source '%s': the token could not be refreshed: %s", self.name, exc)
        settings: InstagramSettings = self.settings
        if settings.capture_stories:
            stories = self._stories()
            if stories:
                yield stories
        fields = media_fields(settings.api == "facebook")
        for page in self.client.pages(
            f"{settings.user_id}/media", fields=fields, limit=settings.page_size
        ):
            yield [self._remember(entry, url) for media in page for entry, url in entries_of(media)]

    def _stories(self) -> list[MediaEntry]:
        from mediasync_instagram._graph import GraphError

        settings: InstagramSettings = self.settings
        fields = media_fields(settings.api == "facebook")
        entries: list[MediaEntry] = []
        try:
            for page in self.client.pages(f"{settings.user_id}/stories", fields=fields):
                for media in page:
                    entries += [self._remember(e, u) for e, u in entries_of(media, story=True)]
        except GraphError as exc:
            note = f"stories of '{self.name}' could not be read ({exc}); media read without them"
            logger.warning("%s", note)
            self.notes.append(note)
            return []
        return entries

    def _remember(self, entry: MediaEntry, url: str | None) -> MediaEntry:
        if url is not None:
            MEDIA_URLS.put(self.name, entry.source_id, url)
        return entry

    # -- the token -----------------------------------------------------------------------------

    def refresh_token(self, *, force: bool = False) -> datetime | None:
        """Refreshes the token once fewer than 7 days are left (or ``force``), stores it for
        later runs and uses it from now on; the new expiry, or ``None`` if nothing was done
        (not due, younger than 24 hours, or a Facebook Login token, which Meta renews itself).

        Raises:
            AuthError: the token is dead already: only reconnecting helps.
        """
        from mediasync_instagram._account import refresh

        settings: InstagramSettings = self.settings
        if settings.api != "instagram":
            return None
        left = settings.days_left()
        if not force and (left is None or left > REFRESH_WHEN_LEFT_DAYS):
            return None
        renewed = refresh(self.client, settings.issued_at)
        if renewed is None or renewed.issued_at is None or renewed.expires_at is None:
            return None
        changes = {
            "token": renewed.token,
            "token_issued_at": renewed.issued_at.isoformat(),
            "token_expires_at": renewed.expires_at.isoformat(),
        }
        if not force or self.settings_saver is not None:
            self.save_settings(changes)
        self.settings = attrs.evolve(
            settings,
            token=Secret(renewed.token),
            token_issued_at=changes["token_issued_at"],
            token_expires_at=changes["token_expires_at"],
        )
        self.close()  # the next call builds a client with the new token
        logger.info("source '%s': token refreshed, valid until %s", self.name, renewed.expires_at)
        return renewed.expires_at

    # -- bytes ---------------------------------------------------------------------------------

    def open(self, entry: MediaEntry) -> BinaryIO:
        """The media's bytes, streamed from Instagram's CDN.

        Raises:
            SourceError: Instagram has no file for it (``unavailable``), or the media is gone.
        """
        if entry.metadata.get("unavailable"):
            raise SourceError(f"{entry.path}: unavailable: {entry.metadata['unavailable']}")
        url = MEDIA_URLS.get(self.name, entry.source_id)
        if url is not None:
            stream = self._download(url)
            if stream is not None:
                return stream
        # Not listed in this process, or the CDN link expired: ask for a fresh one, once.
        stream = self._download(self._fresh_url(entry))
        if stream is None:
            raise SourceError(f"{entry.path}: Instagram's CDN refused a fresh media_url too")
        return stream

    def _fresh_url(self, entry: MediaEntry) -> str:
        from mediasync_instagram._graph import MissingObject

        try:
            media = self.client.get(entry.source_id, fields="media_url")
        except MissingObject:
            raise SourceError(f"{entry.path}: the media is no longer on Instagram") from None
        url = media.get("media_url")
        if not isinstance(url, str):
            raise SourceError(f"{entry.path}: unavailable: Instagram gives no media_url")
        MEDIA_URLS.put(self.name, entry.source_id, url)
        return url

    def _download(self, url: str) -> BinaryIO | None:
        """The stream, or ``None`` when the link is refused as expired (403/410)."""
        from mediasync_instagram._stream import ResponseStream

        return ResponseStream.open(self.client, url)

    # -- health --------------------------------------------------------------------------------

    def check(self) -> HealthCheck:
        settings: InstagramSettings = self.settings
        try:
            account = self.client.get(settings.user_id, fields="id,username")
        except AuthError as exc:
            return HealthCheck.failed(str(exc), "reconnect: mediasync instagram connect NAME")
        except (RemoteError, SourceUnreachable, SourceError) as exc:
            return HealthCheck.failed(str(exc))
        days = settings.days_left()
        detail = f"@{account.get('username', settings.username or '?')}"
        if days is not None:
            detail += f", token valid {days:.0f} more days"
        fix = None
        if days is not None and days < REFRESH_WHEN_LEFT_DAYS:
            fix = f"mediasync instagram refresh-token {self.name} (any sync also refreshes it)"
        return HealthCheck(ok=True, detail=detail, fix=fix, expires_at=settings.expires_at)
