"""One API call as a method implementation sees it, and what it answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakes.telegram._errors import bad_request, forbidden
from fakes.telegram._model import BotAccount, Conversation, State
from fakes.telegram._params import Params

__all__ = ["Answer", "Call", "Handler", "Settings", "conversation", "now", "writable"]


@dataclass(frozen=True)
class Settings:
    long_poll_cap: float
    """The longest a getUpdates waits, whatever ``timeout`` it asked for (tests stay fast)."""
    url_fetch_timeout: float
    url_hosts: frozenset[str]
    """Hosts the fake will fetch a photo URL from (the loopback ones: tests never go out)."""


@dataclass(frozen=True)
class Call:
    state: State
    bot: BotAccount
    params: Params
    settings: Settings


@dataclass(frozen=True)
class Answer:
    result: Any
    description: str | None = None


Handler = Callable[[Call], Answer]


def now() -> int:
    return int(time.time())


def conversation(call: Call, field: str = "chat_id") -> Conversation:
    """The chat named by ``chat_id`` (an id or ``@username``) among those the bot knows.

    A bot knows a chat once someone wrote to it there (or the test opened it): Telegram answers
    ``chat not found`` for any other, as for a user who never started the bot.
    """
    raw = call.params.text(field).strip()
    if not raw:
        raise bad_request(f"{field} is empty")
    conversations = call.bot.conversations
    if raw.startswith("@"):
        wanted = raw[1:].lower()
        found = next(
            (c for c in conversations.values() if (c.chat.username or "").lower() == wanted), None
        )
    else:
        try:
            found = conversations.get(int(raw))
        except ValueError:
            found = None
    if found is None:
        raise bad_request("chat not found")
    return found


def writable(conv: Conversation) -> None:
    """403 when the user blocked the bot or the group removed it."""
    if not conv.blocked:
        return
    if conv.chat.type == "private":
        raise forbidden("bot was blocked by the user")
    raise forbidden(f"bot was kicked from the {conv.chat.type} chat")
