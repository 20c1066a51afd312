"""Faults on demand: the next N requests to an endpoint go wrong in a chosen way.

Kinds:

- ``"error"``: a Graph error body for ``code``/``subcode`` (190 with 458/460/463/467, throttling
  4/17/32/613/80002 with ``is_transient``, transient 1 and 2 with HTTP 500/503, anything else);
- ``"html"``: an HTML page with status 502, as a proxy in front of the API sends;
- ``"malformed"``: status 200 with a JSON body cut off half-way, or with ``body`` as given
  (fields missing, values of the wrong type; ``status`` another status);
- ``"drop"``: the connection closes: before any response on the API, half-way through the body
  on the CDN (the ``Content-Length`` promised in full);
- ``"slow"``: the response waits ``delay`` seconds, then is served normally;
- ``"crash"``: the request is served in full (a ``media_publish`` creates the media), then the
  connection closes before the response: the client never learns what happened.

Endpoints are the names in ``ENDPOINTS``; ``"*"`` matches every API endpoint (not the CDN).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ENDPOINTS", "Fault", "FaultKind", "Faults"]

FaultKind = Literal["error", "html", "malformed", "drop", "slow", "crash"]

ENDPOINTS = frozenset(
    {
        "me",
        "me.accounts",
        "page",
        "user",
        "user.media",
        "user.stories",
        "media",
        "media.children",
        "refresh_access_token",
        "user.media.create",
        "container",
        "media_publish",
        "content_publishing_limit",
        "cdn",
    }
)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    code: int | None = None
    subcode: int | None = None
    status: int | None = None
    message: str | None = None
    delay: float = 0.0
    user_title: str | None = None
    user_msg: str | None = None
    body: bytes | None = None
    """``malformed``: the answer's body, served as JSON (default: one cut off half-way)."""


@dataclass
class _Rule:
    endpoint: str
    fault: Fault
    remaining: int


@dataclass
class Faults:
    """Rules are tried in the order added; ``injected`` counts faults served per kind."""

    rules: list[_Rule] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, fault: Fault, times: int) -> None:
        if endpoint != "*" and endpoint not in ENDPOINTS:
            known = ", ".join(sorted(ENDPOINTS))
            raise ValueError(f"unknown endpoint {endpoint!r} (known: {known}, or '*')")
        if fault.kind == "error" and fault.code is None:
            raise ValueError("an 'error' fault needs a code")
        with self.lock:
            self.rules.append(_Rule(endpoint, fault, times))

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def pick(self, endpoint: str) -> Fault | None:
        with self.lock:
            for rule in self.rules:
                wildcard = rule.endpoint == "*" and endpoint in ENDPOINTS and endpoint != "cdn"
                if rule.remaining > 0 and (rule.endpoint == endpoint or wildcard):
                    rule.remaining -= 1
                    self.rules = [r for r in self.rules if r.remaining > 0]
                    self.injected[rule.fault.kind] += 1
                    return rule.fault
        return None
