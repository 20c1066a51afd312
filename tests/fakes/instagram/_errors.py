"""Graph API error bodies, as ``GraphError`` exceptions the server turns into responses.

The shape follows Meta's "Handling Errors" guide (developers.facebook.com/docs/graph-api/guides/
error-handling) and the Instagram Platform "Error Codes" page: ``{"error": {"message", "type",
"code", "error_subcode", "is_transient", "error_user_title", "error_user_msg", "fbtrace_id"}}``.
``error_subcode`` and the two user-facing fields appear only when set; ``is_transient`` always.
Messages are the ones the API is known to send where the documentation gives none.

Content publishing errors (``PUBLISHING_ERRORS``) come from the "Error Codes" table of the
Instagram Platform: each subcode with its code, HTTP 400, and its "User Message" as
``error_user_msg`` (placeholders filled in), as the page's sample does for 36000/2207004 ("The image
size is too large.", title "Image size too large"). A subcode from that table picks its row
whatever the code, so ``error_for_code(4, 2207051)`` is the spam block (not transient), never the
throttling that code 4 alone means.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PUBLISHING_ERRORS",
    "THROTTLE_CODES",
    "TRANSIENT_CODES",
    "GraphError",
    "MediaRejected",
    "PublishingError",
    "error_for_code",
    "invalid_cursor",
    "invalid_parameter",
    "invalid_token",
    "missing_token",
    "nonexisting_field",
    "not_implemented",
    "publishing_error",
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


@dataclass(frozen=True)
class PublishingError:
    """One row of the Error Codes table: ``user_msg`` is the documented User Message."""

    code: int
    message: str
    title: str
    user_msg: str
    transient: bool = False


PUBLISHING_ERRORS: dict[int, PublishingError] = {
    2207001: PublishingError(
        -1, "An unexpected error has occurred.", "Instagram server error",
        "Instagram server error. Try again.", True,
    ),
    2207003: PublishingError(
        -2, "Timeout while downloading the media.", "Media download has failed.",
        "It takes too long to download the media.", True,
    ),
    2207020: PublishingError(
        -2, "The media has expired.", "Media expired",
        "The media you are trying to access has expired. Please try to upload again.",
    ),
    2207032: PublishingError(
        -1, "Create media fail", "Create media failed",
        "Create media fail, please try to re-create media", True,
    ),
    2207053: PublishingError(
        -1, "Unknown upload error", "Upload failed", "unknown upload error", True,
    ),
    2207057: PublishingError(
        1, "Invalid thumbnail offset", "Thumbnail offset out of bounds",
        "Thumbnail offset must be greater than or equal to 0 and less than video duration, "
        "i.e. {video_length}",
    ),
    2207051: PublishingError(
        4, "Application request limit reached", "Action is blocked",
        "We restrict certain activity to protect our community. Tell us if you think we made a "
        "mistake.",
    ),
    2207042: PublishingError(
        9, "The publishing limit has been reached.", "Publishing limit reached",
        "You reached maximum number of posts that is allowed to be published by Content "
        "Publishing API.",
    ),
    2207006: PublishingError(
        24, "The requested resource does not exist", "Media not found",
        "The media with {media_id} cannot be found",
    ),
    2207008: PublishingError(
        24, "The requested resource does not exist", "Media builder not found",
        "The media builder with creation id = {creation_id} does not exist or has been expired.",
        True,
    ),
    2207050: PublishingError(
        25, "The Instagram account is restricted.", "Restricted account",
        "The Instagram account is restricted.",
    ),
    2207023: PublishingError(
        100, "Invalid parameter", "Unknown media type", "The media type {media_type} is unknown.",
    ),
    2207028: PublishingError(
        100, "Invalid parameter", "Carousel validation failed",
        "Your post won't work as a carousel. Carousels need at least 2 photos/videos and no more "
        "than 10 photos/videos.",
    ),
    2207040: PublishingError(
        100, "Invalid parameter", "Too many tags",
        "Cannot use more than {max_tags} tags per created media.",
    ),
    2207026: PublishingError(
        352, "The video file you selected is in a format that we don't support.",
        "Unsupported format",
        "The video format is not supported. Please check spec for supported {video} format",
    ),
    2207052: PublishingError(
        9004, "Only photo or video can be accepted as media type.", "Media download has failed.",
        "The media could not be fetched from this uri: {uri}",
    ),
    2207027: PublishingError(
        9007, "Media ID is not available", "Media Not Ready",
        "The media is not ready for publishing, please wait for a moment",
    ),
    2207004: PublishingError(
        36000, "The image size is too large.", "Image size too large",
        "The image is too large to download. It should be less than {size}.",
    ),
    2207005: PublishingError(
        36001, "The image format is not supported.", "Unsupported image format",
        "The image format {image_format} is not supported. Supported formats are: {formats}.",
    ),
    2207009: PublishingError(
        36003, "The aspect ratio is not supported.", "Cannot publish image",
        "The submitted image with aspect ratio {ratio} cannot be published. Please submit an "
        "image with a valid aspect ratio.",
    ),
    2207010: PublishingError(
        36004, "The caption is too long.", "Caption too long",
        "The submitted image's caption was {length} characters long. The maximum number of "
        "characters permitted for a caption is {maximum}. Please submit media with a shorter "
        "caption.",
    ),
}  # fmt: skip
"""Instagram Platform "Error Codes": subcode → code, message, user title, User Message."""

_PLACEHOLDERS = {
    "video_length": "the video duration",
    "media_id": "this id",
    "creation_id": "this id",
    "media_type": "given",
    "max_tags": "20",
    "video": "video",
    "uri": "the given uri",
    "size": "8 MiB",
    "image_format": "given",
    "formats": "jpeg",
    "ratio": "given",
    "length": "too many",
    "maximum": "2200",
}
"""What a placeholder says when a test injects the error without the value it names."""


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


def publishing_error(
    subcode: int,
    *,
    code: int | None = None,
    status: int | None = None,
    message: str | None = None,
    **values: object,
) -> GraphError:
    """The Error Codes row for ``subcode``, its User Message filled with ``values``."""
    return _publishing_error(subcode, values, code=code, status=status, message=message)


def _publishing_error(
    subcode: int,
    values: dict[str, object],
    *,
    code: int | None = None,
    status: int | None = None,
    message: str | None = None,
) -> GraphError:
    row = PUBLISHING_ERRORS[subcode]
    filled = {**_PLACEHOLDERS, **{key: str(value) for key, value in values.items()}}
    return GraphError(
        status or 400,
        message or row.message,
        code=row.code if code is None else code,
        subcode=subcode,
        is_transient=row.transient,
        user_title=row.title,
        user_msg=row.user_msg.format_map(filled),
    )


class MediaRejected(Exception):
    """Instagram refused media it fetched (or could not fetch): one Error Codes subcode."""

    def __init__(self, subcode: int, **values: object) -> None:
        super().__init__(subcode)
        self.subcode = subcode
        self.values = values

    def error(self) -> GraphError:
        return _publishing_error(self.subcode, self.values)


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
    if subcode in PUBLISHING_ERRORS:
        error = publishing_error(subcode, code=code, status=status, message=message)
    else:
        error = _error_for_code(code, subcode, status=status, message=message)
    error.user_title = user_title if user_title is not None else error.user_title
    error.user_msg = user_msg if user_msg is not None else error.user_msg
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
