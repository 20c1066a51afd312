"""Content publishing: containers created, processed and published, and the publishing quota.

``POST /{ig-user-id}/media`` → ``{"id": <container>}``; ``GET /{container}?fields=status_code``;
``POST /{ig-user-id}/media_publish?creation_id=…`` → ``{"id": <IG media>}``;
``GET /{ig-user-id}/content_publishing_limit``. Facts followed:

- "Video uploads are asynchronous, so receiving a container ID does not guarantee that the upload
  was successful" (IG User Media, "Response"): an image URL is fetched and judged while the
  container is created, so a bad image is an error answer to ``POST /media``; a video (and a reel
  cover) is fetched when processing completes, so a bad one is a container in ``ERROR``.
- A container answers ``IN_PROGRESS`` to ``polls`` status reads (per kind: image, video,
  carousel; or scripted per container), then completes: ``FINISHED``, or ``ERROR`` with the
  subcode in ``status``. Publishing one not ready is 9007/2207027 "The media is not ready for
  publishing, please wait for a moment"; "Containers expire after 24 hours" (``EXPIRED``).
- ``media_publish`` gives the IG Media id; the media then lists on the account's media edge (or
  stories edge) with the container's caption, the fake's time as ``timestamp``, a permalink.
- Rate limit: "limited to 100 API-published posts within a 24-hour moving period. Carousels count
  as a single post. This limit is enforced on the POST /<IG_ID>/media_publish endpoint" (guide);
  over it, 9/2207042. The ``content_publishing_limit`` reference says ``quota_total`` is
  "currently 50" and the ``media_publish`` reference says 50 too: the fake's default is 50
  (``quota_total`` changes it). That edge answers ``{"data": [{"quota_usage": K, "config":
  {"quota_total": N, "quota_duration": 86400}}]}``; without ``fields`` only ``quota_usage``;
  ``since`` is "A Unix timestamp no older than 24 hours".

Stricter than the documentation, which does not say: a status read is what moves processing on
(``media_publish`` attempts do not); a carousel's children must be carousel items of the same
account, ``FINISHED``, not yet used by a published carousel; publishing a container a second time,
publishing another account's container and publishing an expired one are all 24/2207008 ("The
media builder with creation id = … does not exist or has been expired"): a second post never
happens; a carousel item cannot be published on its own; a container in ``ERROR`` answers
``media_publish`` with its own error; unknown parameters of ``media_publish`` are refused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, Literal

from fakes.instagram._container_spec import ContainerSpec, parse_container
from fakes.instagram._containers import CONTAINER_FIELDS, Container, Publication
from fakes.instagram._errors import (
    PUBLISHING_ERRORS,
    MediaRejected,
    invalid_parameter,
    nonexisting_field,
    publishing_error,
)
from fakes.instagram._fetch import Fetcher
from fakes.instagram._fields import Field, Fields, parse_fields
from fakes.instagram._media_bytes import IMAGE_MAX_BYTES, check_image, check_video
from fakes.instagram._model import DAY, Account, GraphStore, Media, MediaType, ProductType

__all__ = ["DEFAULT_POLLS", "DEFAULT_QUOTA", "ProcessingKind", "Publishing"]

ProcessingKind = Literal["IMAGE", "VIDEO", "CAROUSEL"]
DEFAULT_POLLS: dict[ProcessingKind, int] = {"IMAGE": 1, "VIDEO": 3, "CAROUSEL": 1}
DEFAULT_QUOTA = 50
VIDEO_MAX_BYTES = 300 * 1000 * 1000
"""Reel Specifications: "File size: 300MB maximum" (read up to; not an error of its own)."""
_PUBLISH_PARAMS = frozenset({"creation_id", "access_token", "appsecret_proof"})


def _processing_kind(spec: ContainerSpec) -> ProcessingKind:
    if spec.kind == "CAROUSEL":
        return "CAROUSEL"
    return "VIDEO" if spec.is_video else "IMAGE"


class Publishing:
    """The publishing endpoints over the store, and the switches tests turn."""

    def __init__(
        self, store: GraphStore, fetcher: Fetcher, polls: Mapping[ProcessingKind, int], quota: int
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.polls: dict[ProcessingKind, int] = {**DEFAULT_POLLS, **polls}
        self.quota_total = quota
        self.failures: deque[int] = deque()
        """Subcodes the next containers created will fail processing with."""

    # -- POST /{ig-user-id}/media --------------------------------------------------------------

    def create(self, params: Mapping[str, str], account: Account) -> dict[str, str]:
        spec = parse_container(params)
        for child_id in spec.children:
            self._check_child(account, child_id)
        data = None
        if spec.image_url is not None:
            data = self._fetch_image(spec.image_url, feed=spec.feed_image)
        store = self.store
        with store.lock:
            container = Container(
                store.new_container_id(), account.id, spec, store.clock.now(), data=data
            )
            container.polls_left = self.polls[_processing_kind(spec)]
            if self.failures:
                container.fail_with = self.failures.popleft()
            store.containers[container.id] = container
            return {"id": container.id}

    def _check_child(self, account: Account, child_id: str) -> None:
        child = self._own_container(account, child_id)
        if not child.spec.is_carousel_item:
            raise invalid_parameter(
                f"Container {child_id} is not a carousel item: create it with is_carousel_item=true"
            )
        self._ready(child)

    def _fetch_image(self, url: str, *, feed: bool) -> bytes:
        try:
            data = self.fetcher.fetch(url, "image_url", IMAGE_MAX_BYTES)
            check_image(data, feed=feed)
        except MediaRejected as rejected:
            raise rejected.error() from None
        return data

    # -- processing ----------------------------------------------------------------------------

    def _settle(self, container: Container) -> None:
        """Completes processing when its polls are spent: fetches a video (outside the lock)."""
        store = self.store
        with store.lock:
            if (
                container.state != "IN_PROGRESS"
                or container.polls_left > 0
                or container.processing
                or container.expired(store.clock.now())
            ):
                return
            if container.fail_with is not None or not container.spec.is_video:
                self._complete(container, container.fail_with)
                return
            container.processing = True
        try:
            data, cover = self._fetch_video(container.spec)
            subcode: int | None = None
        except MediaRejected as rejected:
            data, cover, subcode = None, None, rejected.subcode
        except BaseException:
            with store.lock:
                container.processing = False
            raise
        with store.lock:
            container.processing = False
            container.data, container.cover = data, cover
            self._complete(container, subcode)

    def _fetch_video(self, spec: ContainerSpec) -> tuple[bytes, bytes | None]:
        assert spec.video_url is not None
        data = self.fetcher.fetch(spec.video_url, "video_url", VIDEO_MAX_BYTES)
        check_video(data)
        if spec.cover_url is None:
            return data, None
        cover = self.fetcher.fetch(spec.cover_url, "cover_url", IMAGE_MAX_BYTES)
        check_image(cover, feed=False)
        return data, cover

    @staticmethod
    def _complete(container: Container, subcode: int | None) -> None:
        container.state = "FINISHED" if subcode is None else "ERROR"
        container.error_subcode = subcode

    def _ready(self, container: Container) -> None:
        """Raises unless ``container`` is ``FINISHED``: the error a publish of it would get."""
        self._settle(container)
        with self.store.lock:
            code = container.status_code(self.store.clock.now())
            if code == "IN_PROGRESS":
                raise publishing_error(2207027)
            if code == "ERROR":
                assert container.error_subcode is not None
                raise publishing_error(container.error_subcode)
            if code != "FINISHED":
                raise publishing_error(2207008, creation_id=container.id)

    def _own_container(self, account: Account, container_id: str) -> Container:
        with self.store.lock:
            container = self.store.containers.get(container_id)
        if container is None or container.account_id != account.id:
            raise publishing_error(2207008, creation_id=container_id)
        return container

    # -- GET /{container-id} -------------------------------------------------------------------

    def status(
        self, container_id: str, params: Mapping[str, str], node_type: str
    ) -> dict[str, Any]:
        fields: Fields = parse_fields(params["fields"]) if params.get("fields") else {}
        for name in fields:
            if name not in CONTAINER_FIELDS:
                raise nonexisting_field(name, node_type)
        store = self.store
        with store.lock:
            container = store.containers[container_id]
            polled = (
                container.state == "IN_PROGRESS"
                and container.polls_left > 0
                and not container.expired(store.clock.now())
            )
            if polled:
                container.polls_left -= 1
        if not polled:
            self._settle(container)
        with store.lock:
            return container.render(fields, store.clock.now(), node_type)

    # -- POST /{ig-user-id}/media_publish ------------------------------------------------------

    def publish(self, params: Mapping[str, str], account: Account) -> dict[str, str]:
        unknown = sorted(set(params) - _PUBLISH_PARAMS)
        if unknown:
            raise invalid_parameter(f"Unknown parameter {unknown[0]!r} for media_publish")
        creation_id = params.get("creation_id", "").strip()
        if not creation_id:
            raise invalid_parameter("The parameter creation_id is required")
        container = self._own_container(account, creation_id)
        self._ready(container)
        children = [self._own_container(account, kid) for kid in container.spec.children]
        for child in children:
            self._ready(child)
        store = self.store
        with store.lock:
            if container.state != "FINISHED":  # published meanwhile by a concurrent request
                raise publishing_error(2207008, creation_id=creation_id)
            if container.spec.is_carousel_item:
                raise invalid_parameter(
                    f"Container {creation_id} is a carousel item: publish the CAROUSEL "
                    "container that lists it"
                )
            now = store.clock.now()
            if self.usage(account, now - DAY) >= self.quota_total:
                raise publishing_error(2207042)
            media = self._media_for(account, container, children, int(now))
            store.publish(account, media)
            store.publications.setdefault(account.id, []).append(
                Publication(now, container.id, media.id)
            )
            return {"id": media.id}

    def _media_for(
        self, account: Account, container: Container, children: list[Container], at: int
    ) -> Media:
        """The IG Media a container becomes; it and its children are ``PUBLISHED`` after."""
        made = self._make(account, container, _product(container.spec), at)
        for child in children:
            kid = self._make(account, child, "FEED", at, parent_id=made.id)
            made.children.append(kid)
        for each in (container, *children):
            each.state = "PUBLISHED"
        return made

    def _make(
        self,
        account: Account,
        container: Container,
        product: ProductType,
        at: int,
        *,
        parent_id: str | None = None,
    ) -> Media:
        spec = container.spec
        media_type: MediaType = "VIDEO" if spec.is_video else "IMAGE"
        if spec.kind == "CAROUSEL":
            media_type = "CAROUSEL_ALBUM"
        reel = spec.kind == "REELS"
        media = self.store.make_media(
            account,
            media_type,
            product,
            at,
            data=container.data,
            thumbnail=container.cover,
            parent_id=parent_id,
            caption=spec.caption,
            alt_text=spec.alt_text,
            shared_to_feed=(spec.share_to_feed is not False) if reel else None,
        )
        container.media_id = media.id
        return media

    # -- GET /{ig-user-id}/content_publishing_limit --------------------------------------------

    def usage(self, account: Account, since: float) -> int:
        """Publications of ``account`` at or after ``since`` and less than 24 hours old."""
        with self.store.lock:
            window = self.store.clock.now() - DAY
            done = self.store.publications.get(account.id, [])
            return sum(1 for p in done if p.at > window and p.at >= since)

    def limit(self, params: Mapping[str, str], account: Account, node_type: str) -> dict[str, Any]:
        fields: Fields = (
            parse_fields(params["fields"])
            if params.get("fields")
            else {"quota_usage": Field("quota_usage")}
        )
        now = self.store.clock.now()
        since = now - DAY
        text = params.get("since")
        if text:
            if not text.isdigit() or int(text) < now - DAY:
                raise invalid_parameter("since must be a Unix timestamp no older than 24 hours")
            since = int(text)
        entry: dict[str, Any] = {}
        for name in fields:
            if name == "quota_usage":
                entry[name] = self.usage(account, since)
            elif name == "config":
                entry[name] = {"quota_total": self.quota_total, "quota_duration": DAY}
            else:
                raise nonexisting_field(name, node_type)
        return {"data": [entry]}

    # -- switches for tests --------------------------------------------------------------------

    def fail_processing(self, subcode: int, container_id: str | None = None) -> None:
        if subcode not in PUBLISHING_ERRORS:
            raise ValueError(f"{subcode} is not a subcode of the Error Codes table")
        with self.store.lock:
            if container_id is None:
                self.failures.append(subcode)
            else:
                self.store.containers[container_id].fail_with = subcode


def _product(spec: ContainerSpec) -> ProductType:
    if spec.kind == "REELS":
        return "REELS"
    return "STORY" if spec.kind == "STORIES" else "FEED"
