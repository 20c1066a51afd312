"""Text that fits Telegram: messages within 4,096 characters, and short human durations.

Telegram refuses a message longer than 4,096 characters (``message is too long``), counted in
UTF-16 code units (an emoji counts two). A long answer is split at line ends into several
messages; an edit, which must stay one message, is cut with an ellipsis.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["MAX_MESSAGE", "cut_message", "duration", "relative", "split_message", "utf16_len"]

MAX_MESSAGE = 4096
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """``text`` as messages of at most ``limit``, cut at line ends (inside a line only when
    the line alone is too long); blank pieces, which Telegram refuses, are dropped."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:
            head = _fit(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:head])
            line = line[head:]
        joined = f"{current}\n{line}" if current else line
        if utf16_len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = line
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def cut_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to one message, ending in "…" when it was too long."""
    if utf16_len(text) <= limit:
        return text
    return text[: _fit(text, limit - 1)] + ELLIPSIS


def duration(seconds: float) -> str:
    """``45s``, ``12 min``, ``3 h 5 min``, ``2 d 4 h``: the two largest units, rounded down."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        rest = minutes % 60
        return f"{hours} h" + (f" {rest} min" if rest else "")
    rest = hours % 24
    return f"{days} d" + (f" {rest} h" if rest else "")


def relative(moment: datetime, now: datetime) -> str:
    """``5 min ago`` or ``in 5 min`` (``just now`` and ``now`` within a second)."""
    seconds = (moment - now).total_seconds()
    if abs(seconds) < 1:
        return "just now" if seconds <= 0 else "now"
    return f"in {duration(seconds)}" if seconds > 0 else f"{duration(-seconds)} ago"
