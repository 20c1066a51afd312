"""Faults on demand: the next N calls of a method go wrong in a chosen way.

Kinds:

- ``"error"``: the Bot API error envelope with ``error_code`` (also the HTTP status), the
  description given or the usual one for that code, and ``parameters.retry_after`` plus a
  ``Retry-After`` header for 429;
- ``"html"``: a 502 HTML page, as the proxy in front of api.telegram.org sends when the
  backend is down;
- ``"malformed"``: status 200 with ``body`` as given, served as JSON, by default an envelope cut
  off half-way (``body`` as given: ``{"ok": true}`` without a result, a result of the wrong type);
- ``"drop"``: the connection closes without a response;
- ``"slow"``: the answer waits ``delay`` seconds, then the call is served normally.

Methods match case-insensitively, as the API's method names do; ``"*"`` matches every method.
A fault is applied after the token is checked, so it stands for what that bot would be told.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal["error", "html", "malformed", "drop", "slow"]


CUT_OFF_JSON = b'{"ok": true, "result": [{"update_id": 1'
"""The default ``malformed`` body."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    error_code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    body: bytes | None = None


@dataclass
class _Rule:
    method: str
    fault: Fault
    remaining: int


@dataclass
class Faults:
    """Rules are tried in the order added; ``injected`` counts faults served per kind."""

    rules: list[_Rule] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, fault: Fault, times: int) -> None:
        if fault.kind == "error" and fault.error_code is None:
            raise ValueError("an 'error' fault needs an error_code")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self.lock:
            self.rules.append(_Rule(method.lower(), fault, times))

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def pick(self, method: str) -> Fault | None:
        key = method.lower()
        with self.lock:
            for rule in self.rules:
                if rule.remaining > 0 and rule.method in {key, "*"}:
                    rule.remaining -= 1
                    self.rules = [r for r in self.rules if r.remaining > 0]
                    self.injected[rule.fault.kind] += 1
                    return rule.fault
        return None
