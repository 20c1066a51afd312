"""The Bot API's error envelope and the descriptions the fake answers with.

Every answer is a JSON object with a boolean ``ok``. On failure it carries ``error_code`` (the
HTTP status of the response), a human-readable ``description`` and, for some errors,
``parameters`` (``retry_after`` on 429, ``migrate_to_chat_id`` when a group became a
supergroup). A 429 also carries a ``Retry-After`` header, as the open-source server
(tdlib/telegram-bot-api, ``HttpConnection::send_response``) sends it.

Descriptions are the server's own: ``Bad Request: …`` for 400, ``Unauthorized`` for a token
api.telegram.org does not know, ``Not Found`` for a malformed token or an unknown method,
``Forbidden: …`` for 403, ``Conflict: …`` for 409, ``Too Many Requests: retry after N`` for 429.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GET_UPDATES_CONFLICT",
    "NOT_FOUND",
    "SET_WEBHOOK_CONFLICT",
    "UNAUTHORIZED",
    "WEBHOOK_CONFLICT",
    "BotApiError",
    "bad_request",
    "default_description",
    "forbidden",
]

UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"


class BotApiError(Exception):
    """An error answer: ``error_code`` is also the HTTP status of the response."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


def bad_request(detail: str) -> BotApiError:
    """``Bad Request: <detail>``; the server lower-cases the detail's first letter unless the
    detail is an upper-case code such as ``BUTTON_DATA_INVALID`` (``fail_query_with_error``)."""
    if len(detail) >= 2 and not (detail[1] == "_" or detail[1].isupper()):
        detail = detail[0].lower() + detail[1:]
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {detail}")


def default_description(error_code: int, retry_after: int | None) -> str:
    """What the fake says for an injected fault when the test gives no description."""
    defaults = {
        400: "Bad Request",
        401: UNAUTHORIZED,
        403: "Forbidden: bot was blocked by the user",
        404: NOT_FOUND,
        409: GET_UPDATES_CONFLICT,
        429: f"Too Many Requests: retry after {retry_after if retry_after is not None else 1}",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    return defaults.get(error_code, f"Error {error_code}")
