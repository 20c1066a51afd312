"""Instagram's side of a publication: the quota, containers and their processing, the post.

Content Publishing: ``POST /{ig-user-id}/media`` makes a container (Instagram fetches an image
at once, a video while processing), ``GET /{container-id}?fields=status_code,status`` says
``IN_PROGRESS``, ``FINISHED``, ``ERROR`` (with a subcode in ``status``), ``EXPIRED`` (24 hours)
or ``PUBLISHED``, and ``POST /{ig-user-id}/media_publish?creation_id=…`` makes the post.

Errors are read by code and subcode. Transient ones (Meta's ``is_transient``, server errors,
a failed fetch of the staged file, a container not ready or not found right after it finished)
are tried again with tenacity; the rest become one line. A container whose processing ends in
``ERROR`` with a subcode the Error Codes table marks temporary ("Instagram server error. Try
again.", a fetch that failed or timed out, "please try to re-create media") is replaced by a new
one, a bounded number of times: the same container never leaves ``ERROR``. ``media_publish`` is
never sent again blindly: when its answer is lost, the container's status says whether the post
exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import tenacity

from mediasync import MediasyncError, PublishError

if TYPE_CHECKING:
    from mediasync_instagram._graph import GraphClient, GraphError

__all__ = ["Containers", "ProcessingFailed", "QuotaFull", "Status"]

logger = logging.getLogger("mediasync.instagram")
Status = Literal["IN_PROGRESS", "FINISHED", "ERROR", "EXPIRED", "PUBLISHED"]
ATTEMPTS = 4
LONGEST_POLL = 15
"""The pause between status reads doubles from ``poll_seconds`` up to this many times it."""
FIND_SLACK = timedelta(minutes=10)
MEANINGS = {
    2207001: "Instagram server error",
    2207003: "Instagram timed out downloading the staged file",
    2207004: "the image is over 8 MB",
    2207005: "the image format is not supported (JPEG only)",
    2207006: "the media was not found",
    2207008: "the container does not exist or has expired",
    2207009: "the photo's aspect ratio is outside 4:5 to 1.91:1",
    2207010: "the caption is too long",
    2207020: "the media expired: upload it again",
    2207026: "the video format is not supported (MP4 or MOV, H.264 or HEVC, AAC)",
    2207028: "a carousel holds 2 to 10 photos or videos",
    2207032: "Instagram failed to create the media",
    2207040: "too many @tags in the caption",
    2207042: "the daily publishing limit is reached",
    2207050: "the Instagram account is restricted",
    2207051: "Instagram blocked the action as suspected spam; wait before posting again",
    2207052: "Instagram could not fetch the staged file",
    2207053: "unknown upload error",
}
RETRIED_SUBCODES = frozenset({2207001, 2207003, 2207032, 2207052, 2207053})
RETRIED_CODES = frozenset({1, 2, -1, -2, 9004})
REMADE_AFTER = RETRIED_SUBCODES | {9004}
"""What a container's ``ERROR`` status may name that a new container can get past."""
NOT_READY = (9007, 2207027)
NOT_FOUND = (24, 2207006, 2207008)


class QuotaFull(Exception):
    """Instagram's publishing quota is used up (code 9, subcode 2207042)."""


class ProcessingFailed(PublishError):
    """Instagram's processing of a container ended in ``ERROR`` (``subcode`` from its status)."""

    def __init__(self, message: str, subcode: int | None) -> None:
        super().__init__(message)
        self.subcode = subcode

    @property
    def temporary(self) -> bool:
        """The Error Codes table says to try again (a new container: this one stays failed)."""
        return self.subcode in REMADE_AFTER


class _Again(Exception):
    """A step worth trying again after a pause."""

    def __init__(self, error: MediasyncError) -> None:
        super().__init__(str(error))
        self.error = error


def describe(exc: GraphError) -> str:
    failure = exc.failure
    meaning = MEANINGS.get(failure.subcode or 0) if failure is not None else None
    return f"{meaning} ({exc})" if meaning else str(exc)


def _retried(exc: GraphError) -> bool:
    failure = exc.failure
    if failure is None:
        return False
    return (
        failure.kind == "transient"
        or failure.subcode in RETRIED_SUBCODES
        or failure.code in RETRIED_CODES
        or failure.code in NOT_READY
        or failure.subcode in NOT_READY
    )


class Containers:
    """The publishing endpoints of one account, over its ``GraphClient``."""

    def __init__(
        self,
        client: GraphClient,
        user_id: str,
        timeout: float,
        *,
        poll_seconds: float = 2.0,
        remakes: int = 3,
    ) -> None:
        self.client = client
        self.user_id = user_id
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.remakes = remakes
        """Containers made in all for one file whose processing keeps failing temporarily."""

    def _retrying(self, attempts: int = ATTEMPTS) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Again),
            stop=tenacity.stop_after_attempt(attempts),
            wait=tenacity.wait_exponential(multiplier=2, max=30),
            sleep=self.client.pause,
            reraise=True,
        )

    def quota(self) -> tuple[int, int]:
        """(publications in the last 24 hours, the quota): ``content_publishing_limit``."""
        answer = self.client.get(
            f"{self.user_id}/content_publishing_limit", fields="quota_usage,config"
        )
        entry = (answer.get("data") or [{}])[0]
        total = (entry.get("config") or {}).get("quota_total")
        return int(entry.get("quota_usage") or 0), int(total or 50)

    def create(self, what: str, **params: str) -> str:
        """A new container's id; ``what`` names it in messages."""
        from mediasync_instagram._graph import GraphError

        def once() -> str:
            try:
                answer = self.client.call_once("POST", f"{self.user_id}/media", **params)
            except GraphError as exc:
                self._raise(exc, f"creating the container of {what}")
            container_id = _media_id(answer)
            if container_id is None:  # nothing was posted: the next run makes another one
                raise PublishError(
                    f"Instagram's answer to creating the container of {what} holds no id: "
                    "not an answer mediasync can read"
                )
            return container_id

        try:
            return self._retrying()(once)
        except _Again as exc:
            raise exc.error from None

    def _raise(self, exc: GraphError, doing: str) -> Any:
        failure = exc.failure
        if failure is not None and failure.subcode == 2207042:
            raise QuotaFull(str(exc))
        error = PublishError(f"Instagram refused {doing}: {describe(exc)}")
        if _retried(exc):
            raise _Again(error)
        raise error

    def status(self, container_id: str) -> tuple[Status, str]:
        answer = self.client.get(container_id, fields="status_code,status")
        code = answer.get("status_code") or "IN_PROGRESS"
        if code not in STATUSES:
            shown = repr(code) if isinstance(code, str) else f"a JSON {type(code).__name__}"
            raise PublishError(
                f"Instagram answered the status of container {container_id} with {shown}, "
                f"not one of {', '.join(STATUSES)}"
            )
        text = answer.get("status")
        return code, text if isinstance(text, str) and text else code  # type: ignore[return-value]

    def wait(self, container_id: str, what: str) -> Status:
        """Reads the status with growing pauses until it is ``FINISHED`` (or ``PUBLISHED``).

        Raises:
            ProcessingFailed: ``ERROR``, with Instagram's subcode and what it means.
            PublishError: ``EXPIRED``, or still processing after ``timeout`` seconds.
        """
        waited = 0.0
        for poll in range(10_000):
            code, text = self.status(container_id)
            if code in {"FINISHED", "PUBLISHED"}:
                return code
            if code == "ERROR":
                subcode = int("".join(c for c in text.rsplit(" ", 1)[-1] if c.isdigit()) or 0)
                meaning = MEANINGS.get(subcode, "")
                raise ProcessingFailed(
                    f"Instagram could not process {what}: {text}"
                    + (f" ({meaning})" if meaning else ""),
                    subcode or None,
                )
            if code == "EXPIRED":
                raise PublishError(f"the container of {what} expired before it was published")
            pause = self.poll_seconds * min(2**poll, LONGEST_POLL)
            if waited + pause > self.timeout:
                break
            self.client.pause(pause)
            waited += pause
        raise PublishError(
            f"Instagram was still processing {what} after {waited:.0f} s: run the same "
            "command again later to go on"
        )

    def processed(self, make: Callable[[], str], what: str, made: str | None = None) -> str:
        """A ``FINISHED`` container: ``made`` (when given) or one ``make`` creates, waited for;
        while processing fails temporarily, another one from ``make``, up to ``remakes`` in all.

        Raises:
            ProcessingFailed: a failure for good, or the last of ``remakes`` temporary ones.
        """
        given = [made] if made is not None else []

        def once() -> str:
            container_id = given.pop() if given else make()
            self.wait(container_id, what)
            return container_id

        def again(state: tenacity.RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            logger.warning("%s; making a new container", failure)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(
                lambda exc: isinstance(exc, ProcessingFailed) and exc.temporary
            ),
            stop=tenacity.stop_after_attempt(self.remakes),
            wait=tenacity.wait_exponential(multiplier=self.poll_seconds, max=60),
            sleep=self.client.pause,
            before_sleep=again,
            reraise=True,
        )
        try:
            return retrying(once)
        except ProcessingFailed as exc:
            if not exc.temporary or self.remakes == 1:
                raise
            raise ProcessingFailed(f"{exc}; {self.remakes} containers tried", exc.subcode) from None

    def publish(self, container_id: str) -> str | None:
        """The new post's media id; ``None`` when its answer was lost but the container says
        ``PUBLISHED`` (the caller finds the post). Raises ``QuotaFull`` or ``PublishError``."""
        from mediasync_instagram._graph import GraphError

        def once() -> str | None:
            try:
                answer = self.client.call_once(
                    "POST", f"{self.user_id}/media_publish", creation_id=container_id
                )
            except GraphError as exc:
                failure = exc.failure
                codes = set() if failure is None else {failure.code, failure.subcode}
                lost = failure is None or failure.kind == "transient"
                if lost or codes & set(NOT_FOUND):
                    code, text = self.status(container_id)
                    if code == "PUBLISHED":
                        return None
                    if code != "FINISHED":
                        raise PublishError(f"the container cannot be published: {text}") from None
                    again = PublishError(f"Instagram refused publishing: {describe(exc)}")
                    raise _Again(again) from None
                self._raise(exc, "publishing")
            media_id = _media_id(answer)
            if media_id is None:  # as an answer lost: the container says whether it posted
                code, text = self.status(container_id)
                if code == "PUBLISHED":
                    return None
                error = PublishError("Instagram's answer to publishing holds no media id")
                if code != "FINISHED":
                    raise PublishError(f"the container cannot be published: {text}")
                raise _Again(error)
            return media_id

        try:
            return self._retrying(ATTEMPTS + 2)(once)
        except _Again as exc:
            raise exc.error from None

    def permalink(self, media_id: str) -> str | None:
        """The post's permalink; ``None`` when it cannot be read (the post is live anyway)."""
        try:
            answer = self.client.get(media_id, fields="permalink")
        except MediasyncError:
            return None
        link = answer.get("permalink")
        return link if isinstance(link, str) and link else None

    def find(self, story: bool, caption: str, since: datetime) -> tuple[str, str | None] | None:
        """The post made from a container whose ``media_publish`` answer was lost: among the
        account's newest media, the one made since ``since`` with ``caption`` (a story: made
        since then). ``None`` when none or several match."""
        edge = "stories" if story else "media"
        answer = self.client.get(
            f"{self.user_id}/{edge}", fields="id,caption,timestamp,permalink", limit=25
        )
        found = [
            media
            for media in answer.get("data") or []
            if isinstance(media, dict)
            and _time(media.get("timestamp")) >= since - FIND_SLACK
            and (story or (media.get("caption") or "") == caption)
        ]
        if len(found) != 1:
            return None
        link = found[0].get("permalink")
        return str(found[0]["id"]), link if isinstance(link, str) else None


STATUSES = ("FINISHED", "IN_PROGRESS", "ERROR", "EXPIRED", "PUBLISHED")


def _media_id(answer: Any) -> str | None:
    """The ``id`` of a creation's answer, ``None`` when it has none a Graph id can be."""
    media_id = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(media_id, bool) or not isinstance(media_id, str | int) or media_id == "":
        return None
    return str(media_id)


def _time(text: Any) -> datetime:
    if not isinstance(text, str):
        return datetime.min.replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
