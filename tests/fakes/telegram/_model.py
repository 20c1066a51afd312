"""What the fake Telegram knows: bots, users, chats, the messages in them, and the request log.

Everything lives in one ``State`` guarded by one lock; ``State.changed`` is a condition notified
after every change, which long polls and the test's ``wait_for`` sleep on. Objects are rendered
to Bot API JSON by their ``to_json`` methods (field names and optionality as the Bot API's
User, Chat, Message, PhotoSize and CallbackQuery objects define them).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from fakes.telegram._entities import Entity

__all__ = [
    "DEFAULT_ALLOWED_UPDATES",
    "BotAccount",
    "CallbackAnswer",
    "CallbackQuery",
    "Chat",
    "ChatType",
    "Conversation",
    "Photo",
    "RequestRecord",
    "Revision",
    "SentMessage",
    "State",
    "User",
]

ChatType = Literal["private", "group", "supergroup"]
Json = dict[str, Any]

# "Specify an empty list to receive all update types except chat_member, message_reaction, and
# message_reaction_count (default)" (Bot API, getUpdates.allowed_updates).
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass(eq=False)
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_json(self) -> Json:
        body: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        return body


@dataclass(eq=False)
class Chat:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    user: User | None = None
    """The other party of a private chat."""

    def to_json(self) -> Json:
        body: Json = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            body["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                body["last_name"] = self.user.last_name
            if self.user.username is not None:
                body["username"] = self.user.username
        else:
            body["title"] = self.title or f"Chat {self.id}"
            if self.username is not None:
                body["username"] = self.username
        return body


@dataclass(eq=False)
class Photo:
    """A photo as Telegram stores it: ``size`` is the byte count of what the bot uploaded (or
    of what the fake fetched from a URL); ``data`` keeps those bytes for assertions."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    size: int
    source: Literal["upload", "file_id", "url"]
    filename: str | None = None
    url: str | None = None
    data: bytes = field(default=b"", repr=False)

    def sizes_json(self) -> list[Json]:
        """PhotoSize objects, smallest first: a 90px thumbnail when the photo is larger."""
        full: Json = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }
        longest = max(self.width, self.height)
        if longest <= 90:
            return [full]
        scale = 90 / longest
        thumb: Json = {
            "file_id": f"{self.file_id}-s",
            "file_unique_id": f"{self.file_unique_id}-s",
            "width": max(1, round(self.width * scale)),
            "height": max(1, round(self.height * scale)),
            "file_size": max(1, self.size // 20),
        }
        return [thumb, full]


@dataclass(frozen=True)
class Revision:
    """An earlier state of a message the bot edited."""

    text: str | None
    caption: str | None
    entities: tuple[Entity, ...]
    reply_markup: Json | None
    edit_date: int | None


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent, as the chat shows it now; ``history`` holds earlier versions,
    oldest first (one ``Revision`` per successful edit)."""

    bot: User
    chat: Chat
    message_id: int
    date: int
    text: str | None = None
    entities: tuple[Entity, ...] = ()
    raw_text: str | None = None
    parse_mode: str | None = None
    photo: Photo | None = None
    caption: str | None = None
    caption_entities: tuple[Entity, ...] = ()
    reply_markup: Json | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    history: list[Revision] = field(default_factory=list)
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def buttons(self) -> list[list[Json]]:
        """The inline keyboard's rows, ``[]`` without one."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [list(row) for row in rows]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def revision(self) -> Revision:
        return Revision(self.text, self.caption, self.entities, self.reply_markup, self.edit_date)

    def to_json(self) -> Json:
        body: Json = {
            "message_id": self.message_id,
            "from": self.bot.to_json(),
            "chat": self.chat.to_json(),
            "date": self.date,
        }
        if self.edit_date is not None:
            body["edit_date"] = self.edit_date
        if self.text is not None:
            body["text"] = self.text
            if self.entities:
                body["entities"] = [dict(e) for e in self.entities]
        if self.photo is not None:
            body["photo"] = self.photo.sizes_json()
        if self.caption is not None:
            body["caption"] = self.caption
            if self.caption_entities:
                body["caption_entities"] = [dict(e) for e in self.caption_entities]
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            body["reply_markup"] = self.reply_markup
        return body


@dataclass(frozen=True)
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(eq=False)
class CallbackQuery:
    """A button press the fake delivered; ``answer`` is set once the bot answers it."""

    id: str
    chat_id: int
    message_id: int
    data: str
    user: User
    update_id: int
    answer: CallbackAnswer | None = None


@dataclass(eq=False)
class Conversation:
    """One chat as one bot sees it: message ids are numbered per chat, shared by both sides."""

    chat: Chat
    next_message_id: int = 1
    incoming: dict[int, Json] = field(default_factory=dict)
    sent: dict[int, SentMessage] = field(default_factory=dict)
    blocked: bool = False

    def take_message_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1

    def has_message(self, message_id: int) -> bool:
        return message_id in self.incoming or message_id in self.sent


@dataclass(eq=False)
class BotAccount:
    user: User
    token: str = field(repr=False)
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = False
    revoked: bool = False
    updates: list[Json] = field(default_factory=list)
    """Updates not yet confirmed, oldest first."""
    next_update_id: int = 1
    allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
    poll_generation: int = 0
    waiting_polls: int = 0
    webhook_url: str = ""
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)

    @property
    def username(self) -> str:
        assert self.user.username is not None
        return self.user.username

    def me_json(self) -> Json:
        """getMe's User: the bot-only fields come with it."""
        return {
            **self.user.to_json(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it. ``path`` has the token replaced by ``<token>``; ``token``
    keeps it for assertions and is left out of ``repr`` so a failing test never prints it."""

    method: str
    http_method: str
    path: str
    params: dict[str, str]
    status: int
    description: str | None
    fault: str | None
    bot: str | None
    duration: float
    token: str | None = field(default=None, repr=False)


class State:
    """The fake's whole world, one lock around it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.bots: list[BotAccount] = []
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.photos: dict[str, Photo] = {}
        self.outbox: list[SentMessage] = []
        """Every message any bot sent, in order (deleted ones stay, flagged)."""
        self.requests: list[RequestRecord] = []
        self.calls: Counter[str] = Counter()
        self.closing = False
        self.next_id = 1

    def notify(self) -> None:
        with self.lock:
            self.changed.notify_all()

    def bot_for(self, token: str) -> BotAccount | None:
        with self.lock:
            return next((bot for bot in self.bots if bot.token == token), None)

    def serial(self) -> int:
        """A fresh number for ids (callback queries, files)."""
        with self.lock:
            self.next_id += 1
            return self.next_id
