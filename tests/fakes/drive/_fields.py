"""Drive's partial responses: ``fields=nextPageToken,files(id,name,parents)``."""

from __future__ import annotations

from typing import Any

__all__ = ["FieldsError", "parse_fields", "project"]

Spec = dict[str, "Spec | None"]


class FieldsError(ValueError):
    """The ``fields`` parameter is malformed."""


def parse_fields(text: str | None) -> Spec | None:
    """``"a,b(c,d(e))"`` → ``{"a": None, "b": {"c": None, "d": {"e": None}}}``; ``*`` → None."""
    if text is None or text.strip() in {"", "*"}:
        return None
    spec, rest = _parse(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise FieldsError(f"unbalanced parentheses in fields={text!r}")
    return spec


def _parse(text: str, position: int) -> tuple[Spec, int]:
    spec: Spec = {}
    name = ""
    while position < len(text):
        char = text[position]
        if char == "(":
            if not name:
                raise FieldsError("a '(' needs a field name before it")
            inner, position = _parse(text, position + 1)
            if position >= len(text) or text[position] != ")":
                raise FieldsError("missing ')' in fields")
            spec[name] = inner
            name = ""
            position += 1
            continue
        if char == ")":
            break
        if char == ",":
            if name:
                spec[name] = None
            name = ""
        elif char == "/":
            raise FieldsError("'/' paths are not supported by the fake; use parentheses")
        else:
            name += char
        position += 1
    if name:
        spec[name] = None
    return spec, position


def project(value: Any, spec: Spec | None) -> Any:
    """Keeps only the selected fields of ``value`` (lists are projected item by item)."""
    if spec is None or "*" in spec:
        return value
    if isinstance(value, list):
        return [project(item, spec) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: project(value[key], sub) for key, sub in spec.items() if key in value}
