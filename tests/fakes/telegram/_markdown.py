"""Markdown ``parse_mode``s, after TDLib's ``parse_markdown_v2`` and ``parse_markdown``.

MarkdownV2: the characters ``_ * [ ] ( ) ~ ` > # + - = | { } . !`` are reserved and must be
escaped with a backslash outside code (``Character '.' is reserved and must be escaped with the
preceding '\\'``); inside code and pre only the backtick and the backslash need it. An entity
left open is ``Can't find end of Bold entity at byte offset N``; ``>`` at the start of a line
opens a block quote.

Markdown (legacy): bold in asterisks, italic in underscores, code in one backtick, pre in three,
``[text](url)`` links, no nesting; an unclosed one is ``Can't find end of the entity starting at
byte offset N``.
"""

from __future__ import annotations

from fakes.telegram._entities import Entity
from fakes.telegram._textbuilder import MarkupError, TextBuilder, byte_offset

__all__ = ["parse_markdown", "parse_markdown_v2"]

_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!\n")
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _reserved(char: str) -> MarkupError:
    return MarkupError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _md2_closes(kind: str, text: str, index: int) -> bool:
    char, after = text[index], text[index + 1 : index + 3]
    return {
        "bold": char == "*",
        "italic": char == "_" and after[:1] != "_",
        "underline": char == "_" and after[:1] == "_",
        "strikethrough": char == "~",
        "spoiler": char == "|" and after[:1] == "|",
        "code": char == "`",
        "pre": char == "`" and after == "``",
        "text_link": char == "]",
        "custom_emoji": char == "]",
    }[kind]


def _md2_opens(text: str, index: int) -> tuple[str, str, int]:
    """The entity a reserved character at ``index`` opens: kind, argument, index after it."""
    char, after = text[index], text[index + 1 : index + 3]
    simple = {"*": "bold", "~": "strikethrough", "[": "text_link"}
    if char in simple:
        return simple[char], "", index + 1
    if char == "_":
        return ("underline", "", index + 2) if after[:1] == "_" else ("italic", "", index + 1)
    if char == "|" and after[:1] == "|":
        return "spoiler", "", index + 2
    if char == "!" and after[:1] == "[":
        return "custom_emoji", "", index + 2
    if char == "`" and after == "``":
        return _md2_pre(text, index + 3)
    if char == "`":
        return "code", "", index + 1
    raise _reserved(char)


def _md2_pre(text: str, index: int) -> tuple[str, str, int]:
    end = index
    while end < len(text) and not text[end].isspace() and text[end] != "`":
        end += 1
    language = ""
    if end != index and end < len(text) and text[end] != "`":
        language, index = text[index:end], end
    if text[index : index + 2] in {"\r\n", "\n\r"}:
        index += 2
    elif text[index : index + 1] in {"\n", "\r"}:
        index += 1
    return "pre", language, index


def _md2_url(text: str, index: int) -> tuple[str, int]:
    """Reads ``(url)`` starting at the ``(``: the URL with escapes removed, the index after."""
    start = index + 1
    index = start
    url: list[str] = []
    while index < len(text) and text[index] != ")":
        if text[index] == "\\" and index + 1 < len(text) and 0 < ord(text[index + 1]) <= 126:
            index += 1
        url.append(text[index])
        index += 1
    if index >= len(text):
        raise MarkupError(f"Can't find end of a URL at byte offset {byte_offset(text, start)}")
    return "".join(url), index + 1


def _md2_close(text: str, index: int, out: TextBuilder, entity: tuple[str, str, int, int]) -> int:
    kind, argument, start, first_part = entity
    index += {"underline": 2, "spoiler": 2, "pre": 3}.get(kind, 1)
    if kind == "pre":
        extra = {"language": argument} if argument else {}
        out.close("pre", start, **extra)
    elif kind == "text_link":
        url = out.since(first_part)
        if index < len(text) and text[index] == "(":
            url, index = _md2_url(text, index)
        if not url.startswith("tg://user"):
            out.close("text_link", start, url=url)
    elif kind == "custom_emoji":
        if index >= len(text) or text[index] != "(":
            raise MarkupError("The entity must contain a tg://emoji or tg://time URL")
        url, index = _md2_url(text, index)
        emoji_id = url.removeprefix("tg://emoji?id=")
        if emoji_id == url or not emoji_id.isdigit():
            raise MarkupError("Invalid tg://emoji or tg://time URL specified")
        out.close("custom_emoji", start, custom_emoji_id=emoji_id)
    else:
        out.close(kind, start)
    return index


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    stack: list[tuple[str, str, int, int, int]] = []  # kind, argument, utf16 start, part, byte
    quote_start: int | None = None
    line_start = True
    index = 0

    def unclosed() -> MarkupError:
        kind, byte = stack[-1][0], stack[-1][4]
        name = "PreCode" if kind == "pre" and stack[-1][1] else _MD2_NAMES[kind]
        return MarkupError(f"Can't find end of {name} entity at byte offset {byte}")

    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and 0 < ord(text[index + 1]) <= 126:
            out.add(text[index + 1])
            line_start = text[index + 1] == "\n" or (line_start and text[index + 1] == "\r")
            index += 2
            continue
        in_code = bool(stack) and stack[-1][0] in {"code", "pre"}
        if (char not in _MD2_RESERVED) or (in_code and char != "`"):
            out.add(char)
            line_start = line_start and char == "\r"
            index += 1
        elif char == "\n":
            if quote_start is not None and text[index + 1 : index + 2] != ">":
                if stack:
                    raise unclosed()
                out.close("blockquote", quote_start)
                quote_start = None
            out.add("\n")
            line_start = True
            index += 1
        elif char == ">" and line_start:
            if quote_start is None:
                quote_start = out.utf16
            index += 1
        elif stack and _md2_closes(stack[-1][0], text, index):
            kind, argument, start, part, _byte = stack.pop()
            index = _md2_close(text, index, out, (kind, argument, start, part))
        else:
            byte = byte_offset(text, index)
            kind, argument, index = _md2_opens(text, index)
            stack.append((kind, argument, out.utf16, len(out.parts), byte))
    if stack:
        raise unclosed()
    if quote_start is not None:
        out.close("blockquote", quote_start)
    return out.text(), out.entities


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in {"_", "*", "`", "["}:
            out.add(text[index + 1])
            index += 2
            continue
        if char not in "_*`[":
            out.add(char)
            index += 1
            continue
        begin, language = index, ""
        is_pre = text[index : index + 3] == "```"
        index += 3 if is_pre else 1
        if is_pre:
            _kind, language, index = _md2_pre(text, index)
        closing = "]" if char == "[" else char
        start, first_part = out.utf16, len(out.parts)
        while index < len(text) and (
            text[index] != closing or (is_pre and text[index + 1 : index + 3] != "``")
        ):
            out.add(text[index])
            index += 1
        if index >= len(text):
            raise MarkupError(
                f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}"
            )
        index = _markdown_close(text, index, out, char, is_pre, language, (start, first_part))
    return out.text(), out.entities


def _markdown_close(
    text: str,
    index: int,
    out: TextBuilder,
    char: str,
    is_pre: bool,
    language: str,
    span: tuple[int, int],
) -> int:
    start, first_part = span
    index += 3 if is_pre else 1
    if char == "[":
        url = out.since(first_part)
        if index < len(text) and text[index] == "(":
            end = text.find(")", index)
            end = len(text) if end == -1 else end
            url, index = text[index + 1 : end], end + 1
        out.close("text_link", start, url=url)
    elif is_pre:
        out.close("pre", start, **({"language": language} if language else {}))
    else:
        out.close({"_": "italic", "*": "bold", "`": "code"}[char], start)
    return index
