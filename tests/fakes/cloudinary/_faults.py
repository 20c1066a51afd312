"""Faults on demand: the next N requests to an endpoint go wrong in a chosen way.

Kinds:

- ``"error"``: a JSON error body ``{"error": {"message": …}}`` with ``status`` (500 by default);
  420 and 429 also carry ``X-FeatureRateLimit-Limit/-Remaining/-Reset`` with nothing remaining;
- ``"html"``: an HTML error page, as a proxy in front of the API sends (502 unless another
  ``status`` is given);
- ``"malformed"``: status 200 (unless another ``status`` is given) with ``body`` served as JSON,
  by default one cut off half-way (``body`` as given: fields missing, values of the wrong type);
- ``"drop"``: the request is read, then the connection closes without an answer;
- ``"slow"``: the answer waits ``delay`` seconds, then is served normally.

A request that meets a fault changes nothing in the fake (an upload is not stored, a destroy
deletes nothing). Endpoints are the names in ``ENDPOINTS``; ``"*"`` matches every API endpoint
(not ``"delivery"``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ENDPOINTS", "Fault", "FaultKind", "Faults"]

FaultKind = Literal["error", "html", "malformed", "drop", "slow"]

CUT_OFF_JSON = b'{"asset_id": "4f1c2e", "public_id": "ms/'
"""The default ``malformed`` body."""

ENDPOINTS = frozenset(
    {
        "upload",
        "destroy",
        "ping",
        "usage",
        "resources",
        "resource",
        "resources_by_tag",
        "delete_resources",
        "delete_resources_by_tag",
        "delivery",
    }
)
DEFAULT_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    420: "Rate Limit Exceeded",
    429: "Rate Limit Exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 500
    message: str | None = None
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def text(self) -> str:
        return self.message or DEFAULT_MESSAGES.get(self.status, "Error")


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
        with self.lock:
            self.rules.append(_Rule(endpoint, fault, times))

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def pick(self, endpoint: str) -> Fault | None:
        with self.lock:
            for rule in self.rules:
                wildcard = rule.endpoint == "*" and endpoint != "delivery"
                if rule.remaining > 0 and (rule.endpoint == endpoint or wildcard):
                    rule.remaining -= 1
                    self.rules = [r for r in self.rules if r.remaining > 0]
                    self.injected[rule.fault.kind] += 1
                    return rule.fault
        return None
