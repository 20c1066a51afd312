"""What users do, behind the bot's back: write in a chat, press a button.

Updates are shaped as the Bot API's Update, Message and CallbackQuery objects. A private chat's
id is its user's id; group ids are negative (supergroups' start with ``-100``). A user's text
gets a ``bot_command`` entity for every command in it (see ``_entities``). A button press names
a message the bot sent and the ``callback_data`` of a button it has *now*; the query carries the
message as it currently is, a string ``id`` and a ``chat_instance`` fixed per chat.

Not modelled: group privacy mode (every injected message reaches the bot).
"""

from __future__ import annotations

import time
from typing import Any

from fakes.telegram._entities import bot_command_entities
from fakes.telegram._model import (
    BotAccount,
    CallbackQuery,
    Chat,
    ChatType,
    Conversation,
    State,
    User,
)
from fakes.telegram._polling import enqueue

__all__ = ["inject_press", "inject_text", "inject_update", "open_chat", "user_for"]

Json = dict[str, Any]
GROUP_MEMBER_ID = 100_000_777


def user_for(state: State, user_id: int, first_name: str | None = None) -> User:
    with state.lock:
        if user_id not in state.users:
            state.users[user_id] = User(user_id, first_name or f"User {user_id}")
        return state.users[user_id]


def open_chat(
    state: State,
    bot: BotAccount,
    chat_id: int,
    chat_type: ChatType = "private",
    *,
    title: str | None = None,
    user: User | None = None,
) -> Conversation:
    """The bot's view of the chat, created if new: from now on the bot may write there."""
    with state.lock:
        chat = state.chats.get(chat_id)
        if chat is None:
            chat = _new_chat(state, chat_id, chat_type, title, user)
            state.chats[chat_id] = chat
        elif chat.type != chat_type:
            raise ValueError(f"chat {chat_id} is a {chat.type} chat, not a {chat_type} one")
        conv = bot.conversations.get(chat_id)
        if conv is None:
            conv = bot.conversations[chat_id] = Conversation(chat)
        return conv


def _new_chat(
    state: State, chat_id: int, chat_type: ChatType, title: str | None, user: User | None
) -> Chat:
    if chat_type == "private":
        if chat_id <= 0:
            raise ValueError(f"a private chat's id is its user's id, a positive number: {chat_id}")
        if user is not None and user.id != chat_id:
            raise ValueError(f"private chat {chat_id} belongs to user {chat_id}, not {user.id}")
        return Chat(chat_id, "private", user=user or user_for(state, chat_id))
    if chat_id >= 0:
        raise ValueError(f"group and supergroup ids are negative: {chat_id}")
    if chat_type == "supergroup" and not str(chat_id).startswith("-100"):
        raise ValueError(f"supergroup ids start with -100: {chat_id}")
    return Chat(chat_id, chat_type, title=title or f"Group {-chat_id}")


def _sender(state: State, conv: Conversation, user: User | None) -> User:
    if conv.chat.type == "private":
        assert conv.chat.user is not None
        if user is not None and user.id != conv.chat.user.id:
            raise ValueError(f"only user {conv.chat.user.id} writes in private chat {conv.chat.id}")
        return conv.chat.user
    return user or user_for(state, GROUP_MEMBER_ID, "Group Member")


def inject_text(
    state: State,
    bot: BotAccount,
    conv: Conversation,
    text: str,
    *,
    user: User | None = None,
    reply_to: int | None = None,
) -> Json | None:
    with state.lock:
        sender = _sender(state, conv, user)
        message: Json = {
            "message_id": conv.take_message_id(),
            "from": sender.to_json(),
            "chat": conv.chat.to_json(),
            "date": int(time.time()),
            "text": text,
        }
        entities = bot_command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            if not conv.has_message(reply_to):
                raise ValueError(f"there is no message {reply_to} in chat {conv.chat.id}")
            replied = conv.sent[reply_to].to_json() if reply_to in conv.sent else None
            message["reply_to_message"] = replied or conv.incoming[reply_to]
        conv.incoming[message["message_id"]] = message
        return enqueue(state, bot, "message", message)


def inject_press(
    state: State,
    bot: BotAccount,
    chat_id: int,
    message_id: int,
    data: str,
    *,
    user: User | None = None,
) -> CallbackQuery:
    with state.lock:
        conv = bot.conversations.get(chat_id)
        message = conv.sent.get(message_id) if conv is not None else None
        if conv is None or message is None:
            raise ValueError(f"@{bot.username} has no message {message_id} in chat {chat_id}")
        if data not in message.callback_data:
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"its buttons carry {message.callback_data}"
            )
        sender = _sender(state, conv, user)
        query = CallbackQuery(
            id=str(4_000_000_000_000_000_000 + state.serial()),
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            user=sender,
            update_id=bot.next_update_id,
        )
        payload: Json = {
            "id": query.id,
            "from": sender.to_json(),
            "message": message.to_json(),
            "chat_instance": str(abs(hash((bot.user.id, chat_id))) % 10**18),
            "data": data,
        }
        if enqueue(state, bot, "callback_query", payload) is not None:
            bot.callback_queries[query.id] = query
        return query


def inject_update(state: State, bot: BotAccount, kind: str, payload: Json) -> Json | None:
    """Any update the test builds itself, numbered like the others."""
    return enqueue(state, bot, kind, payload)
