"""A loopback fake of the Instagram Graph API (both login flavours) and its CDN, for httpx tests.

Usage::

    with FakeGraph() as graph:
        account = graph.account("bluebottle", posts=30, stories=2)
        token = graph.issue_token(account, age=2 * DAY)          # Instagram Login, long-lived
        base = graph.base_url                                    # "graph.instagram.com"
        ...  # point the plugin at base and graph.version
        graph.post_reel(account, "new!")                         # content changes behind its back
        graph.expire_cdn_urls()                                  # every media_url now answers 403
        graph.set_usage(account, call_count=100)                 # next call: code 80002
        graph.fail_next("user.media", code=190, subcode=463)    # faults on demand
        assert graph.api_calls() == 1

    Publishing (a client creates containers, polls them, publishes them over HTTP)::

        graph.set_processing_polls(2, "VIDEO")          # videos answer IN_PROGRESS twice
        graph.fail_processing(2207026)                  # the next container ends in ERROR
        graph.crash_after_publish()                     # media made, the answer never sent
        graph.set_publishing_quota(3); graph.set_quota_usage(account, 3)
        [fetch.url for fetch in graph.fetches()]        # what Instagram downloaded
        graph.containers(account)[-1].status_code(graph.now())
        graph.published(account)[-1].caption

Three listeners on 127.0.0.1: ``base_url`` (Instagram API with Instagram Login, the
graph.instagram.com of the docs), ``facebook_url`` (Instagram API with Facebook Login,
graph.facebook.com) and ``cdn_url`` (the scontent CDN that ``media_url`` points at). ``calls``
counts requests per endpoint (``me``, ``me.accounts``, ``page``, ``user``, ``user.media``,
``user.stories``, ``media``, ``media.children``, ``refresh_access_token``, the publishing
endpoints ``user.media.create``, ``container``, ``media_publish``, ``content_publishing_limit``,
``cdn``, and ``node``/``edge``/``unknown`` for paths that name nothing); ``requests`` logs them
with the token redacted from ``params`` (``RequestRecord.token`` keeps it, out of ``repr``;
``RequestRecord.body`` holds the parameters that came in a form or JSON body).

Documentation facts the fake follows (Meta for Developers, read for this fake):

- Hosts, versions: graph.instagram.com for Instagram Login, graph.facebook.com for Facebook
  Login (Instagram Platform "Reference"); every path starts with a version; v26.0 is the latest
  and v20.0 the oldest available (Graph API changelog); a retired version is served as the
  oldest available ("defaulted to the next oldest usable version", versioning guide) and the
  ``facebook-api-version`` header says so; a version that never existed is ``2500 Unknown path
  components``. ``/refresh_access_token`` is unversioned, as its reference shows it.
- Instagram Login ``GET /me?fields=user_id,username``: ``id`` is the app-scoped id,
  ``user_id`` the professional account id; the docs' sample wraps the node in ``{"data":
  [...]}`` and so does the fake (``me_envelope=False`` gives the flat node instead).
- Facebook Login: ``/me/accounts`` lists the user's Pages (default fields ``access_token,
  category, name, id, tasks``) and ``/{page-id}?fields=instagram_business_account`` gives
  ``{"instagram_business_account": {"id": …}, "id": …}``.
- IG User Media: "a maximum of 10K of the most recently created media" (``media_cap``), stories
  are not on it, time-based pagination with ``since``/``until`` Unix timestamps. IG User
  Stories: only stories younger than 24 hours. IG Media fields and their omissions: see
  ``_render``. Pagination: see ``_paging``. Errors: see ``_errors``. Usage headers and
  throttling: see ``_usage``. CDN links: see ``_cdn``.
- Tokens: ``access_token`` parameter or ``Authorization: Bearer`` header (the Instagram Login
  messaging docs use the header); 190 with subcode 463 when expired, 460/458/467 when
  invalidated, plain 190 "Cannot parse access token" when unknown or from the other flavour.
  Refresh: at least 24 hours old, not expired, long-lived; answer ``access_token, token_type
  ("bearer"), expires_in`` (60 days).
- Content publishing (Content Publishing guide; IG User Media, IG Container, IG User Media
  Publish, IG User Content Publishing Limit references; Error Codes), on both hosts: containers
  for an image, a reel, a story, carousel items and a carousel (``_container_spec``), Instagram
  really downloading the URLs it is given and judging the bytes (``_fetch``, ``_media_bytes``):
  images while the container is created, videos when processing completes; ``status_code``
  moving from ``IN_PROGRESS`` to ``FINISHED`` or ``ERROR``, ``EXPIRED`` after 24 hours,
  ``PUBLISHED`` (``_containers``); ``media_publish`` and the rolling 24-hour quota
  (``_publishing``); the documented codes and subcodes (``_errors.PUBLISHING_ERRORS``).
  Parameters come in the query string, a form body or a JSON body (``_params``).

Where the documentation is silent the fake takes the stricter reading, and says so:

- an id the token may not read answers exactly as an id that does not exist (100/33
  "Unsupported get request"), never a permission error that would confirm it exists;
- unversioned API calls are refused (the real API would use the app's default version);
- ``media_product_type`` is omitted on the Instagram Login host ("available for Instagram API
  with Facebook Login only"; ``instagram_omits`` changes the set);
- an album's own ``media_url`` is omitted; children carry no caption and no permalink;
- cursors fail once their item is removed (documented), after ``invalidate_cursors``, and with
  ``strict_cursors`` after any change; ``short_pages`` serves pages shorter than ``limit``;
- ``since``/``until`` are inclusive and take Unix timestamps only;
- a token refresh that is too early or on a short-lived token is code 100; the old token keeps
  its own expiry; stories past 24 hours are gone by id too; CDN links last ``cdn_url_ttl``;
- publishing: only loopback ``http`` URLs are fetched, redirects are failures, a fetched answer
  must say ``image/*`` or ``video/*``; parameters that do not apply to a container's kind, or that
  the reference does not list, are refused; a container is published once (a second
  ``media_publish`` is 24/2207008, never a second post); processing moves on with status reads
  (``processing_polls``: by default an image answers ``IN_PROGRESS`` once, a video three times,
  a carousel once), not with ``media_publish`` attempts; the quota defaults to 50 (the guide
  says 100, the two references 50). Not modelled: the 400-containers-a-day limit (no error is
  documented), resumable uploads, tags, locations, video codecs and durations. Each module's
  docstring lists its own readings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Literal

from fakes.instagram._api import AVAILABLE_VERSIONS, LATEST_VERSION, GraphApi, Settings
from fakes.instagram._cdn import CdnSigner
from fakes.instagram._containers import Container, Publication
from fakes.instagram._faults import ENDPOINTS, Fault, FaultKind, Faults
from fakes.instagram._fetch import Fetcher, FetchRecord
from fakes.instagram._model import (
    DAY,
    LONG_LIVED_SECONDS,
    Account,
    Clock,
    FacebookUser,
    GraphStore,
    Media,
    MediaType,
    ProductType,
    Token,
)
from fakes.instagram._publishing import DEFAULT_QUOTA, ProcessingKind, Publishing
from fakes.instagram._render import iso_timestamp
from fakes.instagram._server import GraphServer, RequestRecord
from fakes.instagram._usage import Usage, UsageMeter

__all__ = [
    "AVAILABLE_VERSIONS",
    "DAY",
    "ENDPOINTS",
    "LATEST_VERSION",
    "LONG_LIVED_SECONDS",
    "Account",
    "Container",
    "FacebookUser",
    "FakeGraph",
    "FetchRecord",
    "Media",
    "ProcessingKind",
    "RequestRecord",
    "Token",
    "iso_timestamp",
]

When = float | datetime | None
_ALBUM: tuple[MediaType, ...] = ("IMAGE", "VIDEO", "IMAGE", "IMAGE")


class FakeGraph:
    """The fake Graph API, its CDN, and helpers to shape accounts, tokens, usage and faults."""

    def __init__(
        self,
        *,
        versions: tuple[str, ...] = AVAILABLE_VERSIONS,
        media_cap: int = 10_000,
        default_limit: int = 25,
        max_limit: int = 100,
        cdn_url_ttl: float = 2 * DAY,
        me_envelope: bool = True,
        instagram_omits: frozenset[str] = frozenset({"media_product_type"}),
        strict_cursors: bool = False,
        short_pages: bool = False,
        processing_polls: dict[ProcessingKind, int] | None = None,
        publishing_quota: int = DEFAULT_QUOTA,
        fetch_timeout: float = 5.0,
    ) -> None:
        self.clock = Clock()
        self.store = GraphStore(self.clock)
        self.cdn = CdnSigner(self.store, cdn_url_ttl)
        self.faults = Faults()
        self.fetcher = Fetcher(self.clock.now, fetch_timeout)
        self.publishing = Publishing(
            self.store, self.fetcher, processing_polls or {}, publishing_quota
        )
        settings = Settings(
            default_limit=default_limit,
            max_limit=max_limit,
            media_cap=media_cap,
            short_pages=short_pages,
            strict_cursors=strict_cursors,
            me_envelope=me_envelope,
            instagram_omits=instagram_omits,
        )
        self.api = GraphApi(self.store, self.cdn, UsageMeter(), settings, self.publishing)
        self.server = GraphServer(self.api, self.cdn, self.faults, versions)
        self.version = versions[-1]
        """The latest version the fake serves: what a client should put in its URLs."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Instagram API with Instagram Login (graph.instagram.com)."""
        return self.server.base_urls["instagram"]

    @property
    def facebook_url(self) -> str:
        """Instagram API with Facebook Login (graph.facebook.com)."""
        return self.server.base_urls["facebook"]

    @property
    def cdn_url(self) -> str:
        return self.server.base_urls["cdn"]

    # -- what happened -----------------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        return self.server.calls

    @property
    def requests(self) -> list[RequestRecord]:
        return self.server.requests

    def api_calls(self) -> int:
        """Requests to either API host (CDN downloads not counted)."""
        with self.server.record_lock:
            return sum(1 for r in self.server.requests if r.host != "cdn")

    def downloads(self) -> list[RequestRecord]:
        with self.server.record_lock:
            return [r for r in self.server.requests if r.host == "cdn"]

    def token_leaks(self) -> list[RequestRecord]:
        """CDN requests that carried an access token: a client should never send one there."""
        return [r for r in self.downloads() if r.token is not None]

    def reset_counts(self) -> None:
        with self.server.record_lock:
            self.server.calls.clear()
            self.server.requests.clear()

    # -- time --------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Moves the fake's clock: stories age, tokens and CDN links expire, throttling lifts."""
        self.clock.advance(seconds)

    def _when(self, at: When) -> int:
        if at is None:
            return int(self.clock.now())
        return int(at.timestamp() if isinstance(at, datetime) else at)

    # -- accounts ----------------------------------------------------------------------------

    def facebook_user(self, name: str = "Fake Person") -> FacebookUser:
        """A Facebook user; pass it to ``account`` to let it manage several accounts' Pages."""
        return self.store.add_facebook_user(name)

    def account(
        self,
        username: str = "fake.account",
        *,
        posts: int = 0,
        stories: int = 0,
        name: str | None = None,
        spacing: float = 3600.0,
        facebook_user: FacebookUser | None = None,
        followers: int = 0,
    ) -> Account:
        """An account with ``posts`` feed items, newest first, ``spacing`` seconds apart.

        The mix is fixed by position: every fifth post (20%) is a carousel of two to four
        children with a video among them, one in ten (10%) a video, alternately a feed video
        and a reel; the rest are images. ``stories`` live stories are an hour apart.
        """
        account = self.store.add_account(username, name or username.title(), facebook_user)
        account.followers_count = followers
        now = int(self.clock.now())
        made = [self._generated_post(account, i, now - 60 - int(i * spacing)) for i in range(posts)]
        made += [
            self.store.make_media(account, "IMAGE", "STORY", now - 60 - j * 3600)
            for j in range(stories)
        ]
        self.store.publish_many(account, made)
        return account

    def _generated_post(self, account: Account, index: int, timestamp: int) -> Media:
        caption = f"Post {index} on the fake Graph API #mediasync"
        if index % 5 == 2:
            return self._carousel(account, _ALBUM[: 2 + index % 3], caption, timestamp)
        if index % 10 == 7:
            product: ProductType = "REELS" if index % 20 == 17 else "FEED"
            return self.store.make_media(
                account,
                "VIDEO",
                product,
                timestamp,
                caption=caption,
                shared_to_feed=True if product == "REELS" else None,
            )
        return self.store.make_media(account, "IMAGE", "FEED", timestamp, caption=caption)

    def _carousel(
        self,
        account: Account,
        kinds: Sequence[MediaType | tuple[MediaType, bytes]],
        caption: str | None,
        timestamp: int,
    ) -> Media:
        album = self.store.make_media(account, "CAROUSEL_ALBUM", "FEED", timestamp, caption=caption)
        for kind in kinds:
            media_type, data = kind if isinstance(kind, tuple) else (kind, None)
            album.children.append(
                self.store.make_media(
                    account, media_type, "FEED", timestamp, data=data, parent_id=album.id
                )
            )
        return album

    def get(self, media_id: str) -> Media:
        return self.store.media[media_id]

    # -- content changes behind the client's back --------------------------------------------

    def post_image(
        self,
        account: Account,
        caption: str | None = None,
        *,
        data: bytes | None = None,
        at: When = None,
        alt_text: str | None = None,
    ) -> Media:
        media = self.store.make_media(
            account, "IMAGE", "FEED", self._when(at), data=data, caption=caption, alt_text=alt_text
        )
        return self.store.publish(account, media)

    def post_video(
        self,
        account: Account,
        caption: str | None = None,
        *,
        data: bytes | None = None,
        thumbnail: bytes | None = None,
        at: When = None,
    ) -> Media:
        media = self.store.make_media(
            account,
            "VIDEO",
            "FEED",
            self._when(at),
            data=data,
            thumbnail=thumbnail,
            caption=caption,
        )
        return self.store.publish(account, media)

    def post_reel(
        self,
        account: Account,
        caption: str | None = None,
        *,
        data: bytes | None = None,
        thumbnail: bytes | None = None,
        at: When = None,
        shared_to_feed: bool = True,
        copyrighted: bool = False,
    ) -> Media:
        """A reel; ``copyrighted`` ones have no ``media_url`` (licensed audio, say)."""
        media = self.store.make_media(
            account,
            "VIDEO",
            "REELS",
            self._when(at),
            data=data,
            thumbnail=thumbnail,
            caption=caption,
            shared_to_feed=shared_to_feed,
            copyrighted=copyrighted,
        )
        return self.store.publish(account, media)

    def post_carousel(
        self,
        account: Account,
        children: Sequence[MediaType | tuple[MediaType, bytes]] = ("IMAGE", "VIDEO", "IMAGE"),
        caption: str | None = None,
        *,
        at: When = None,
    ) -> Media:
        """An album; each child is a type, or a ``(type, bytes)`` pair to fix its content."""
        with self.store.lock:
            album = self._carousel(account, children, caption, self._when(at))
            return self.store.publish(account, album)

    def post_story(
        self,
        account: Account,
        media_type: MediaType = "IMAGE",
        *,
        data: bytes | None = None,
        at: When = None,
    ) -> Media:
        """A story: on the stories edge (never on media) for 24 hours from ``at``."""
        media = self.store.make_media(account, media_type, "STORY", self._when(at), data=data)
        return self.store.publish(account, media)

    def edit_caption(self, media: Media, caption: str | None) -> None:
        with self.store.lock:
            media.caption = caption

    def delete_media(self, media: Media) -> None:
        """Removes a post, reel, story or whole album (a child removes its album, as on
        Instagram); cursors pointing at it stop working."""
        self.store.delete(media)

    def invalidate_cursors(self, account: Account) -> None:
        """Every cursor handed out for ``account`` so far is rejected from now on."""
        with self.store.lock:
            account.cursor_epoch += 1

    # -- CDN ---------------------------------------------------------------------------------

    def expire_cdn_urls(self) -> None:
        """Every ``media_url``/``thumbnail_url`` handed out so far answers 403 from now on."""
        self.cdn.expire_all()

    # -- tokens ------------------------------------------------------------------------------

    def issue_token(
        self,
        owner: Account | FacebookUser,
        *,
        flavour: Literal["instagram", "facebook"] = "instagram",
        age: float = 0.0,
        expires_in: float | None = None,
        long_lived: bool = True,
    ) -> str:
        """A token for ``owner``: an Account gets an Instagram Login token unless ``flavour`` is
        ``"facebook"`` (then its Page's Facebook user's); a FacebookUser a Facebook one.

        ``age`` seconds since it was issued; ``expires_in`` seconds left (default: what its
        kind lives, 60 days long-lived or one hour short-lived, less ``age``).
        """
        if isinstance(owner, FacebookUser):
            return self.store.issue_token(
                "facebook", owner.id, age=age, expires_in=expires_in, long_lived=long_lived
            ).value
        if flavour == "facebook":
            subject = owner.facebook_user_id
            return self.store.issue_token(
                "facebook", subject, age=age, expires_in=expires_in, long_lived=long_lived
            ).value
        return self.store.issue_token(
            "instagram", owner.id, age=age, expires_in=expires_in, long_lived=long_lived
        ).value

    def token(self, value: str) -> Token:
        """What the fake knows about a token (its owner, issue time, expiry)."""
        return self.store.tokens[value]

    def invalidate_token(self, value: str, subcode: int = 460) -> None:
        """The token stops working with code 190 and ``subcode`` (460: password changed)."""
        with self.store.lock:
            self.store.tokens[value].invalid_subcode = subcode

    # -- content publishing ------------------------------------------------------------------

    def containers(self, account: Account | None = None) -> list[Container]:
        """Containers created so far (``account``'s only, if given), oldest first."""
        with self.store.lock:
            made = list(self.store.containers.values())
        return [c for c in made if account is None or c.account_id == account.id]

    def container(self, container_id: str) -> Container:
        return self.store.containers[container_id]

    def published(self, account: Account) -> list[Media]:
        """The media ``account`` published through ``media_publish``, in the order published."""
        with self.store.lock:
            done = self.store.publications.get(account.id, [])
            return [self.store.media[p.media_id] for p in done if p.media_id in self.store.media]

    def fetches(self) -> list[FetchRecord]:
        """Every download Instagram attempted (image, video, reel cover), in order."""
        return self.fetcher.records()

    def set_processing_polls(self, polls: int, kind: ProcessingKind | None = None) -> None:
        """Containers created from now on answer ``IN_PROGRESS`` to ``polls`` status reads
        before completing: all of them, or only ``IMAGE``, ``VIDEO`` or ``CAROUSEL`` ones."""
        with self.store.lock:
            for each in [kind] if kind is not None else list(self.publishing.polls):
                self.publishing.polls[each] = polls

    def script_polls(self, container_id: str, polls: int) -> None:
        """``container_id`` answers ``IN_PROGRESS`` to ``polls`` more status reads."""
        with self.store.lock:
            self.store.containers[container_id].polls_left = polls

    def fail_processing(self, subcode: int, container_id: str | None = None) -> None:
        """Processing of ``container_id`` (or of the next container created) ends in ``ERROR``
        with ``subcode`` (2207026 unsupported video, 2207053 unknown upload error…)."""
        self.publishing.fail_processing(subcode, container_id)

    def set_publishing_quota(self, total: int) -> None:
        """``quota_total``: publications allowed per account in any 24 hours."""
        with self.store.lock:
            self.publishing.quota_total = total

    def set_quota_usage(self, account: Account, used: int, *, at: When = None) -> None:
        """Replaces ``account``'s publishing history with ``used`` publications made ``at`` (now
        by default; they count for 24 hours from then). They name no media."""
        if at is None:
            when = self.clock.now()
        else:
            when = at.timestamp() if isinstance(at, datetime) else float(at)
        with self.store.lock:
            self.store.publications[account.id] = [Publication(when, "", "")] * used

    def crash_after_publish(self, times: int = 1) -> None:
        """The next ``times`` ``media_publish`` calls publish, then close the connection
        without an answer: the media exists, the client never heard of it."""
        self.fail_next("media_publish", kind="crash", times=times)

    # -- usage and faults --------------------------------------------------------------------

    def set_usage(
        self,
        account: Account | None = None,
        *,
        call_count: int = 0,
        total_time: int = 0,
        total_cputime: int = 0,
        per_call: int = 0,
        regain_minutes: int = 60,
    ) -> None:
        """Usage percentages for ``account`` (its ``X-Business-Use-Case-Usage``) or, without
        one, the app (``X-App-Usage``). At 100 the next request is throttled (80002 for an
        account, 4 for the app) for ``regain_minutes`` of the fake's clock; ``per_call``
        points are added by each request."""
        usage = Usage(call_count, total_time, total_cputime, per_call, regain_minutes)
        self.api.usage.set(account.id if account is not None else None, usage)

    def usage_headers_after(self, calls: int) -> None:
        """Withholds the usage headers for the first ``calls`` requests, as the docs allow."""
        self.api.usage.headers_after = calls

    def fail_next(
        self,
        endpoint: str = "*",
        code: int | None = None,
        *,
        subcode: int | None = None,
        times: int = 1,
        kind: FaultKind | None = None,
        status: int | None = None,
        message: str | None = None,
        delay: float = 0.5,
        user_title: str | None = None,
        user_msg: str | None = None,
        body: bytes | None = None,
    ) -> None:
        """The next ``times`` requests to ``endpoint`` (``"*"``: any API endpoint) fail.

        With ``code`` (and ``subcode``) they answer that Graph error (a publishing subcode such
        as 2207051 brings its documented code and messages; a throttling code its usage
        headers); otherwise ``kind`` says how: ``"html"`` (502 page), ``"malformed"`` (cut-off
        JSON, or ``body``), ``"drop"`` (connection closed; mid-body on ``"cdn"``), ``"slow"``
        (``delay`` seconds, then served) or ``"crash"`` (served, then the connection closes
        unanswered).
        ``status`` and ``message`` override the defaults; ``user_title``/``user_msg`` fill the
        body's ``error_user_title``/``error_user_msg``.
        """
        chosen: FaultKind = kind or "error"
        fault = Fault(chosen, code, subcode, status, message, delay, user_title, user_msg, body)
        self.faults.add(endpoint, fault, times)
