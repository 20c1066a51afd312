"""The HTTP client of the bot's getUpdates, which takes a refused token upon itself.

PTB's polling loop meets a refused token (401, or 404 for a token Telegram cannot read) by
raising inside its own task: it logs a traceback, and the bot would stay up without updates,
or race PTB's loop to stop it. Instead, the first refusal is handed to ``on_refused`` (the bot
then stops, saying why in one line) and PTB is told that nothing came, as it is from then on
without asking Telegram again: a refused token stays refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.request import HTTPXRequest

from mediasync_telegram._api import request_settings

__all__ = ["REFUSED", "PollingRequest"]

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
            return status, payload
        self._refused = True
        self._on_refused(status)
        return NOTHING_NEW
