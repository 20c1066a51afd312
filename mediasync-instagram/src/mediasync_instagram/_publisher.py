"""``InstagramPublisher``: posts indexed media to a connected Instagram account.

Its settings name the Instagram source that is the account (token and user id are read from
it through the ``Workspace`` the publication runs in: ``mediasync publish`` and
``Workspace.publish`` both make theirs current) and the Cloudinary account where each file
waits while Instagram fetches it. See ``_publication`` for the steps and the journal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mediasync import (
    HealthCheck,
    MediaKind,
    MediasyncError,
    PublicationJournal,
    PublicationStatus,
    Publisher,
    PublishRequest,
    PublishResult,
    RateLimited,
    UsageError,
    Workspace,
)
from mediasync_instagram._publisher_settings import InstagramPublisherSettings

if TYPE_CHECKING:
    from mediasync_instagram._source import InstagramSource
    from mediasync_instagram._staging import Stage

__all__ = ["InstagramPublisher"]

DAY = timedelta(days=1)


class InstagramPublisher(Publisher):
    type_name = "instagram"
    description = "Posts photos, reels, stories and carousels to a connected Instagram account."
    media_kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    kinds = frozenset({"feed", "story", "reel", "carousel"})
    default_kind = "feed"
    Settings = InstagramPublisherSettings

    settings: InstagramPublisherSettings

    def _workspace(self) -> Workspace:
        try:
            return Workspace.current()
        except RuntimeError:
            raise UsageError(
                f"publisher account '{self.name}' reads Instagram source "
                f"'{self.settings.account}' from the workspace it runs in: publish with "
                "`mediasync publish` or Workspace.publish"
            ) from None

    def _source(self) -> InstagramSource:
        from mediasync_instagram._source import InstagramSource

        account = self.settings.account
        workspace = self._workspace()
        if not any(info.name == account for info in workspace.sources()):
            raise UsageError(
                f"publisher account '{self.name}' posts as Instagram source '{account}', which "
                f"does not exist: connect it with `mediasync instagram connect {account}`"
            )
        source = workspace.open_source(account)
        if not isinstance(source, InstagramSource):
            source.close()
            raise UsageError(f"source '{account}' is not an Instagram account")
        return source

    def stage(self, source: InstagramSource | None = None) -> Stage:
        from mediasync_instagram._staging import Stage

        sleep = None if source is None else source.client.pause
        return Stage(self.settings, sleep, fix=self._cloudinary_fix())

    def check(self) -> HealthCheck:
        """The account's token (read through its source) and the Cloudinary credentials (a
        ``ping``): what ``mediasync doctor`` reports, one line each when wrong."""
        account = self.settings.account
        try:
            source = self._source()
            try:
                health = source.check()
            finally:
                source.close()
        except MediasyncError as exc:
            return HealthCheck.failed(str(exc))
        if not health.ok:
            return HealthCheck.failed(
                f"posts as Instagram source '{account}': {health.problem}",
                f"mediasync instagram connect {account} --token NEW_TOKEN",
            )
        from mediasync_instagram._staging import Stage

        try:
            Stage(self.settings).ping()  # the fix goes on a line of its own
        except MediasyncError as exc:
            return HealthCheck.failed(str(exc), fix=self._cloudinary_fix())
        detail = f"{health.detail}; staging on Cloudinary cloud '{self.settings.cloud_name}'"
        return HealthCheck(ok=True, detail=detail, expires_at=health.expires_at)

    def _cloudinary_fix(self) -> str:
        """``instagram cloudinary NAME`` updates the publisher account named as its source."""
        if self.name == self.settings.account:
            return f"mediasync instagram cloudinary {self.name} --url cloudinary://KEY:SECRET@CLOUD"
        return f"mediasync publishers set {self.name} api_key=KEY api_secret=SECRET"

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        from mediasync_instagram._containers import Containers
        from mediasync_instagram._publication import PublicationAttempt
        from mediasync_instagram._rules import check_request

        check_request(request)
        source = self._source()
        try:
            settings = self.settings
            containers = Containers(
                source.client,
                source.settings.user_id,
                settings.processing_timeout_seconds,
                poll_seconds=settings.poll_seconds,
                remakes=settings.processing_attempts,
            )
            attempt = PublicationAttempt(
                request, journal, containers, self.stage(source), self._quota_full
            )
            return attempt.run()
        finally:
            source.close()

    def _quota_full(self, used: int, total: int) -> RateLimited:
        """ "quota full (Q of Q in 24 h); next slot after HH:MM", from the publications this
        index knows in the rolling window (posts made elsewhere are not seen)."""
        now = datetime.now(UTC)
        known = [
            p.finished_at
            for p in self._workspace().publications(account=self.name)
            if p.status is PublicationStatus.PUBLISHED
            and p.finished_at is not None
            and _aware(p.finished_at) > now - DAY
        ]
        message = f"Instagram's publishing quota is full ({used} of {total} in 24 h); "
        if not known:
            return RateLimited(
                message + "next slot unknown: none of them was published by mediasync "
                "(posts made elsewhere are not seen)",
                retry_after=None,
            )
        slot = _aware(min(known)) + DAY
        return RateLimited(
            message + f"next slot after {slot:%H:%M} UTC (from the {len(known)} published by "
            "mediasync; posts made elsewhere are not seen)",
            retry_after=max((slot - now).total_seconds(), 0.0),
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
