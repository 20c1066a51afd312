"""The bot's configuration and each chat's settings, kept in the index database.

Everything lives in the core's plugin state (``Workspace.get_state`` / ``set_state``) under the
plugin name ``telegram``, so the command line, the bot and every worker (whatever machine it
runs on) read one truth, and nothing is kept in loose files. The token is stored sealed
(``Workspace.seal_secret``): encrypted with the user's key, or as the ``$env:`` / ``$file:``
reference it was given as.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from mediasync import Secret, SettingsError, UsageError, Workspace

__all__ = ["DEFAULT_BASE_URL", "PLUGIN", "BotConfig", "BotStore", "ChatSettings"]

PLUGIN = "telegram"
DEFAULT_BASE_URL = "https://api.telegram.org"
"""The Bot API server's root; the plugin adds ``/bot<token>/<method>`` itself."""


@attrs.frozen(slots=True)
class BotConfig:
    """The connected bot: its sealed token, who it is, where its API is, whom it serves."""

    token: Mapping[str, str]
    """Sealed by ``Workspace.seal_secret``; ``BotStore.token`` opens it."""
    username: str
    bot_id: int
    base_url: str = DEFAULT_BASE_URL
    allowed_chats: frozenset[int] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "token": dict(self.token),
            "username": self.username,
            "bot_id": self.bot_id,
            "base_url": self.base_url,
            "allowed_chats": sorted(self.allowed_chats),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BotConfig:
        return cls(
            token=dict(data["token"]),
            username=str(data["username"]),
            bot_id=int(data["bot_id"]),
            base_url=str(data.get("base_url") or DEFAULT_BASE_URL),
            allowed_chats=frozenset(int(chat) for chat in data.get("allowed_chats", ())),
        )


@attrs.frozen(slots=True)
class ChatSettings:
    """One chat's choices: which sources it watches, whether the worker syncs them on
    schedule (``media_sync_enabled``), whether it hears about their syncs."""

    chat_id: int
    media_sync_enabled: bool = True
    notifications: bool = True
    sources: tuple[str, ...] = ()

    def watches(self, source: str) -> bool:
        return source in self.sources

    def with_sources(self, sources: Iterable[str]) -> ChatSettings:
        return attrs.evolve(self, sources=tuple(sorted(set(sources))))

    def to_json(self) -> dict[str, Any]:
        return {
            "media_sync_enabled": self.media_sync_enabled,
            "notifications": self.notifications,
            "sources": list(self.sources),
        }

    @classmethod
    def from_json(cls, chat_id: int, data: Mapping[str, Any] | None) -> ChatSettings:
        if not data:
            return cls(chat_id)
        return cls(
            chat_id,
            media_sync_enabled=bool(data.get("media_sync_enabled", True)),
            notifications=bool(data.get("notifications", True)),
            sources=tuple(str(s) for s in data.get("sources", ())),
        )


class BotStore:
    """Reads and writes the bot's state through a workspace (from any thread)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # -- the bot ---------------------------------------------------------------------------------

    def config(self) -> BotConfig | None:
        data = self.workspace.get_state(PLUGIN, "bot", "config")
        return None if data is None else BotConfig.from_json(data)

    def require_config(self) -> BotConfig:
        config = self.config()
        if config is None:
            raise UsageError(
                "no Telegram bot is connected: run `mediasync telegram connect --token TOKEN "
                "--allow CHAT_ID` first"
            )
        return config

    def save_config(self, config: BotConfig) -> None:
        self.workspace.set_state(PLUGIN, "bot", "config", config.to_json())

    def token(self, config: BotConfig) -> Secret:
        try:
            return self.workspace.open_secret(config.token, "telegram bot token")
        except SettingsError as exc:
            # The core's own advice names `sources add`; a reference's problem is worth showing.
            reason = (
                "the stored bot token cannot be decrypted (was the secret key file replaced?)"
                if "$encrypted" in config.token
                else str(exc)
            )
            raise SettingsError(
                f"{reason}; connect the bot again with `mediasync telegram connect`"
            ) from None

    def allow(self, chat_id: int, allowed: bool = True) -> BotConfig:
        config = self.require_config()
        chats = config.allowed_chats | {chat_id} if allowed else config.allowed_chats - {chat_id}
        config = attrs.evolve(config, allowed_chats=chats)
        self.save_config(config)
        return config

    # -- chats -----------------------------------------------------------------------------------

    def chat(self, chat_id: int) -> ChatSettings:
        return ChatSettings.from_json(
            chat_id, self.workspace.get_state(PLUGIN, "chat", str(chat_id))
        )

    def save_chat(self, settings: ChatSettings) -> None:
        self.workspace.set_state(PLUGIN, "chat", str(settings.chat_id), settings.to_json())

    def chats(self) -> list[ChatSettings]:
        stored = self.workspace.list_state(PLUGIN, "chat")
        return sorted(
            (ChatSettings.from_json(int(key), value) for key, value in stored.items()),
            key=lambda chat: chat.chat_id,
        )

    def watchers(self, source: str, config: BotConfig) -> list[ChatSettings]:
        """The allowed chats watching ``source`` (a denied chat's settings are kept, unused)."""
        return [
            chat
            for chat in self.chats()
            if chat.watches(source) and chat.chat_id in config.allowed_chats
        ]

    def paused_sources(self, sources: Iterable[str]) -> set[str]:
        """Those of ``sources`` whose scheduled syncs the chats paused: watched by allowed
        chats, every one of which turned ``media_sync_enabled`` off. A source nobody watches
        is never paused by the bot."""
        config = self.config()
        if config is None:
            return set()
        chats = [chat for chat in self.chats() if chat.chat_id in config.allowed_chats]
        paused = set()
        for source in sources:
            watchers = [chat for chat in chats if chat.watches(source)]
            if watchers and not any(chat.media_sync_enabled for chat in watchers):
                paused.add(source)
        return paused

    # -- failure alerts --------------------------------------------------------------------------

    def alerted_failure(self, source: str) -> int | None:
        """The run whose failure the watchers were told about, while the source still fails."""
        data = self.workspace.get_state(PLUGIN, "alert", source)
        return None if not data else int(data["run_id"])

    def set_alerted_failure(self, source: str, run_id: int | None) -> None:
        value = None if run_id is None else {"run_id": run_id}
        self.workspace.set_state(PLUGIN, "alert", source, value)
