"""Sending notifications from a thread of their own, so no sync waits for Telegram.

The ``sync_finished`` observer runs on the run's observer thread, and a run returns only once
its observers are done: a slow or rate-limited Bot API would hold the worker. The observer
therefore only queues; one daemon thread per process sends, through its own short-lived httpx
client (opened when something is queued, closed when the queue is empty). Telegram's 429 is
waited out as its ``retry_after`` says; a dropped connection, a proxy's page or Telegram's 5xx
is asked again after a pause (1 s, 2 s); a chat that refuses (blocked the bot, gone) costs a
warning. At exit the queue gets ``FLUSH_AT_EXIT`` seconds to empty, so ``mediasync sync``
still notifies before the process ends.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from typing import TYPE_CHECKING

import attrs

from mediasync import Secret
from mediasync_telegram._redact import redact, redacting
from mediasync_telegram._text import split_message

if TYPE_CHECKING:
    import httpx

__all__ = ["OUTBOX", "Notice", "Outbox"]

logger = logging.getLogger("mediasync.telegram")

ATTEMPTS = 3
MAX_FLOOD_WAIT = 60.0
FLUSH_AT_EXIT = 10.0
TIMEOUT = 10.0


@attrs.frozen(slots=True)
class Notice:
    """One message for one chat, with what is needed to reach its bot."""

    base_url: str
    token: Secret
    chat_id: int
    text: str


class Outbox:
    """The process's queue of notices and the thread that sends them, in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Notice] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def post(self, notice: Notice) -> None:
        """Queues ``notice``; returns at once."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                if self._thread is None:
                    atexit.register(self.flush, FLUSH_AT_EXIT)
                self._thread = threading.Thread(
                    target=self._deliver, name="mediasync-telegram-outbox", daemon=True
                )
                self._thread.start()
        self._queue.put(notice)

    def flush(self, timeout: float) -> bool:
        """Waits until everything queued was sent (or given up on); false after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    logger.warning("telegram: %d notification(s) not sent", self._queue.qsize())
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _deliver(self) -> None:
        import httpx

        while True:
            notice = self._queue.get()
            with httpx.Client(timeout=TIMEOUT) as client:
                while True:
                    try:
                        _send(client, notice)
                    except Exception as exc:  # the thread must outlive any one notice
                        logger.warning("telegram: notification failed: %s", redact(repr(exc)))
                    finally:
                        self._queue.task_done()
                    try:
                        notice = self._queue.get_nowait()
                    except queue.Empty:
                        break


def _send(client: httpx.Client, notice: Notice) -> None:
    token = notice.token.reveal()
    url = f"{notice.base_url.rstrip('/')}/bot{token}/sendMessage"
    with redacting(token):
        for piece in split_message(notice.text):
            if not _send_piece(client, url, notice.chat_id, piece):
                return


def _send_piece(client: httpx.Client, url: str, chat_id: int, text: str) -> bool:
    """Sends one message, waiting out flood control; false when it could not be sent."""
    import httpx

    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = client.post(url, data={"chat_id": str(chat_id), "text": text})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if attempt == ATTEMPTS:
                logger.warning("telegram: cannot notify chat %s: %s", chat_id, redact(str(exc)))
                return False
            time.sleep(attempt)
            continue
        if response.status_code == 200 and body.get("ok"):
            return True
        if response.status_code >= 500 and attempt < ATTEMPTS:
            time.sleep(attempt)  # Telegram's own 5xx: asked again, as a dropped connection is
            continue
        wait = (body.get("parameters") or {}).get("retry_after")
        if response.status_code == 429 and wait is not None and attempt < ATTEMPTS:
            if float(wait) > MAX_FLOOD_WAIT:
                logger.warning("telegram: flood control asks for %ss; notification dropped", wait)
                return False
            time.sleep(float(wait))
            continue
        description = redact(str(body.get("description") or response.status_code))
        logger.warning("telegram: cannot notify chat %s: %s", chat_id, description)
        return False
    return False


OUTBOX = Outbox()
