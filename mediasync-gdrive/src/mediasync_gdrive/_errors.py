"""What Drive's failures mean for a sync: retry, give up cleanly, or tell the user to act.

Retried (exponential back-off with jitter, ``Retry-After`` honoured): 429, 5xx, 403 with reason
``rateLimitExceeded``/``userRateLimitExceeded``, and transport failures (a dropped connection,
a timeout). Not retried: 401 and other 403s (``AuthError`` at once, with a fix), 404
(``DriveNotFound``: the caller decides whether that means "removed") and 400
(``DriveBadRequest``: an expired change token, say).
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

from mediasync import AuthError, RateLimited, SourceError, SourceUnreachable

__all__ = [
    "DriveBadRequest",
    "DriveNotFound",
    "http_status",
    "is_transient",
    "is_transport",
    "retry_after",
    "translate",
]

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
RECONNECT_HINT = "run `mediasync gdrive connect` again with valid credentials"


class DriveNotFound(SourceError):
    """Drive answered 404: the file does not exist or the account cannot see it."""


class DriveBadRequest(SourceError):
    """Drive answered 400 (a malformed or expired parameter)."""


def http_status(exc: BaseException) -> int | None:
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return int(exc.resp.status)
    return None


def _detail(exc: Any) -> tuple[str, str]:
    """(reason, message) from Drive's error body; empty strings when it has none."""
    try:
        body = json.loads(exc.content.decode("utf-8"))
        error = body.get("error", {})
        if isinstance(error, str):  # OAuth-style {"error": "invalid_grant", ...}
            return error, str(body.get("error_description", ""))
        errors = error.get("errors") or [{}]
        return str(errors[0].get("reason", "")), str(error.get("message", ""))
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "", ""


def is_transport(exc: BaseException) -> bool:
    """A failure on the way (connection dropped or refused, timeout), not an answer."""
    import http.client

    import httplib2
    from google.auth.exceptions import TransportError

    return isinstance(
        exc, OSError | http.client.HTTPException | httplib2.HttpLib2Error | TransportError
    )


def is_transient(exc: BaseException) -> bool:
    """Whether a retry can help."""
    from google.auth.exceptions import RefreshError

    status = http_status(exc)
    if status is not None:
        if status == 429 or status >= 500:
            return True
        return status == 403 and _detail(exc)[0] in RATE_REASONS
    if isinstance(exc, RefreshError):
        return bool(getattr(exc, "retryable", False))
    return is_transport(exc)


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a ``Retry-After`` header (delta or HTTP date), when the answer had one."""
    if http_status(exc) is None:
        return None
    value = getattr(exc, "resp", {}).get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def translate(exc: BaseException, what: str, endpoint: str) -> Exception | None:
    """The mediasync error for a Drive failure that retries did not (or could not) fix;
    ``None`` for an exception that is not a Drive failure (a bug: let it propagate)."""
    from google.auth.exceptions import RefreshError

    if isinstance(exc, RefreshError):
        reason = str(exc.args[0]) if exc.args else type(exc).__name__
        return AuthError(
            f"Google would not issue an access token ({reason}): the OAuth consent was "
            f"revoked, or the key was disabled or deleted; {RECONNECT_HINT}"
        )
    status = http_status(exc)
    if status is None:
        if not is_transport(exc):
            return None
        return SourceUnreachable(f"cannot reach Google Drive at {endpoint} for {what}: {exc}")
    if status < 300:  # a success without what it should carry (an upload session's address)
        from mediasync_gdrive._answers import unreadable

        return unreadable(getattr(exc, "content", b""), what, status)
    reason, message = _detail(exc)
    shown = f"{message or 'HTTP ' + str(status)}" + (f" ({reason})" if reason else "")
    if status == 401:
        return AuthError(f"Google rejected the credentials for {what}: {shown}; {RECONNECT_HINT}")
    if status == 403 and reason not in RATE_REASONS:
        return AuthError(f"Drive refused {what}: {shown}")
    if status == 404:
        return DriveNotFound(f"{what}: {shown}")
    if status == 400:
        return DriveBadRequest(f"{what}: {shown}")
    if status == 429 or status == 403:
        return RateLimited(
            f"Drive kept rate-limiting {what} ({shown}); try again later", retry_after(exc)
        )
    return SourceUnreachable(f"Drive kept failing {what}: {shown}")
