"""``/settings``: this chat's choices as an inline keyboard, each press toggling one.

Three kinds of button: scheduled syncs of the chat's sources on or off (``media_sync_enabled``;
a source is paused for the worker when every chat watching it turned this off), notifications
on or off, and one button per source to watch it or stop watching it. Telegram allows 64 bytes
of ``callback_data``: a source whose name does not fit is named by a digest of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from mediasync_telegram._context import BotDeps, Request
from mediasync_telegram._send import edit_text
from mediasync_telegram._store import ChatSettings

if TYPE_CHECKING:
    from telegram import Bot, CallbackQuery, InlineKeyboardMarkup

__all__ = ["CALLBACK_PATTERN", "settings_command", "settings_pressed", "settings_text"]

SYNC = "set:sync"
NOTIFY = "set:notify"
WATCH = "watch:"
WATCH_DIGEST = "watch#"
CALLBACK_PATTERN = r"^(set:|watch[:#])"
MAX_CALLBACK_DATA = 64


def source_data(name: str) -> str:
    data = WATCH + name
    if len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
        return data
    return WATCH_DIGEST + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def _on(value: bool) -> str:
    return "on" if value else "off"


def settings_text(chat: ChatSettings, sources: Sequence[str]) -> str:
    watched = [name for name in sources if chat.watches(name)]
    return "\n".join(
        [
            "Settings of this chat (tap to change):",
            f"Scheduled syncs of its sources: {_on(chat.media_sync_enabled)}",
            f"Notifications: {_on(chat.notifications)}",
            f"Watched sources: {', '.join(watched) or 'none'}",
        ]
    )


def settings_keyboard(chat: ChatSettings, sources: Sequence[str]) -> InlineKeyboardMarkup:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = [
        [
            InlineKeyboardButton(
                f"Scheduled syncs: {_on(chat.media_sync_enabled)}", callback_data=SYNC
            )
        ],
        [InlineKeyboardButton(f"Notifications: {_on(chat.notifications)}", callback_data=NOTIFY)],
    ]
    buttons = [
        InlineKeyboardButton(
            f"{'✓ ' if chat.watches(name) else ''}{name}", callback_data=source_data(name)
        )
        for name in sources
    ]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows)


def _load(deps: BotDeps, chat_id: int) -> tuple[ChatSettings, list[str]]:
    return deps.store.chat(chat_id), [info.name for info in deps.workspace.sources()]


async def settings_command(request: Request) -> None:
    chat, sources = await request.deps.call(_load, request.deps, request.chat_id)
    await request.reply(settings_text(chat, sources), settings_keyboard(chat, sources))


def _toggled(
    chat: ChatSettings, data: str, sources: Sequence[str]
) -> tuple[ChatSettings, str] | None:
    """The chat's settings after the press, and a word about it; ``None`` for a stale button."""
    if data == SYNC:
        enabled = not chat.media_sync_enabled
        return attrs.evolve(chat, media_sync_enabled=enabled), f"Scheduled syncs {_on(enabled)}"
    if data == NOTIFY:
        enabled = not chat.notifications
        return attrs.evolve(chat, notifications=enabled), f"Notifications {_on(enabled)}"
    name = next((name for name in sources if source_data(name) == data), None)
    if name is None:
        return None
    if chat.watches(name):
        return chat.with_sources(set(chat.sources) - {name}), f"Stopped watching {name}"
    return chat.with_sources({*chat.sources, name}), f"Watching {name}"


async def settings_pressed(deps: BotDeps, bot: Bot, chat_id: int, query: CallbackQuery) -> None:
    """A press on the ``/settings`` keyboard: store the change, then redraw the message."""
    chat, sources = await deps.call(_load, deps, chat_id)
    change = _toggled(chat, query.data or "", sources)
    if change is None:
        await query.answer("That source is gone; here are the settings as they are now.")
    else:
        chat, note = change
        await deps.call(deps.store.save_chat, chat)
        await query.answer(note)
    if query.message is not None:
        await edit_text(
            bot,
            chat_id,
            query.message.message_id,
            settings_text(chat, sources),
            settings_keyboard(chat, sources),
        )
