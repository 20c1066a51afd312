"""The Graph API endpoints of both login flavours, as functions of the store and one request.

Instagram API with Instagram Login (graph.instagram.com): ``/me``, ``/{ig-user-id}``,
``/{ig-user-id}/media``, ``/{ig-user-id}/stories`` (``me`` works in place of the id),
``/{media-id}``, ``/{media-id}/children`` and ``/refresh_access_token``. Instagram API with
Facebook Login (graph.facebook.com): ``/me``, ``/me/accounts``, ``/{page-id}`` and the same IG
User and IG Media nodes. Both serve content publishing (see ``_publishing``): ``POST
/{ig-user-id}/media``, ``GET /{container-id}``, ``POST /{ig-user-id}/media_publish`` and ``GET
/{ig-user-id}/content_publishing_limit``. Every call but the token refresh carries a version
prefix; each endpoint answers one method, any other is an "Unsupported … request".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fakes.instagram._cdn import CdnSigner
from fakes.instagram._errors import (
    GraphError,
    invalid_parameter,
    invalid_token,
    missing_token,
    token_error,
    unknown_path,
    unsupported_request,
)
from fakes.instagram._fields import Fields, parse_fields
from fakes.instagram._model import DAY, LONG_LIVED_SECONDS, Account, GraphStore, Media, Token
from fakes.instagram._paging import CursorCodec, paginate
from fakes.instagram._publishing import Publishing
from fakes.instagram._render import FACEBOOK_USER_DEFAULT, ID_ONLY, PAGE_DEFAULT, Renderer
from fakes.instagram._usage import UsageMeter

__all__ = [
    "AVAILABLE_VERSIONS",
    "LATEST_VERSION",
    "PUBLISHING_ENDPOINTS",
    "Call",
    "GraphApi",
    "Route",
    "Settings",
    "served_version",
]

Host = Literal["instagram", "facebook"]

AVAILABLE_VERSIONS = ("v20.0", "v21.0", "v22.0", "v23.0", "v24.0", "v25.0", "v26.0")
"""Graph API changelog: v26.0 is the latest; v20.0 is available until 24 September 2026."""
LATEST_VERSION = AVAILABLE_VERSIONS[-1]
_VERSION = re.compile(r"^v(\d+)\.(\d+)$")
_RETIRED_MINORS = {2: 12, 3: 3}
"""v2.0 to v2.12 and v3.0 to v3.3 existed; from v4.0 on every major had only ``.0``."""


def served_version(version: str, available: tuple[str, ...]) -> str | None:
    """The version a call to ``version`` is served as, or None when no such version exists.

    Versioning guide: "once a version is no longer usable, any calls made to it will be
    defaulted to the next oldest usable version".
    """
    if version in available:
        return version
    match = _VERSION.match(version)
    oldest = _VERSION.match(available[0])
    if match is None or oldest is None:
        return None
    major, minor = int(match[1]), int(match[2])
    existed = minor <= _RETIRED_MINORS.get(major, 0) and major >= 2
    older = (major, minor) < (int(oldest[1]), int(oldest[2]))
    return available[0] if existed and older else None


@dataclass(frozen=True)
class Settings:
    default_limit: int = 25
    max_limit: int = 100
    media_cap: int = 10_000
    """IG User Media: "Returns a maximum of 10K of the most recently created media"."""
    short_pages: bool = False
    strict_cursors: bool = False
    me_envelope: bool = True
    instagram_omits: frozenset[str] = frozenset({"media_product_type"})


@dataclass(frozen=True)
class Call:
    """One request as the API sees it."""

    host: Host
    base_url: str
    path: str
    params: Mapping[str, str]
    token: str | None


@dataclass(frozen=True)
class Route:
    endpoint: str
    node: str | None = None
    edge: str | None = None
    method: str = "GET"
    """The one HTTP method the endpoint serves."""


PUBLISHING_ENDPOINTS = frozenset(
    {"user.media.create", "container", "media_publish", "content_publishing_limit"}
)
_EDGES: dict[tuple[str, str], dict[str, str]] = {
    ("user", "media"): {"GET": "user.media", "POST": "user.media.create"},
    ("user", "stories"): {"GET": "user.stories"},
    ("user", "media_publish"): {"POST": "media_publish"},
    ("user", "content_publishing_limit"): {"GET": "content_publishing_limit"},
    ("media", "children"): {"GET": "media.children"},
    ("facebook_user", "accounts"): {"GET": "me.accounts"},
}
"""(node kind, edge) → the endpoint each method reaches."""


class GraphApi:
    def __init__(
        self,
        store: GraphStore,
        cdn: CdnSigner,
        usage: UsageMeter,
        settings: Settings,
        publishing: Publishing,
    ) -> None:
        self.store = store
        self.cdn = cdn
        self.usage = usage
        self.settings = settings
        self.publishing = publishing
        self.cursors = CursorCodec()
        self.renderers = {
            host: Renderer(store, cdn, host, settings.instagram_omits)
            for host in ("instagram", "facebook")
        }

    # -- routing -----------------------------------------------------------------------------

    def route(self, host: Host, segments: list[str], method: str = "GET") -> Route:
        """The endpoint a path names (ids looked up, so counters say what was asked for)."""
        if host == "instagram" and segments == ["refresh_access_token"]:
            return Route("refresh_access_token")
        if not segments or len(segments) > 2:
            return Route("unknown", edge="/" + "/".join(segments))
        node, edge = segments[0], segments[1] if len(segments) == 2 else None
        store = self.store
        with store.lock:
            if node == "me":
                kind = "user" if host == "instagram" else "facebook_user"
            elif store.account_for(node, host) is not None:
                kind = "user"
            elif node in store.media:
                kind = "media"
            elif node in store.containers:
                kind = "container"
            elif host == "facebook" and node in store.pages:
                kind = "page"
            else:
                return Route("node", node, edge)
        if edge is None:
            return Route("me" if node == "me" else kind, node)
        methods = _EDGES.get((kind, edge))
        if methods is None:
            return Route("edge", node, edge)
        served = method if method in methods else next(iter(methods))
        return Route(methods[served], node, edge, served)

    # -- serving -----------------------------------------------------------------------------

    def handle(self, call: Call, route: Route) -> tuple[int, Any, dict[str, str]]:
        headers: dict[str, str] = {}
        try:
            token = self._authenticate(call, route)
            if route.endpoint == "refresh_access_token":
                return 200, self._refresh(call, token), headers
            account = self._account_of(call, route, token)
            usage_headers, throttled = self.usage.charge(
                self.store.clock.now(),
                app=call.host == "facebook",
                account_id=account.id if account is not None else None,
            )
            headers.update(usage_headers)
            if throttled is not None:
                raise throttled
            if route.endpoint in PUBLISHING_ENDPOINTS:
                assert account is not None
                return 200, self._publish(call, route, account), headers
            return 200, self._dispatch(call, route, token, account), headers
        except GraphError as error:
            return error.status, error.body(), headers

    def _authenticate(self, call: Call, route: Route) -> Token:
        if not call.token:
            raise missing_token(route.endpoint in {"me", "me.accounts"})
        token = self.store.tokens.get(call.token)
        if token is None or token.flavour != call.host:
            raise invalid_token()
        if token.invalid_subcode is not None:
            raise token_error(token.invalid_subcode)
        if self.store.clock.now() >= token.expires_at:
            raise token_error(463)
        return token

    def _account_of(self, call: Call, route: Route, token: Token) -> Account | None:
        """The Instagram account the request is about, checked against what the token may see.

        An id the token may not read gets the same answer as an id that does not exist (code
        100, subcode 33): the fake never tells a client whose media it is.
        """
        store = self.store
        node = route.node or ""
        with store.lock:
            if route.endpoint in {"unknown", "node"}:
                if route.endpoint == "node":
                    raise unsupported_request(node)
                raise unknown_path(route.edge or "")
            if node == "me" and call.host == "instagram":
                return store.accounts.get(token.subject)
            if node == "me" or route.endpoint == "page":
                if route.endpoint == "page" and not self._page_visible(node, token):
                    raise unsupported_request(node)
                return None
            account = store.account_for(node, call.host)
            if account is None:
                account = self._owner_of(node)
            if account.id not in store.visible_accounts(token):
                raise unsupported_request(node)
            return account

    def _owner_of(self, node: str) -> Account:
        """The account whose media or container ``node`` is (100/33 when there is none)."""
        store = self.store
        container = store.containers.get(node)
        if container is not None:
            return store.accounts[container.account_id]
        media = store.media.get(node)
        if media is None or not store.readable(media):
            raise unsupported_request(node)
        return store.accounts[media.account_id]

    def throttle_headers(self, call: Call, route: Route, code: int) -> dict[str, str]:
        """The usage headers an injected throttling error ``code`` comes with."""
        account: Account | None = None
        token = self.store.tokens.get(call.token or "")
        if token is not None:
            try:
                account = self._account_of(call, route, token)
            except GraphError:
                account = None
        return self.usage.limit_headers(code, account.id if account is not None else None)

    def _page_visible(self, page_id: str, token: Token) -> bool:
        user = self.store.facebook_users.get(token.subject)
        return token.flavour == "facebook" and user is not None and page_id in user.page_ids

    def _fields(self, call: Call, default: Fields) -> Fields:
        text = call.params.get("fields")
        return parse_fields(text) if text else default

    def _dispatch(
        self, call: Call, route: Route, token: Token, account: Account | None
    ) -> dict[str, Any]:
        render = self.renderers[call.host]
        store = self.store
        with store.lock:
            if route.endpoint == "edge":
                raise unknown_path(f"/{route.edge}")
            if route.endpoint == "me" and call.host == "facebook":
                user = store.facebook_users[token.subject]
                return render.facebook_user(user, self._fields(call, FACEBOOK_USER_DEFAULT))
            if route.endpoint in {"me", "user"}:
                assert account is not None
                body = render.user(account, self._fields(call, ID_ONLY))
                if route.endpoint == "me" and self.settings.me_envelope:
                    return {"data": [body]}
                return body
            if route.endpoint == "me.accounts":
                return self._pages(call, token)
            if route.endpoint == "page":
                return render.page(store.pages[route.node or ""], self._fields(call, ID_ONLY))
            assert account is not None
            if route.endpoint == "user.media":
                return self._list(call, account, "media", self._feed(call, account))
            if route.endpoint == "user.stories":
                return self._list(call, account, "stories", store.live_stories(account))
            media = store.media[route.node or ""]
            if route.endpoint == "media":
                return render.media(media, self._fields(call, ID_ONLY))
            kids = [kid for kid in media.children if not kid.deleted]
            fields = self._fields(call, ID_ONLY)
            return {"data": [render.media(kid, fields) for kid in kids]}

    def _publish(self, call: Call, route: Route, account: Account) -> dict[str, Any]:
        """Publishing endpoints take the store's lock themselves: they fetch media without it."""
        publishing = self.publishing
        shadow = "Shadow" if call.host == "facebook" else ""
        if route.endpoint == "user.media.create":
            return publishing.create(call.params, account)
        if route.endpoint == "media_publish":
            return publishing.publish(call.params, account)
        if route.endpoint == "content_publishing_limit":
            node_type = f"{shadow}IGUserContentPublishingLimit"
            return publishing.limit(call.params, account, node_type)
        return publishing.status(route.node or "", call.params, f"{shadow}IGMediaBuilder")

    def _feed(self, call: Call, account: Account) -> list[Media]:
        """The newest ``media_cap`` feed posts and reels, then the ``since``/``until`` window.

        Both bounds are inclusive (the docs do not say): a client that asks ``since`` its
        newest known timestamp gets that post again and must tell it is not new.
        """
        items = [m for m in account.media if not m.deleted][: self.settings.media_cap]
        since = _time_param(call.params, "since")
        until = _time_param(call.params, "until")
        return [
            m
            for m in items
            if (since is None or m.timestamp >= since) and (until is None or m.timestamp <= until)
        ]

    def _list(self, call: Call, account: Account, edge: str, items: list[Media]) -> dict[str, Any]:
        settings = self.settings
        epoch = str(account.cursor_epoch)
        if settings.strict_cursors:
            epoch += f".{account.revision}"
        page = paginate(
            [m.id for m in items],
            call.params,
            codec=self.cursors,
            scope=f"{edge}:{account.id}",
            epoch=epoch,
            default_limit=settings.default_limit,
            max_limit=settings.max_limit,
            short_pages=settings.short_pages,
            link=lambda limit, cursor: _link(call, limit, cursor),
        )
        fields = self._fields(call, ID_ONLY)
        render = self.renderers[call.host]
        body: dict[str, Any] = {
            "data": [render.media(m, fields) for m in items[page.start : page.end]]
        }
        if page.paging is not None:
            body["paging"] = page.paging
        return body

    def _pages(self, call: Call, token: Token) -> dict[str, Any]:
        user = self.store.facebook_users[token.subject]
        page = paginate(
            user.page_ids,
            call.params,
            codec=self.cursors,
            scope=f"accounts:{user.id}",
            epoch="0",
            default_limit=self.settings.default_limit,
            max_limit=self.settings.max_limit,
            short_pages=self.settings.short_pages,
            link=lambda limit, cursor: _link(call, limit, cursor),
        )
        fields = self._fields(call, PAGE_DEFAULT)
        render = self.renderers[call.host]
        pages = [self.store.pages[p] for p in user.page_ids[page.start : page.end]]
        body: dict[str, Any] = {"data": [render.page(p, fields) for p in pages]}
        if page.paging is not None:
            body["paging"] = page.paging
        return body

    def _refresh(self, call: Call, token: Token) -> dict[str, Any]:
        """``GET /refresh_access_token?grant_type=ig_refresh_token``.

        The reference: refresh "a long-lived access token that is at least 24 hours old but
        has not expired. Refreshed tokens are valid for 60 days"; the answer is
        ``{"access_token", "token_type": "bearer", "expires_in"}``. It gives no error body for a
        token too young or short-lived: the fake answers code 100 (not 190, since the token
        itself is still good). The old token keeps its own expiry (the docs are silent).
        """
        if call.params.get("grant_type") != "ig_refresh_token":
            raise invalid_parameter("grant_type must be ig_refresh_token")
        if not token.long_lived:
            raise invalid_parameter("Only long-lived Instagram User access tokens can be refreshed")
        if self.store.clock.now() - token.issued_at < DAY:
            raise invalid_parameter(
                "The access token must be at least 24 hours old to be refreshed"
            )
        fresh = self.store.issue_token("instagram", token.subject)
        return {
            "access_token": fresh.value,
            "token_type": "bearer",
            "expires_in": LONG_LIVED_SECONDS,
        }


def _time_param(params: Mapping[str, str], name: str) -> int | None:
    """A Unix timestamp; the docs also allow strtotime() text, which the fake refuses."""
    text = params.get(name)
    if text is None or text == "":
        return None
    if not text.lstrip("-").isdigit():
        raise invalid_parameter(
            f"{name} must be a Unix timestamp (the fake takes no strtotime text)"
        )
    return int(text)


def _link(call: Call, limit: int, cursor: dict[str, str]) -> str:
    """An absolute URL on the answering host for a neighbouring page, token and fields kept."""
    query: dict[str, str] = {}
    if call.token:
        query["access_token"] = call.token
    for key, value in call.params.items():
        if key not in {"access_token", "after", "before", "limit"}:
            query[key] = value
    query["limit"] = str(limit)
    query.update(cursor)
    return f"{call.base_url}{call.path}?{urlencode(query)}"
