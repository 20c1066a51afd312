"""``parse_mode``: turning HTML or Markdown into plain text plus entities, or refusing it.

Follows the Bot API's "Formatting options" and the parsers behind it (TDLib ``parse_html``,
``parse_markdown``, ``parse_markdown_v2``; see ``_html`` and ``_markdown``): ``parse_mode`` is
case-insensitive, ``""`` or ``none`` means plain text (with ``entities`` given explicitly, if
any), anything else is ``Unsupported parse_mode``; a parser's error reaches the client as
``Bad Request: can't parse entities: <error>``, byte offsets counting UTF-8 bytes of the text as
sent.

The stricter reading: ``tg-time`` and ``tg://user`` links are accepted but give no entity, and
URLs are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakes.telegram._entities import Entity, sort_entities
from fakes.telegram._errors import bad_request
from fakes.telegram._html import parse_html
from fakes.telegram._markdown import parse_markdown, parse_markdown_v2
from fakes.telegram._textbuilder import MarkupError

__all__ = ["Formatted", "format_text"]


@dataclass(frozen=True)
class Formatted:
    text: str
    entities: tuple[Entity, ...]


def format_text(raw: str, parse_mode: str, entities: Any) -> Formatted:
    """The text a chat shows for ``raw`` sent with ``parse_mode`` (or explicit ``entities``)."""
    mode = parse_mode.strip().lower()
    parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    if raw and mode and mode != "none":
        if mode not in parsers:
            raise bad_request("Unsupported parse_mode")
        try:
            text, found = parsers[mode](raw)
        except MarkupError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        return Formatted(text, tuple(sort_entities(found)))
    return Formatted(raw, tuple(sort_entities(_given_entities(entities))))


def _given_entities(entities: Any) -> list[Entity]:
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    for entity in entities:
        ok = isinstance(entity, dict) and isinstance(entity.get("type"), str)
        if not ok or not all(isinstance(entity.get(k), int) for k in ("offset", "length")):
            raise bad_request("can't parse MessageEntity: expected an Object with type and span")
    return [dict(entity) for entity in entities]
