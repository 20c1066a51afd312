"""The plain text a parser builds, with UTF-16 positions for its entities."""

from __future__ import annotations

from typing import Any

from fakes.telegram._entities import Entity, utf16_len

__all__ = ["MarkupError", "TextBuilder", "byte_offset"]


class MarkupError(Exception):
    """A parse failure, worded as TDLib words it; the server prefixes ``can't parse entities:``."""


def byte_offset(text: str, index: int) -> int:
    """Byte offset of ``text[index]`` in UTF-8, the unit TDLib's errors report."""
    return len(text[:index].encode("utf-8"))


class TextBuilder:
    """The plain text being built and the UTF-16 position at its end."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.utf16 += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)

    def since(self, first_part: int) -> str:
        """The text added since ``len(parts)`` was ``first_part``."""
        return "".join(self.parts[first_part:])

    def close(self, kind: str, start: int, **extra: Any) -> None:
        """Adds an entity from ``start`` to here, unless it would be empty."""
        if self.utf16 > start:
            self.entities.append(
                {"offset": start, "length": self.utf16 - start, "type": kind, **extra}
            )
