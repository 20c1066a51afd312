"""The bot itself: getMe and its command lists.

Facts followed (Bot API getMe, BotCommand, BotCommandScope, setMyCommands, getMyCommands,
deleteMyCommands; tdlib/telegram-bot-api ``get_bot_commands``, ``get_bot_command_scope``;
TDLib ``BotCommand.cpp`` ``set_commands``):

- getMe answers the bot's User with the bot-only fields (``can_join_groups``,
  ``can_read_all_group_messages``, ``supports_inline_queries``, ...);
- commands are kept per scope and ``language_code``; getMyCommands answers the list set for
  exactly that pair (``[]`` when none); setMyCommands with an empty list, or deleteMyCommands,
  removes it;
- ``commands`` must be a JSON array of BotCommand (``can't parse commands JSON object``,
  ``expected an Array of BotCommand``, ``can't parse BotCommand: Can't find field "command"``);
  each command is trimmed and loses a leading ``/``; empty: ``command must be non-empty``;
  longer than 32: ``command length must not exceed 32``; description empty: ``command
  description must be non-empty``; longer than 256: ``command description length must not
  exceed 256``; anything but lowercase letters, digits and underscores: ``BOT_COMMAND_INVALID``;
- a scope naming a chat the bot does not know: ``chat not found``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fakes.telegram._call import Answer, Call
from fakes.telegram._errors import bad_request

__all__ = ["delete_my_commands", "get_me", "get_my_commands", "set_my_commands"]

_COMMAND = re.compile(r"[a-z0-9_]+")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def get_me(call: Call) -> Answer:
    with call.state.lock:
        return Answer(call.bot.me_json())


def _scope_key(call: Call) -> tuple[str, str]:
    scope = call.params.json("scope", what="BotCommandScope")
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope: unsupported type specified")
    chat_id = scope.get("chat_id")
    if chat_id is not None:
        known = {c.chat.id for c in call.bot.conversations.values()}
        usernames = {f"@{c.chat.username}" for c in call.bot.conversations.values()}
        if chat_id not in known and str(chat_id) not in usernames:
            raise bad_request("chat not found")
    return json.dumps(scope, sort_keys=True), call.params.text("language_code")


def _command(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise bad_request("can't parse BotCommand: expected an Object")
    for field in ("command", "description"):
        if not isinstance(raw.get(field), str):
            raise bad_request(f"can't parse BotCommand: Can't find field \"{field}\"")
    command = raw["command"].strip().removeprefix("/")
    description = raw["description"].strip()
    if not command:
        raise bad_request("command must be non-empty")
    if len(command) > 32:
        raise bad_request("command length must not exceed 32")
    if not description:
        raise bad_request("command description must be non-empty")
    if len(description) > 256:
        raise bad_request("command description length must not exceed 256")
    if not _COMMAND.fullmatch(command):
        raise bad_request("BOT_COMMAND_INVALID")
    return {"command": command, "description": description}


def set_my_commands(call: Call) -> Answer:
    commands = call.params.json("commands", what="commands")
    if commands is None:
        commands = []
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    checked = [_command(raw) for raw in commands]
    with call.state.lock:
        key = _scope_key(call)
        if checked:
            call.bot.commands[key] = checked
        else:
            call.bot.commands.pop(key, None)
        call.state.changed.notify_all()
        return Answer(True)


def get_my_commands(call: Call) -> Answer:
    with call.state.lock:
        return Answer([dict(c) for c in call.bot.commands.get(_scope_key(call), [])])


def delete_my_commands(call: Call) -> Answer:
    with call.state.lock:
        call.bot.commands.pop(_scope_key(call), None)
        call.state.changed.notify_all()
        return Answer(True)
