"""Graph API error bodies, as ``GraphError`` exceptions the server turns into responses.

The shape follows Meta's "Handling Errors" guide (developers.facebook.com/docs/graph-api/guides/
error-handling) and the Instagram Platform "Error Codes" page: ``{"error": {"message", "type",
"code", "error_subcode", "is_transient", "error_user_title", "error_user_msg", "fbtrace_id"}}``.
``error_subcode`` and the two user-facing fields appear only when set; ``is_transient`` always.
Messages are the ones the API is known to send where the documentation gives none.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

__all__ = [
    "THROTTLE_CODES",
    "TRANSIENT_CODES",
    "GraphError",
    "error_for_code",
    "invalid_cursor",
    "invalid_parameter",
    "invalid_token",
    "missing_token",
    "nonexisting_field",
    "not_implemented",
    "token_error",
    "trace_id",
    "unknown_path",
    "unsupported_request",
]

THROTTLE_CODES: dict[int, str] = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: (
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
    ),
}
"""Throttling codes (rate-limiting page): 4 app, 17 user, 32 page, 613 custom, 80002 Instagram."""

TRANSIENT_CODES: dict[int, tuple[int, str]] = {
    1: (500, "An unknown error occurred"),
    2: (503, "An unexpected error has occurred. Please retry your request later."),
}
"""Codes the error guide calls temporary ("wait and retry"): HTTP status and message."""

_TOKEN_SUBCODES: dict[int, str] = {
    458: "Error validating access token: The user has not authorized application.",
    459: "Error validating access token: The user is enrolled in a blocking, logged-in checkpoint",
    460: (
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons."
    ),
    463: "Error validating access token: Session has expired.",
    464: "Error validating access token: Sessions for the user are not allowed because the user "
    "is not a confirmed user.",
    467: "Error validating access token: The session is invalid because the user logged out.",
}
"""The authentication subcodes of the error guide, each with the message the API sends."""


def trace_id() -> str:
    """A fresh ``fbtrace_id``: opaque, unique per response."""
    return "A" + secrets.token_urlsafe(16)


class GraphError(Exception):
    """One Graph API error response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int,
        type: str = "OAuthException",
        subcode: int | None = None,
        is_transient: bool = False,
        user_title: str | None = None,
        user_msg: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.type = type
        self.subcode = subcode
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["is_transient"] = self.is_transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = trace_id()
        return {"error": error}


def error_for_code(
    code: int,
    subcode: int | None = None,
    *,
    status: int | None = None,
    message: str | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> GraphError:
    """The body the API sends for ``code`` (and ``subcode``), for faults injected by a test."""
    error = _error_for_code(code, subcode, status=status, message=message)
    error.user_title, error.user_msg = user_title, user_msg
    return error


def _error_for_code(
    code: int, subcode: int | None, *, status: int | None, message: str | None
) -> GraphError:
    if code == 190:
        return token_error(subcode, status=status, message=message)
    if code in THROTTLE_CODES:
        return GraphError(
            status or 400,
            message or THROTTLE_CODES[code],
            code=code,
            subcode=subcode,
            is_transient=True,
        )
    if code in TRANSIENT_CODES:
        default_status, default_message = TRANSIENT_CODES[code]
        return GraphError(
            status or default_status,
            message or default_message,
            code=code,
            subcode=subcode,
            is_transient=True,
        )
    return GraphError(
        status or 400, message or f"(#{code}) Error {code}", code=code, subcode=subcode
    )


def token_error(
    subcode: int | None, *, status: int | None = None, message: str | None = None
) -> GraphError:
    """Code 190 with one of the authentication subcodes (463 expired, 460 password changed…)."""
    if subcode is None:
        return invalid_token()
    if message is None:
        message = _TOKEN_SUBCODES.get(subcode, "Error validating access token.")
        if subcode == 463:
            now = time.strftime("%A, %d-%b-%y %H:%M:%S", time.gmtime())
            message = (
                "Error validating access token: Session has expired on an earlier date. "
                f"The current time is {now} UTC."
            )
    return GraphError(status or 400, message, code=190, subcode=subcode)


def invalid_token() -> GraphError:
    """An access token the API cannot parse (unknown, or from the other login flavour)."""
    return GraphError(400, "Invalid OAuth access token - Cannot parse access token", code=190)


def missing_token(current_user: bool) -> GraphError:
    if current_user:
        return GraphError(
            400,
            "An active access token must be used to query information about the current user.",
            code=2500,
        )
    return GraphError(400, "An access token is required to request this resource.", code=104)


def unsupported_request(object_id: str, method: str = "get") -> GraphError:
    """What the API answers for an id it does not know *or* the caller may not read."""
    return GraphError(
        400,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        code=100,
        subcode=33,
        type="GraphMethodException",
    )


def nonexisting_field(field: str, node_type: str) -> GraphError:
    return GraphError(
        400,
        f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})",
        code=100,
    )


def not_implemented(what: str) -> GraphError:
    """Something the real API has and the fake does not: loud, so a test never trusts it."""
    return GraphError(400, f"(#100) The fake Graph API does not implement {what}", code=100)


def unknown_path(path: str) -> GraphError:
    return GraphError(400, f"Unknown path components: {path}", code=2500)


def invalid_parameter(message: str) -> GraphError:
    return GraphError(400, f"(#100) {message}", code=100)


def invalid_cursor(which: str) -> GraphError:
    return invalid_parameter(
        f"The {which} cursor is invalid: the item it points to was removed or the cursor has "
        "expired. Restart from the first page."
    )
