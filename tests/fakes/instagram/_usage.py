"""Rate-limit usage, its headers, and throttling once a limit is reached.

From Meta's rate-limiting page (developers.facebook.com/docs/graph-api/overview/rate-limiting):

- Platform rate limits are reported in ``X-App-Usage``: a JSON object of ``call_count``,
  ``total_cputime`` and ``total_time``, each a percentage. The fake sends it on every
  graph.facebook.com response (Facebook Login uses Facebook user tokens: platform limits).
- Instagram Platform requests are subject to Business Use Case limits, reported in
  ``X-Business-Use-Case-Usage``: ``{"<business-object-id>": [{"type", "call_count",
  "total_cputime", "total_time", "estimated_time_to_regain_access"}]}``, the last in minutes. The
  fake sends it on responses about an Instagram account (either host), keyed by the account id,
  ``type`` ``instagram``.
- Once a limit is reached requests fail until enough time has passed: code 4 for the app,
  code 80002 for an Instagram account's BUC limit (17, 32 and 613 can be injected as faults).
  An injected throttling fault carries the headers of the limit it names, at 100: 4 and 17 in
  ``X-App-Usage``, 32, 613 and 80002 in the account's ``X-Business-Use-Case-Usage``.

The documentation says the headers appear "once enough calls have been made"; ``headers_after``
withholds them for that many calls (default 0: always sent). Usage can grow by ``per_call``
points a request, so a test can watch a client slow down before the limit.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

from fakes.instagram._errors import GraphError, error_for_code

__all__ = ["Usage", "UsageMeter"]


@dataclass
class Usage:
    call_count: int = 0
    total_time: int = 0
    total_cputime: int = 0
    per_call: int = 0
    regain_minutes: int = 60
    throttled_until: float | None = None

    def reached(self) -> bool:
        return max(self.call_count, self.total_time, self.total_cputime) >= 100

    def minutes_left(self, now: float) -> int:
        if self.throttled_until is None:
            return 0
        return max(0, math.ceil((self.throttled_until - now) / 60))


class UsageMeter:
    """The app's usage and each Instagram account's, charged per request."""

    def __init__(self) -> None:
        self.app = Usage()
        self.accounts: dict[str, Usage] = {}
        self.headers_after = 0
        self.calls = 0
        self.lock = threading.Lock()

    def set(self, account_id: str | None, usage: Usage) -> None:
        with self.lock:
            if account_id is None:
                self.app = usage
            else:
                self.accounts[account_id] = usage

    def _charge(self, usage: Usage, now: float) -> None:
        if usage.throttled_until is not None and now >= usage.throttled_until:
            usage.call_count = usage.total_time = usage.total_cputime = 0
            usage.throttled_until = None
        if usage.throttled_until is None:
            usage.call_count += usage.per_call
            usage.total_time += usage.per_call
            usage.total_cputime += usage.per_call
            if usage.reached():
                usage.throttled_until = now + usage.regain_minutes * 60

    def charge(
        self, now: float, *, app: bool, account_id: str | None
    ) -> tuple[dict[str, str], GraphError | None]:
        """Counts one request; returns the headers to send and the throttling error, if any."""
        with self.lock:
            self.calls += 1
            headers: dict[str, str] = {}
            error: GraphError | None = None
            show = self.calls > self.headers_after
            if app:
                self._charge(self.app, now)
                if show:
                    headers["X-App-Usage"] = json.dumps(
                        {
                            "call_count": self.app.call_count,
                            "total_cputime": self.app.total_cputime,
                            "total_time": self.app.total_time,
                        }
                    )
                if self.app.throttled_until is not None:
                    error = error_for_code(4)
            if account_id is not None:
                usage = self.accounts.setdefault(account_id, Usage())
                self._charge(usage, now)
                if show or usage.throttled_until is not None:
                    entry = {
                        "type": "instagram",
                        "call_count": usage.call_count,
                        "total_cputime": usage.total_cputime,
                        "total_time": usage.total_time,
                        "estimated_time_to_regain_access": usage.minutes_left(now),
                    }
                    headers["X-Business-Use-Case-Usage"] = json.dumps({account_id: [entry]})
                if usage.throttled_until is not None and error is None:
                    error = error_for_code(80002)
            return headers, error

    def limit_headers(self, code: int, account_id: str | None) -> dict[str, str]:
        """The usage headers of a response throttled with ``code`` by an injected fault."""
        full = {"call_count": 100, "total_cputime": 100, "total_time": 100}
        if code in {4, 17}:
            return {"X-App-Usage": json.dumps(full)}
        if account_id is None:
            return {}
        with self.lock:
            regain = self.accounts.get(account_id, Usage()).regain_minutes
        entry = {"type": "instagram", **full, "estimated_time_to_regain_access": regain}
        return {"X-Business-Use-Case-Usage": json.dumps({account_id: [entry]})}
