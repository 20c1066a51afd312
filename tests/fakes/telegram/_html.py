"""HTML ``parse_mode``, after TDLib's ``parse_html``.

The tags ``b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji
tg-time`` (``span`` only with ``class="tg-spoiler"``); anything else is ``Unsupported start tag
"x" at byte offset N``. An end tag must close the innermost open tag (``Unmatched end tag at
byte offset N, expected "</b>", found "</i>"``), and every tag must be closed (``Can't find end
tag corresponding to start tag "b"``). ``&lt; &gt; &amp; &quot;`` and numeric references are
decoded; any other ``&`` stays as it is. ``<pre><code class="language-x">`` gives one ``pre``
entity with a ``language``.
"""

from __future__ import annotations

from fakes.telegram._entities import Entity
from fakes.telegram._textbuilder import MarkupError, TextBuilder, byte_offset

__all__ = ["parse_html"]

_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler"}
    | {"tg-emoji", "tg-time", "span", "pre", "code", "blockquote"}
)
_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


def _html_entity(text: str, index: int) -> tuple[str, int] | None:
    """The character an ``&…`` reference at ``index`` stands for and its length, if known."""
    end = index + 1
    if end < len(text) and text[end] == "#":
        end += 1
        base = 10
        if end < len(text) and text[end] in "xX":
            base, end = 16, end + 1
        digits_start = end
        allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        while end < len(text) and text[end] in allowed:
            end += 1
        if end == digits_start or not 0 < int(text[digits_start:end], base) <= 0x10FFFF:
            return None
        char = chr(int(text[digits_start:end], base))
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(text[index + 1 : end])
        if named is None:
            return None
        char = named
    if end < len(text) and text[end] == ";":
        end += 1
    return char, end - index


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _attribute_value(text: str, index: int) -> tuple[str, int]:
    if text[index] not in "'\"":
        start = index
        while index < len(text) and (text[index].isalnum() or text[index] in ".-"):
            index += 1
        if index < len(text) and not (text[index].isspace() or text[index] == ">"):
            raise MarkupError(
                f"Unexpected end of name token at byte offset {byte_offset(text, start)}"
            )
        return text[start:index].lower(), index
    quote, index = text[index], index + 1
    value: list[str] = []
    while index < len(text) and text[index] != quote:
        entity = _html_entity(text, index) if text[index] == "&" else None
        if entity is not None:
            value.append(entity[0])
            index += entity[1]
        else:
            value.append(text[index])
            index += 1
    return "".join(value), index + 1 if index < len(text) else index


def _start_tag(text: str, begin: int) -> tuple[str, str, int]:
    """Reads ``<name attr=…>`` at ``begin``: its name, its argument, the index after ``>``."""
    index = begin + 1
    while index < len(text) and not text[index].isspace() and text[index] != ">":
        index += 1
    at = byte_offset(text, begin)
    if index >= len(text):
        raise MarkupError(f"Unclosed start tag at byte offset {at}")
    name = text[begin + 1 : index].lower()
    if name not in _HTML_TAGS:
        raise MarkupError(f'Unsupported start tag "{name}" at byte offset {at}')
    argument = ""
    while True:
        index = _skip_spaces(text, index)
        if index < len(text) and text[index] == ">":
            break
        attr_start = index
        while index < len(text) and not (text[index].isspace() or text[index] in "=>/\"'"):
            index += 1
        attribute = text[attr_start:index]
        if not attribute:
            raise MarkupError(f'Empty attribute name in the tag "{name}" at byte offset {at}')
        index = _skip_spaces(text, index)
        if index >= len(text):
            raise MarkupError(f'Unclosed start tag "{name}" at byte offset {at}')
        if text[index] != "=":
            if name == "blockquote" and attribute == "expandable":
                argument = "expandable"
            continue
        index = _skip_spaces(text, index + 1)
        if index >= len(text):
            raise MarkupError(f'Unclosed start tag "{name}" at byte offset {at}')
        value, index = _attribute_value(text, index)
        if index >= len(text):
            raise MarkupError(f"Unclosed start tag at byte offset {at}")
        argument = _tag_argument(name, attribute, value, argument)
    if name == "span" and argument != "spoiler":
        raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    return name, argument, index + 1


def _tag_argument(name: str, attribute: str, value: str, current: str) -> str:
    if name == "a" and attribute == "href":
        return value
    if name == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if name == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if name == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def _end_tag(text: str, begin: int, open_name: str | None) -> int:
    at = byte_offset(text, begin)
    if open_name is None:
        raise MarkupError(f"Unexpected end tag at byte offset {at}")
    index = begin + 2
    while index < len(text) and not text[index].isspace() and text[index] != ">":
        index += 1
    name = text[begin + 2 : index].lower()
    index = _skip_spaces(text, index)
    if index >= len(text) or text[index] != ">":
        raise MarkupError(f"Unclosed end tag at byte offset {at}")
    if name and name != open_name:
        raise MarkupError(
            f'Unmatched end tag at byte offset {at}, expected "</{open_name}>", found "</{name}>"'
        )
    return index + 1


def _close_html(out: TextBuilder, name: str, argument: str, start: int, first_part: int) -> None:
    if out.utf16 == start:
        return
    previous = out.entities[-1] if out.entities else None
    same_span = previous is not None and (previous["offset"], previous["length"]) == (
        start,
        out.utf16 - start,
    )
    if name in _HTML_TYPES:
        out.close(_HTML_TYPES[name], start)
    elif name == "a":
        url = argument or out.since(first_part)
        if not url.startswith("tg://user"):
            out.close("text_link", start, url=url)
    elif name == "code" and same_span and previous is not None and previous["type"] == "pre":
        if argument:
            previous["language"] = argument
    elif name == "code":
        out.close("code", start, **({"language": argument} if argument else {}))
    elif name == "pre" and same_span and previous is not None and "language" in previous:
        previous["type"] = "pre"
    elif name == "pre":
        out.close("pre", start)
    elif name == "blockquote":
        out.close("expandable_blockquote" if argument else "blockquote", start)
    elif name == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise MarkupError("Invalid custom emoji identifier specified")
        out.close("custom_emoji", start, custom_emoji_id=argument)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    stack: list[tuple[str, str, int, int]] = []
    index = 0
    while index < len(text):
        char = text[index]
        reference = _html_entity(text, index) if char == "&" else None
        if reference is not None:
            out.add(reference[0])
            index += reference[1]
        elif char != "<":
            out.add(char)
            index += 1
        elif index + 1 < len(text) and text[index + 1] == "/":
            index = _end_tag(text, index, stack[-1][0] if stack else None)
            name, argument, start, first_part = stack.pop()
            _close_html(out, name, argument, start, first_part)
        else:
            name, argument, index = _start_tag(text, index)
            stack.append((name, argument, out.utf16, len(out.parts)))
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in out.entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return out.text(), out.entities
