"""Faults on demand: the next N requests fail, or a seeded share of them does.

Kinds: ``"429"`` (with ``Retry-After``), ``"500"``, ``"503"``, ``"403-rate"`` (Drive's
``rateLimitExceeded`` body), ``"403-user-rate"`` (``userRateLimitExceeded``), ``"drop"`` (the
connection is closed: before any response, or half-way through a download's body) and
``"slow"`` (the response waits ``delay`` seconds); and two that no retry can fix: ``"401"``
(``authError``) and ``"403-denied"`` (``insufficientFilePermissions``).

Two answer what the client cannot read: ``"html"`` (a proxy's HTML page, 502 unless another
``status`` is given: 503, or 200 for a captive portal or a misrouted request) and
``"malformed"`` (``body`` served as is with ``status`` 200 and ``content_type`` JSON: a JSON
body cut off half-way unless another ``body`` is given: missing fields, wrong types).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["KINDS", "Fault", "Faults"]

KINDS = (
    "429",
    "500",
    "503",
    "403-rate",
    "403-user-rate",
    "401",
    "403-denied",
    "drop",
    "slow",
    "html",
    "malformed",
)
CUT_OFF_JSON = b'{"kind": "drive#fileList", "files": [{"id": "1aB'
"""The default ``malformed`` body: a JSON answer that stops half-way."""


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float | None = None
    delay: float = 0.0
    status: int | None = None
    """``html``: the page's status (502); ``malformed``: the answer's (200)."""
    body: bytes | None = None
    """``malformed``: the answer's body (``CUT_OFF_JSON``)."""
    content_type: str = "application/json; charset=UTF-8"


@dataclass
class _Rule:
    fault: Fault
    remaining: int
    endpoints: frozenset[str] | None


@dataclass
class Faults:
    """Rules are tried in order; ``injected`` counts the faults served, per kind."""

    rules: list[_Rule] = field(default_factory=list)
    rate: float = 0.0
    rate_kinds: tuple[str, ...] = ()
    rate_endpoints: frozenset[str] | None = None
    rng: random.Random = field(default_factory=random.Random)
    injected: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(
        self,
        count: int,
        kind: str,
        *,
        endpoints: Iterable[str] | None = None,
        retry_after: float | None = None,
        delay: float = 2.0,
        status: int | None = None,
        body: bytes | None = None,
        content_type: str = "application/json; charset=UTF-8",
    ) -> None:
        """The next ``count`` requests (to ``endpoints``, default any Drive endpoint) fail."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(KINDS)})")
        with self.lock:
            self.rules.append(
                _Rule(
                    Fault(kind, retry_after, delay, status, body, content_type),
                    count,
                    frozenset(endpoints) if endpoints is not None else None,
                )
            )

    def fail_rate(
        self,
        rate: float,
        kinds: Iterable[str] = ("429", "500"),
        *,
        seed: int = 0,
        endpoints: Iterable[str] | None = None,
    ) -> None:
        """A share ``rate`` of requests fails with one of ``kinds``, drawn from a seeded RNG."""
        with self.lock:
            self.rate = rate
            self.rate_kinds = tuple(kinds)
            self.rate_endpoints = frozenset(endpoints) if endpoints is not None else None
            self.rng = random.Random(seed)

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.rate = 0.0

    def pick(self, endpoint: str, *, explicit_only: bool = False) -> Fault | None:
        """The fault for this request, if any; ``explicit_only`` for endpoints (the token
        endpoint) that only rules naming them may fail."""
        with self.lock:
            for rule in self.rules:
                named = rule.endpoints is not None and endpoint in rule.endpoints
                if rule.remaining > 0 and (named or (rule.endpoints is None and not explicit_only)):
                    rule.remaining -= 1
                    self.rules = [r for r in self.rules if r.remaining > 0]
                    return self._count(rule.fault)
            if explicit_only:
                return None
            allowed = self.rate_endpoints is None or endpoint in self.rate_endpoints
            if self.rate and allowed and self.rng.random() < self.rate:
                return self._count(Fault(self.rng.choice(self.rate_kinds), retry_after=0))
        return None

    def _count(self, fault: Fault) -> Fault:
        self.injected[fault.kind] = self.injected.get(fault.kind, 0) + 1
        return fault
