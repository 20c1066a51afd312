"""Message entities: UTF-16 offsets and the ``bot_command`` entities a user's text carries.

"Offset and length [of a MessageEntity] are measured in UTF-16 code units" (Bot API,
MessageEntity): an emoji outside the Basic Multilingual Plane counts two. Telegram marks every
command in a message, not only a leading one, with the rule of TDLib's ``match_bot_commands``:
a ``/`` not preceded by a word character, ``/``, ``<`` or ``>``; then 1-64 of ``[A-Za-z0-9_]``;
then optionally ``@`` and a 3-32 character username (a shorter or longer one means no command
at all); and not followed by a word character, ``/``, ``<`` or ``>``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["bot_command_entities", "sort_entities", "utf16_len"]

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _is_command_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _blocks_command(char: str) -> bool:
    return _is_word(char) or char in "/<>"


def _run(text: str, start: int) -> int:
    """The index just past the run of command characters starting at ``start``."""
    end = start
    while end < len(text) and _is_command_char(text[end]):
        end += 1
    return end


def _command_end(text: str, slash: int) -> int | None:
    """Where the command starting at ``slash`` ends, or None if no command starts there."""
    if slash > 0 and _blocks_command(text[slash - 1]):
        return None
    name_end = _run(text, slash + 1)
    if not 1 <= name_end - slash - 1 <= 64:
        return None
    end = name_end
    if end < len(text) and text[end] == "@":
        mention_end = _run(text, end + 1)
        if not 3 <= mention_end - end - 1 <= 32:
            return None
        end = mention_end
    if end < len(text) and _blocks_command(text[end]):
        return None
    return end


def bot_command_entities(text: str) -> list[Entity]:
    entities: list[Entity] = []
    position = text.find("/")
    while position != -1:
        end = _command_end(text, position)
        if end is not None:
            entities.append(
                {
                    "offset": utf16_len(text[:position]),
                    "length": utf16_len(text[position:end]),
                    "type": "bot_command",
                }
            )
        position = text.find("/", end if end is not None else position + 1)
    return entities


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """By offset, longer first at the same offset, as TDLib's ``sort_entities`` orders them."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))
