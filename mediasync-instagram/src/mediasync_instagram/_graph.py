"""The Graph API over httpx: versioned URLs, the token kept out of every message, pages
followed by their absolute ``next`` links, waits for throttling and retries for transient
failures.

The token travels as the ``access_token`` query parameter, as Meta documents it. That puts it
in URLs, so no URL leaves this module unredacted: errors are built from our own text, and the
``httpx`` loggers (which log each request's URL) get a filter that masks it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import tenacity

from mediasync import AuthError, RateLimited, SourceError, SourceUnreachable
from mediasync_instagram._failures import (
    Failure,
    classify,
    redact,
    regain_seconds,
    usage_percent,
)
from mediasync_instagram._media import unreadable_media

__all__ = ["GraphClient", "GraphError", "MissingObject"]

SLOW_DOWN_AT = 80.0
"""Above this share of a rate limit used, calls are spaced out before Meta refuses them."""
TRANSIENT_ATTEMPTS = 4
THROTTLE_ATTEMPTS = 3
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class GraphError(SourceError):
    """The Graph API refused a request for a reason other than the token or throttling."""

    def __init__(self, message: str, failure: Failure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


class MissingObject(GraphError):
    """The media (or account) asked for does not exist, or is no longer visible."""


class _Transient(Exception):
    """A failure worth trying again: Meta says so, the server broke, the network dropped."""

    def __init__(self, message: str, failure: Failure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


class _RedactTokens(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = redact(message, secret)
        record.msg, record.args = redact(message, ""), None
        return True


_FILTER = _RedactTokens()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_FILTER)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class GraphClient:
    """One account's view of the Graph API: ``get`` a node or edge, ``pages`` of an edge."""

    def __init__(
        self,
        base_url: str,
        version: str,
        token: str,
        *,
        max_wait: float = 3600.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self._token = token
        _FILTER.secrets.add(token)
        self.max_wait = max_wait
        self._http = http or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
        self._sleep_with = sleep
        self.calls = 0
        self.waited = 0.0
        self._usage = 0.0

    def close(self) -> None:
        self._http.close()

    def _sleep(self, seconds: float) -> None:
        # The module's ``_sleep`` is looked up on each call, so tests can make waits instant.
        (self._sleep_with or _sleep)(seconds)

    def pause(self, seconds: float) -> None:
        """Waits as the client's own retries do (instant in tests that patch ``_sleep``)."""
        self.waited += seconds
        self._sleep(seconds)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """``GET /{version}/{path}`` with ``params``; the decoded JSON object."""
        return self._call("GET", self.url(path), params)

    def call_once(self, method: str, path: str, **params: Any) -> dict[str, Any]:
        """``method /{version}/{path}`` without retrying transient failures: for publishing
        steps, whose caller decides whether trying again is safe (a ``media_publish`` whose
        answer was lost may have posted). Throttling is still waited out (nothing happened).

        Raises:
            GraphError: any refusal, a transient one included (``failure.kind == "transient"``;
                ``failure.status == 0`` when the network failed).
            AuthError, RateLimited: as for ``get``.
        """
        return self._call(method, self.url(path), params, attempts=1)

    def get_unversioned(self, path: str, **params: Any) -> dict[str, Any]:
        """For the few endpoints outside the versioned tree (``refresh_access_token``)."""
        return self._call("GET", f"{self.base_url}/{path.lstrip('/')}", params)

    def pages(self, path: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
        """Each page's ``data`` of an edge, following ``paging.next`` only when asked."""
        document = self.get(path, **params)
        while True:
            data = document.get("data")
            if not isinstance(data, list):
                raise GraphError(f"the Graph API's answer for {path} holds no 'data' list")
            for item in data:  # a page read without some of its media would look like removals
                problem = unreadable_media(item)
                if problem is not None:
                    raise GraphError(
                        f"the Graph API's answer for {path} holds an item {problem}: not an "
                        "answer mediasync can read; try again later"
                    )
            yield data
            paging = document.get("paging") or {}
            following = paging.get("next") if isinstance(paging, dict) else None
            if following is not None and not isinstance(following, str):
                raise GraphError(f"the Graph API's answer for {path} has a paging link not text")
            if not following:
                return
            document = self._call("GET", self._own_url(str(following)), {})

    def _own_url(self, link: str) -> str:
        """A ``next`` link, checked to point at our API host, with our token in it."""
        parts = urlsplit(link)
        ours = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
            raise GraphError(f"a paging link points at another host ({parts.netloc})")
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        query = [(k, v) for k, v in query if k != "access_token"]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def download(
        self, url: str, headers: Mapping[str, str] | None = None
    ) -> AbstractContextManager[httpx.Response]:
        """A streamed GET of a CDN address (no token: media URLs carry their own signature)."""
        return self._http.stream("GET", url, headers=dict(headers or {}))

    def _call(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any],
        attempts: int = TRANSIENT_ATTEMPTS,
    ) -> dict[str, Any]:
        throttled = 0
        while True:
            try:
                return self._with_retries(method, url, params, attempts)
            except _Throttled as exc:
                throttled += 1
                wait = exc.wait if exc.wait is not None else 60.0 * 2 ** (throttled - 1)
                if throttled > THROTTLE_ATTEMPTS or wait > self.max_wait:
                    raise RateLimited(
                        f"Instagram rate limit reached: {exc.failure.describe()}; "
                        f"try again in {wait / 60:.0f} min",
                        retry_after=wait,
                    ) from None
                self.waited += wait
                self._sleep(wait)

    def _with_retries(
        self, method: str, url: str, params: Mapping[str, Any], attempts: int
    ) -> dict[str, Any]:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(attempts),
            wait=tenacity.wait_exponential(multiplier=1, max=16),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, url, params)
        except _Transient as exc:
            if attempts == 1:
                failure = exc.failure or Failure("transient", 0, str(exc))
                raise GraphError(str(exc), failure) from None
            raise SourceUnreachable(
                f"the Graph API failed {TRANSIENT_ATTEMPTS} times: {exc}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, params: Mapping[str, Any]) -> dict[str, Any]:
        self._pace()
        self.calls += 1
        # httpx replaces a URL's query with ``params``: a paging link's own query is kept here.
        parts = urlsplit(url)
        query = {**dict(parse_qsl(parts.query)), **params, "access_token": self._token}
        try:
            response = self._http.request(
                method, urlunsplit(parts._replace(query="")), params=query
            )
        except httpx.TransportError as exc:
            raise _Transient(f"{type(exc).__name__} talking to {urlsplit(url).netloc}") from None
        self._usage = usage_percent(response.headers)
        content_type = response.headers.get("content-type", "")
        if response.is_success:
            try:
                document = response.json()
            except ValueError:
                document = None
            if isinstance(document, dict):
                return document
        failure = classify(response.status_code, response.content, content_type)
        message = redact(failure.describe(), self._token)
        if failure.kind == "transient":
            raise _Transient(message, failure)
        if failure.kind == "throttled":
            raise _Throttled(failure, regain_seconds(response.headers))
        if failure.kind == "auth":
            raise AuthError(
                f"Instagram refused the access token: {message}; reconnect the account "
                "(mediasync instagram connect NAME --token NEW_TOKEN)"
            )
        if failure.kind == "missing":
            raise MissingObject(message, failure)
        if failure.kind == "malformed" and response.is_success:
            message = f"the Graph API answered HTTP {response.status_code} with no JSON object"
        raise GraphError(message, failure)

    def _pace(self) -> None:
        """Spaces calls out as a rate limit fills up, so the limit is not hit at all."""
        if self._usage <= SLOW_DOWN_AT:
            return
        pause = min(60.0, (self._usage - SLOW_DOWN_AT) * 3.0)
        self.waited += pause
        self._sleep(pause)


class _Throttled(Exception):
    def __init__(self, failure: Failure, wait: float | None) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.wait = wait
