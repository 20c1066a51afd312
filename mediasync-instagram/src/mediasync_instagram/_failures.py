"""What a Graph API error means for us, decided by its code and subcode, never by HTTP status.

Meta reuses HTTP 400 for nearly everything; the ``error`` object's ``code``, ``error_subcode``
and ``is_transient`` say what happened. Throttling codes (4 app, 17 user, 32 page, 613, and the
business-use-case codes 80001-80014, 80002 for Instagram) are waited out for as long as the
usage headers say; 190 is a dead token that only reconnecting fixes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = [
    "Failure",
    "FailureKind",
    "classify",
    "redact",
    "regain_seconds",
    "usage_percent",
]

FailureKind = Literal["auth", "throttled", "transient", "missing", "refused", "malformed"]
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
AUTH_CODES = frozenset({190, 102, 10, *range(200, 300)})
TRANSIENT_CODES = frozenset({1, 2})
MISSING_SUBCODES = frozenset({33})
"""Code 100 with subcode 33: the object does not exist (or we may not see it)."""
REFUSED_SUBCODES = frozenset({2207050, 2207051})
"""Publishing subcodes that name their meaning whatever the code: 2207051 comes with code 4
(an action block for spam, not throttling) and 2207050 (a restricted account) is for good."""
_TOKEN_IN_QUERY = re.compile(r"(access_token=)[^&\s\"']+")


@attrs.frozen
class Failure:
    kind: FailureKind
    status: int
    message: str
    code: int | None = None
    subcode: int | None = None

    def describe(self) -> str:
        codes = "" if self.code is None else f" (code {self.code}"
        if codes and self.subcode is not None:
            codes += f", subcode {self.subcode}"
        return f"{self.message}{codes + ')' if codes else ''}"


def redact(text: str, secret: str) -> str:
    """``text`` with the token, and any ``access_token=...`` query value, masked."""
    if secret:
        text = text.replace(secret, "***")
    return _TOKEN_IN_QUERY.sub(r"\1***", text)


def classify(status: int, body: bytes, content_type: str) -> Failure:
    """The failure a non-2xx response (or a 2xx one that is no JSON object) stands for."""
    try:
        document = json.loads(body) if body else None
    except ValueError:
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        what = "an HTML page" if "html" in content_type.lower() else "no JSON error"
        kind: FailureKind = "transient" if status >= 500 else "malformed"
        return Failure(kind, status, f"the Graph API answered HTTP {status} with {what}")
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = str(error.get("message") or "unknown error").strip().splitlines()[0][:300]
    if subcode in REFUSED_SUBCODES:
        kind = "refused"
    elif code in THROTTLE_CODES:
        kind = "throttled"
    elif code in AUTH_CODES:
        kind = "auth"
    elif code in TRANSIENT_CODES or error.get("is_transient") is True:
        kind = "transient"
    elif code == 100 and subcode in MISSING_SUBCODES:
        kind = "missing"
    else:
        kind = "refused"
    return Failure(kind, status, message, code, subcode)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _usage_entries(headers: Mapping[str, str]) -> list[Mapping[str, Any]]:
    entries: list[Mapping[str, Any]] = []
    for name in ("x-app-usage", "x-ad-account-usage"):
        value = _json_header(headers, name)
        if isinstance(value, dict):
            entries.append(value)
    business = _json_header(headers, "x-business-use-case-usage")
    if isinstance(business, dict):
        for items in business.values():
            if isinstance(items, list):
                entries.extend(item for item in items if isinstance(item, dict))
    return entries


def usage_percent(headers: Mapping[str, str]) -> float:
    """The highest share of any rate limit used so far (0-100+), from the usage headers."""
    highest = 0.0
    for entry in _usage_entries(headers):
        for key in ("call_count", "total_time", "total_cputime"):
            value = entry.get(key)
            if isinstance(value, int | float):
                highest = max(highest, float(value))
    return highest


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """How long Meta says to wait before calling again (its header gives minutes)."""
    minutes = [
        float(entry["estimated_time_to_regain_access"])
        for entry in _usage_entries(headers)
        if isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    waits = [m for m in minutes if m > 0]
    return max(waits) * 60 if waits else None
