"""The Graph API ``fields`` syntax: ``id,caption,children.limit(5){id,media_url}``.

Field expansion nests a field list in braces after an edge or object field; modifiers such as
``.limit(n)`` follow the name (Graph API overview, "Field Expansion"). A malformed list is a
``2500 Syntax error`` as the API sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakes.instagram._errors import GraphError

__all__ = ["Field", "Fields", "parse_fields"]


@dataclass(frozen=True)
class Field:
    name: str
    sub: Fields | None = None
    limit: int | None = None


Fields = dict[str, Field]


def _syntax(text: str, position: int, expected: str) -> GraphError:
    return GraphError(
        400, f'Syntax error "Expected {expected}." at character {position}: {text}', code=2500
    )


def parse_fields(text: str) -> Fields:
    """Parses a ``fields`` value into an ordered mapping of name → ``Field``."""
    compact = "".join(text.split())
    fields, position = _parse_list(compact, 0)
    if position != len(compact):
        raise _syntax(compact, position, "end of string")
    return fields


def _parse_name(text: str, position: int) -> tuple[str, int]:
    start = position
    while position < len(text) and (text[position].isalnum() or text[position] == "_"):
        position += 1
    if position == start:
        raise _syntax(text, position, "a field name")
    return text[start:position], position


def _parse_list(text: str, position: int) -> tuple[Fields, int]:
    fields: Fields = {}
    while True:
        field, position = _parse_field(text, position)
        fields[field.name] = field
        if position < len(text) and text[position] == ",":
            position += 1
            continue
        return fields, position


def _parse_field(text: str, position: int) -> tuple[Field, int]:
    name, position = _parse_name(text, position)
    limit: int | None = None
    while position < len(text) and text[position] == ".":
        modifier, position = _parse_name(text, position + 1)
        if position >= len(text) or text[position] != "(":
            raise _syntax(text, position, "'('")
        close = text.find(")", position)
        if close < 0:
            raise _syntax(text, position, "')'")
        argument = text[position + 1 : close]
        if modifier != "limit" or not argument.isdigit():
            raise GraphError(
                400, f"(#100) Unsupported field modifier {modifier}({argument})", code=100
            )
        limit = int(argument)
        position = close + 1
    sub: Fields | None = None
    if position < len(text) and text[position] == "{":
        sub, position = _parse_list(text, position + 1)
        if position >= len(text) or text[position] != "}":
            raise _syntax(text, position, "'}'")
        position += 1
    return Field(name, sub, limit), position
