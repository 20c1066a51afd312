"""Cursor pagination as the Graph API's "Paginated Results" guide describes it.

A page answers ``{"data": [...], "paging": {"cursors": {"before", "after"}, "next", "previous"}}``:
``next`` and ``previous`` are absolute URLs on the host that answered, carrying the token, the
fields and the limit; the last page has no ``next`` and the first no ``previous``; an empty
result has no ``paging`` at all. Facts the fake follows:

- "The cursor will always point to the item, however it will be invalidated if the item is
  deleted or removed" — a cursor names the item at its edge and fails once that item is gone.
- "A query may return fewer than the value of limit … use the absence of next instead" and "some
  edges may also have a maximum on the limit value" — ``short_pages`` serves pages of about half
  the limit, and ``limit`` is capped at ``max_limit`` (100) without an error.

Where the guide is silent the fake is stricter: a cursor is bound to the edge and account it came
from, it fails after ``invalidate_cursors`` (and, with ``strict_cursors``, after any media is
added or removed: the older wording "cursors can quickly become invalid if items are added or
deleted"), and a bad cursor is a code 100 error rather than a silently restarted list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fakes.instagram._errors import invalid_cursor, invalid_parameter

__all__ = ["CursorCodec", "Page", "paginate"]


class CursorCodec:
    """Opaque, tamper-evident cursors: ``base64(scope|epoch|anchor|mac)``."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(16)

    def _mac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:16]

    def encode(self, scope: str, epoch: str, anchor: str) -> str:
        text = f"{scope}|{epoch}|{anchor}"
        return base64.urlsafe_b64encode(f"{text}|{self._mac(text)}".encode()).decode().rstrip("=")

    def decode(self, cursor: str, scope: str, epoch: str, which: str) -> str:
        """The anchor item id; a cursor from elsewhere, tampered or stale is an error."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            text, _, mac = raw.rpartition("|")
            cursor_scope, cursor_epoch, anchor = text.split("|")
        except ValueError:
            raise invalid_cursor(which) from None
        if not hmac.compare_digest(mac, self._mac(text)) or cursor_scope != scope:
            raise invalid_cursor(which)
        if cursor_epoch != epoch:
            raise invalid_cursor(which)
        return anchor


@dataclass(frozen=True)
class Page:
    start: int
    end: int
    paging: dict[str, Any] | None


def _limit(params: Mapping[str, str], default: int, maximum: int) -> int:
    text = params.get("limit")
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise invalid_parameter("limit must be a positive integer")
    return min(int(text), maximum)


def paginate(
    ids: Sequence[str],
    params: Mapping[str, str],
    *,
    codec: CursorCodec,
    scope: str,
    epoch: str,
    default_limit: int,
    max_limit: int,
    short_pages: bool,
    link: Callable[[int, dict[str, str]], str],
) -> Page:
    """The slice of ``ids`` this request gets, and its ``paging`` block.

    ``link(limit, {"after": cursor})`` builds the absolute URL of a neighbouring page.
    """
    limit = _limit(params, default_limit, max_limit)
    size = max(1, (limit + 1) // 2) if short_pages else limit
    position = {item: index for index, item in enumerate(ids)}
    if params.get("after"):
        anchor = codec.decode(params["after"], scope, epoch, "after")
        if anchor not in position:
            raise invalid_cursor("after")
        start = position[anchor] + 1
        end = min(start + size, len(ids))
    elif params.get("before"):
        anchor = codec.decode(params["before"], scope, epoch, "before")
        if anchor not in position:
            raise invalid_cursor("before")
        end = position[anchor]
        start = max(0, end - size)
    else:
        start, end = 0, min(size, len(ids))
    if start >= end:
        return Page(start, start, None)
    before = codec.encode(scope, epoch, ids[start])
    after = codec.encode(scope, epoch, ids[end - 1])
    paging: dict[str, Any] = {"cursors": {"before": before, "after": after}}
    if start > 0:
        paging["previous"] = link(limit, {"before": before})
    if end < len(ids):
        paging["next"] = link(limit, {"after": after})
    return Page(start, end, paging)
