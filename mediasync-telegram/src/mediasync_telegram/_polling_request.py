"""The HTTP client of the bot's getUpdates, which takes a refused token upon itself.

PTB's polling loop meets a refused token (401, or 404 for a token Telegram cannot read) by
raising inside its own task: it logs a traceback, and the bot would stay up without updates,
or race PTB's loop to stop it. Instead, the first refusal is handed to ``on_refused`` (the bot
then stops, saying why in one line) and PTB is told that nothing came, as it is from then on
without asking Telegram again: a refused token stays refused.

An answer the bot cannot read (a proxy's HTML page, JSON cut off or of another shape) would make
PTB log a traceback, or several; it becomes one ``NetworkError`` saying what came, which the
polling loop reports in one line (``_Halt.polling_failed``) and tries again after a pause. An
update of the wrong shape within a readable answer is skipped (one line): its ``update_id``
alone is handed on, so that the next getUpdates confirms it and Telegram stops sending it.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from mediasync_telegram._api import request_settings

__all__ = ["REFUSED", "PollingRequest", "readable"]

logger = logging.getLogger("mediasync.telegram")

REFUSED = {401: "401 Unauthorized", 404: "404 Not Found"}
"""The answers PTB takes for a bad token (``InvalidToken``)."""
NOTHING_NEW = (200, b'{"ok": true, "result": []}')


class PollingRequest(HTTPXRequest):
    def __init__(self, on_refused: Callable[[int], None]) -> None:
        super().__init__(**request_settings())
        self._on_refused = on_refused
        self._refused = False

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self._refused:
            return NOTHING_NEW
        status, payload = await super().do_request(*args, **kwargs)
        if status not in REFUSED:
            return status, readable(status, payload)
        self._refused = True
        self._on_refused(status)
        return NOTHING_NEW


def _shape(payload: bytes) -> str:
    text = payload.lstrip()[:100].lower()
    if text.startswith((b"<!doctype", b"<html", b"<")):
        return "an HTML page"
    return "a body that is not JSON" if payload else "an empty body"


def readable(status: int, payload: bytes) -> bytes:
    """``payload`` of a getUpdates answer, once PTB can read it (see the module).

    Raises:
        NetworkError: the answer is not a JSON object, or ``ok`` without a list of updates.
    """
    from telegram import Update

    try:
        envelope = json.loads(payload)
    except ValueError:
        raise NetworkError(f"getUpdates answered HTTP {status} with {_shape(payload)}") from None
    if not isinstance(envelope, dict):
        raise NetworkError(
            f"getUpdates answered HTTP {status} with a JSON {type(envelope).__name__}, "
            "not an object"
        )
    if status != 200 or envelope.get("ok") is not True:
        return payload  # Telegram's own refusal: PTB reads it (retry_after, a conflict…)
    updates = envelope.get("result")
    if not isinstance(updates, list):
        raise NetworkError("getUpdates answered ok without a list of updates")
    kept: list[Any] = []
    for update in updates:
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if type(update_id) is not int:
            raise NetworkError("getUpdates answered an update without a numeric update_id")
        try:
            Update.de_json(copy.deepcopy(update), None)
        except Exception as exc:  # PTB's parsers raise whatever the wrong type makes them
            logger.warning(
                "telegram: update %d could not be read (%s); skipped",
                update_id,
                type(exc).__name__,
            )
            kept.append({"update_id": update_id})
        else:
            kept.append(update)
    if kept == updates:
        return payload
    return json.dumps({**envelope, "result": kept}).encode("utf-8")
