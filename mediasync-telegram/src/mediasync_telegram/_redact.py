"""Keeping the bot token out of every log line, whoever writes it.

The Bot API puts the token in every URL (``/bot<token>/getMe``), and the libraries log those
URLs: httpx at INFO for each request, python-telegram-bot at DEBUG when a ``Bot`` is made, and
PTB's ``InvalidToken`` names the token in its message. Rather than chase each logger (their
names change between versions, and a filter on a logger misses its children), the plugin wraps
the process's LogRecord factory once: while a token is registered, a record whose message or
traceback holds it has it replaced by ``<token>`` before any handler sees it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["MASK", "redact", "redacting"]

MASK = "<token>"
_lock = threading.Lock()
_secrets: Counter[str] = Counter()
_installed = False
_formatter = logging.Formatter()


def redact(text: str) -> str:
    """``text`` with every registered token replaced by ``<token>``."""
    with _lock:
        secrets = list(_secrets)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


@contextmanager
def redacting(secret: str) -> Iterator[None]:
    """Keeps ``secret`` out of log records made while the block runs (in any thread)."""
    _install()
    with _lock:
        _secrets[secret] += 1
    try:
        yield
    finally:
        with _lock:
            _secrets[secret] -= 1
            if _secrets[secret] <= 0:
                del _secrets[secret]


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _secrets:
                _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's to report
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters use ``exc_text`` when it is set: give them the redacted traceback.
        text = _formatter.formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned
