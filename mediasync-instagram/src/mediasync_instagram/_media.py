"""Graph API media as listing entries: one entry per file, carousels expanded into children.

Paths are stable and readable, ``YYYY/MM/YYYYMMDD_HHMMSS_<media id>[_<position>].<ext>``, from
the post's own time, so a copy of the account lands in the same names on every run. What the
post says (caption, permalink, type, username) is the entry's metadata; the signed
``media_url`` is not, because it changes on every read and would look like an edit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mediasync import MediaEntry

__all__ = ["CHILD_FIELDS", "entries_of", "media_fields", "parse_timestamp", "unreadable_media"]

CHILD_FIELDS = "id,media_type,media_url,thumbnail_url,timestamp"
_BASE_FIELDS = "id,caption,media_type,media_url,permalink,thumbnail_url,timestamp,username"
_EXTENSIONS = {"IMAGE": ("jpg", "image/jpeg"), "VIDEO": ("mp4", "video/mp4")}


def media_fields(with_product_type: bool) -> str:
    """The fields a listing asks for (``media_product_type`` exists with Facebook Login only)."""
    product = ",media_product_type" if with_product_type else ""
    return f"{_BASE_FIELDS}{product},children{{{CHILD_FIELDS}}}"


def parse_timestamp(text: Any) -> datetime:
    """Meta writes ``2019-09-26T22:36:43+0000``; an unreadable time is the epoch, not a crash."""
    if not isinstance(text, str):
        return datetime(1970, 1, 1, tzinfo=UTC)
    value = text.strip()
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = f"{value[:-2]}:{value[-2:]}"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


_TEXT_FIELDS = (
    "media_type",
    "media_url",
    "thumbnail_url",
    "timestamp",
    "caption",
    "permalink",
    "username",
    "media_product_type",
)


def unreadable_media(media: Any) -> str | None:
    """What is wrong with one media of a listing (``"without an id"``…), ``None`` when it is
    readable. A missing ``media_url`` is not wrong: Instagram omits it for copyrighted audio,
    and the media is counted as unavailable."""
    if not isinstance(media, Mapping):
        return f"that is a JSON {type(media).__name__}, not an object"
    media_id = media.get("id")
    if isinstance(media_id, bool) or not isinstance(media_id, str | int) or media_id == "":
        return "without an id"
    for key in _TEXT_FIELDS:
        if media.get(key) is not None and not isinstance(media[key], str):
            return f"whose {key} is a JSON {type(media[key]).__name__}, not a string"
    children = media.get("children")
    if children is None:
        return None
    data = children.get("data") if isinstance(children, Mapping) else None
    if not isinstance(data, list):
        return "whose children hold no 'data' list"
    for child in data:
        problem = unreadable_media(child)
        if problem is not None:
            return f"with a child {problem}"
    return None


def _safe_id(media_id: Any) -> str:
    """The id as a path segment: itself when it is one (Graph ids are digits), else what is
    left of it once made safe plus a digest of all of it, so that two ids never meet at one
    path (``../x.jpg`` and ``x.jpg/..``)."""
    text = str(media_id)
    kept = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch in "-_"))
    if kept == text and 0 < len(text) <= 64:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{kept[:48]}-{digest}" if kept else digest


def entries_of(
    media: Mapping[str, Any], *, story: bool = False
) -> list[tuple[MediaEntry, str | None]]:
    """The entries of one post (its children for a carousel), each with its ``media_url``
    (``None`` when Instagram gives none, as for copyrighted audio)."""
    taken = parse_timestamp(media.get("timestamp"))
    facts: dict[str, Any] = {
        key: media[key]
        for key in ("caption", "permalink", "username", "media_product_type")
        if isinstance(media.get(key), str)
    }
    if story:
        facts["media_product_type"] = "STORY"
    post_id = _safe_id(media.get("id"))
    children = ((media.get("children") or {}).get("data")) or []
    if media.get("media_type") == "CAROUSEL_ALBUM" and children:
        return [
            _entry(child, taken, facts, group=post_id, position=position)
            for position, child in enumerate(c for c in children if isinstance(c, Mapping))
        ]
    return [_entry(media, taken, facts)]


def _entry(
    media: Mapping[str, Any],
    taken: datetime,
    facts: Mapping[str, Any],
    *,
    group: str | None = None,
    position: int | None = None,
) -> tuple[MediaEntry, str | None]:
    media_type = str(media.get("media_type") or "IMAGE")
    extension, mime = _EXTENSIONS.get(media_type, ("jpg", "image/jpeg"))
    media_id = _safe_id(media.get("id"))
    url = media.get("media_url") if isinstance(media.get("media_url"), str) else None
    suffix = "" if position is None else f"_{position + 1}"
    stem = f"{taken:%Y%m%d_%H%M%S}_{group or media_id}{suffix}"
    metadata = {**facts, "media_type": media_type}
    if url is None:
        metadata["unavailable"] = "Instagram gives no media_url (e.g. copyrighted audio)"
    entry = MediaEntry(
        source_id=str(media.get("id")),
        path=f"{taken:%Y}/{taken:%m}/{stem}.{extension}",
        size=None,
        mtime=taken,
        mime_type=mime,
        taken_at=taken,
        metadata=metadata,
        group_id=group,
        position=position,
    )
    return entry, url
