"""A loopback fake of the Telegram Bot API, for python-telegram-bot (PTB) end-to-end tests.

Usage::

    with FakeTelegram() as fake:
        bot = telegram.Bot(fake.token, base_url=fake.base_url)   # PTB's own Bot, unchanged
        fake.send_text(42, "/ping")                             # a user writes: update queued
        reply = fake.wait_for(lambda m: m.chat_id == 42)        # ... until the bot answered
        fake.press_button(42, reply.message_id, "again")        # a callback_query update
        fake.fail_next("sendMessage", 429, retry_after=3)       # faults on demand
        assert fake.calls["sendMessage"] == 1

``base_url`` is ``http://127.0.0.1:PORT/bot``, what PTB's ``base_url`` expects (PTB appends the
token, then ``/<method>``); ``root_url`` is the same without ``/bot``. ``token`` belongs to the
default bot (``@MediasyncTestBot``); ``add_bot`` makes more. Inside an asyncio test, await
``async_wait_for`` / ``async_wait_until``: the blocking versions would stop the event loop PTB
runs on.

The fake serves getMe, getUpdates, deleteWebhook, setWebhook, getWebhookInfo, sendMessage,
sendPhoto, editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage,
sendChatAction, answerCallbackQuery, setMyCommands, getMyCommands and deleteMyCommands
(``METHODS``); anything else is 404 ``Not Found``. ``calls`` counts requests per method,
``requests`` logs them with the token cut out of the path (``RequestRecord.token`` keeps it,
out of ``repr``).

Documented facts the fake follows (Telegram Bot API reference, core.telegram.org/bots/api, and
the open-source server behind it, tdlib/telegram-bot-api with TDLib; each module names its own):

- "Making requests": ``/bot<token>/<METHOD_NAME>``, GET or POST, parameters in the query
  string, a urlencoded or multipart form, or a JSON body; method names case-insensitive;
  answers ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": …,
  "parameters": {"retry_after": S}}`` with N as HTTP status (``_errors``, ``_params``, ``_api``);
- tokens: 401 ``Unauthorized`` for an unknown or revoked token, 404 ``Not Found`` for a malformed
  one or an unknown method (``_api``);
- getUpdates: offset confirmation, ``limit`` 1-100, ``timeout`` up to 50 s, long polls woken
  by a new update, a second waiting poll terminating the first with 409 ``Conflict: terminated
  by other getUpdates request; make sure that only one bot instance is running``, a set webhook
  blocking getUpdates, ``allowed_updates`` (``_polling``);
- messages: the 400 descriptions of sendMessage, sendPhoto and the edit methods (``chat not
  found``, ``message text is empty``, ``message is too long`` above 4096 characters of shown
  text, ``message is not modified: …``, ``message to edit not found``, …), ``parse_mode`` HTML /
  MarkdownV2 / Markdown with the parsers' own errors, entity offsets in UTF-16 code units,
  inline keyboards and ``callback_data`` of 1-64 bytes (``_messages``, ``_markup``,
  ``_keyboards``, ``_photos``, ``_entities``);
- ``bot_command`` entities on every command in a user's text, ``/cmd@BotName`` included, by
  TDLib's matching rule (``_entities``); BotCommand limits (``_profile``).

PTB behaviours the fake was checked against (PTB 22.x source): ``Bot.initialize`` calls getMe;
``Updater.start_polling`` calls deleteWebhook, then getUpdates with ``timeout`` (default 10 s)
and ``offset`` = last ``update_id`` + 1, and on stop one more getUpdates with ``timeout=0`` to
confirm; requests are form posts, multipart when a file goes along, every non-string value
JSON-encoded; errors map by status: 400 ``BadRequest``, 401/404 ``InvalidToken``, 403
``Forbidden``, 409 ``Conflict``, any ``parameters.retry_after`` ``RetryAfter``, else
``NetworkError``.

Where the documentation is silent the fake takes the stricter reading, and says so:

- a chat exists for a bot only once a user wrote there (``send_text``) or the test opened it
  (``chat``); sending anywhere else is ``chat not found``;
- a button can be pressed only on a message the bot sent, and only if it carries that
  ``callback_data`` now; a callback query can be answered once;
- photo uploads must be JPEG, PNG, GIF or WebP (else ``IMAGE_PROCESS_FAILED``); photo URLs are
  fetched from loopback hosts only;
- long polls wait at most ``long_poll_cap`` seconds (default 1), whatever ``timeout`` says, and
  answer ``[]`` then, as a real poll does when its timeout ends;
- an edit accepts only an inline keyboard; ``tg-time`` and ``tg://user`` links give no entity.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any

from fakes.telegram._api import METHODS, BotApi
from fakes.telegram._call import Settings
from fakes.telegram._faults import Fault, FaultKind, Faults
from fakes.telegram._inject import inject_press, inject_text, inject_update, open_chat
from fakes.telegram._model import (
    BotAccount,
    CallbackAnswer,
    CallbackQuery,
    Chat,
    ChatType,
    Photo,
    RequestRecord,
    Revision,
    SentMessage,
    State,
    User,
)
from fakes.telegram._server import BotApiServer

__all__ = [
    "METHODS",
    "BotAccount",
    "CallbackAnswer",
    "CallbackQuery",
    "Chat",
    "FakeTelegram",
    "Photo",
    "RequestRecord",
    "Revision",
    "SentMessage",
    "User",
]

Json = dict[str, Any]
_FIRST_BOT_ID = 7_000_000_001
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _token_for(bot_id: int, username: str) -> str:
    secret = hashlib.sha256(f"{bot_id}:{username}".encode()).hexdigest()
    return f"{bot_id}:AA{secret[:33]}"


class FakeTelegram:
    """The fake Bot API server, a default bot, and helpers to play the users' side."""

    def __init__(
        self,
        *,
        username: str = "MediasyncTestBot",
        first_name: str = "Mediasync",
        long_poll_cap: float = 1.0,
        url_fetch_timeout: float = 5.0,
    ) -> None:
        self.state = State()
        self.faults = Faults()
        settings = Settings(long_poll_cap, url_fetch_timeout, _LOOPBACK)
        self.api = BotApi(self.state, settings)
        self.server = BotApiServer(self.api, self.faults)
        self.bot = self.add_bot(username, first_name)
        """The default bot: every helper acts for it unless given ``bot=``."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        self.server.start()
        return self

    def stop(self) -> None:
        with self.state.lock:
            self.state.closing = True  # waiting long polls answer at once
            self.state.changed.notify_all()
        self.server.stop()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``, for a client that adds ``/bot<token>/`` itself."""
        return self.server.root_url

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``: PTB's ``base_url`` (it appends the token)."""
        return f"{self.server.root_url}/bot"

    @property
    def token(self) -> str:
        """The default bot's token."""
        return self.bot.token

    # -- bots, users, chats ------------------------------------------------------------------

    def add_bot(
        self,
        username: str,
        first_name: str | None = None,
        *,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
    ) -> BotAccount:
        """Another bot with its own token, updates and chats."""
        if not username.lower().endswith("bot"):
            raise ValueError(f"a bot's username ends in 'bot': {username!r}")
        with self.state.lock:
            bot_id = _FIRST_BOT_ID + len(self.state.bots)
            account = BotAccount(
                User(bot_id, first_name or username, username=username, is_bot=True),
                _token_for(bot_id, username),
                can_join_groups=can_join_groups,
                can_read_all_group_messages=can_read_all_group_messages,
            )
            self.state.bots.append(account)
            self.state.users[bot_id] = account.user
            return account

    def revoke(self, bot: BotAccount | None = None) -> None:
        """The token stops working (401 ``Unauthorized``), as after /revoke in @BotFather."""
        with self.state.lock:
            (bot or self.bot).revoked = True

    def user(
        self,
        first_name: str = "Ada",
        *,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> User:
        """A Telegram user; pass it as ``user=`` to ``send_text`` and ``press_button``."""
        with self.state.lock:
            chosen = user_id if user_id is not None else 100_000_000 + self.state.serial()
            made = User(chosen, first_name, username, last_name, language_code)
            self.state.users[chosen] = made
            return made

    def chat(
        self,
        chat_id: int,
        chat_type: ChatType = "private",
        *,
        title: str | None = None,
        user: User | None = None,
        bot: BotAccount | None = None,
    ) -> Chat:
        """Makes the chat known to the bot without a message (a user who started it earlier)."""
        return open_chat(
            self.state, bot or self.bot, chat_id, chat_type, title=title, user=user
        ).chat

    def block_bot(self, chat_id: int, bot: BotAccount | None = None) -> None:
        """The user blocks the bot (or the group removes it): sends there answer 403."""
        with self.state.lock:
            conv = (bot or self.bot).conversations.get(chat_id)
            if conv is None:
                raise ValueError(f"chat {chat_id} is not known to the bot")
            conv.blocked = True

    # -- the users' side ---------------------------------------------------------------------

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user: User | None = None,
        chat_type: ChatType = "private",
        title: str | None = None,
        reply_to: int | None = None,
        bot: BotAccount | None = None,
    ) -> Json | None:
        """A user writes ``text`` in the chat: a ``message`` update is queued for the bot.

        Returns the update (``None`` when the bot's ``allowed_updates`` exclude messages).
        In a private chat ``user`` defaults to the chat's owner, in a group to a member.
        """
        account = bot or self.bot
        conv = open_chat(self.state, account, chat_id, chat_type, title=title, user=user)
        return inject_text(self.state, account, conv, text, user=user, reply_to=reply_to)

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user: User | None = None,
        bot: BotAccount | None = None,
    ) -> CallbackQuery:
        """A user presses the inline button carrying ``data`` under the bot's message."""
        return inject_press(self.state, bot or self.bot, chat_id, message_id, data, user=user)

    def send_update(
        self, kind: str, payload: Json, *, bot: BotAccount | None = None
    ) -> Json | None:
        """Queues any update: ``kind`` is its field (``"edited_message"``…), ``payload`` its
        object; ``update_id`` is assigned like the others'."""
        return inject_update(self.state, bot or self.bot, kind, payload)

    def set_webhook(self, url: str, *, bot: BotAccount | None = None) -> None:
        """A webhook left behind by another deployment: getUpdates answers 409 until deleted."""
        with self.state.lock:
            (bot or self.bot).webhook_url = url

    # -- what the bot did --------------------------------------------------------------------

    def pending_updates(self, bot: BotAccount | None = None) -> list[Json]:
        """Updates queued and not yet confirmed by an ``offset``."""
        with self.state.lock:
            return [dict(u) for u in (bot or self.bot).updates]

    def is_polling(self, bot: BotAccount | None = None) -> bool:
        """True while a getUpdates of the bot is waiting for updates."""
        with self.state.lock:
            return (bot or self.bot).waiting_polls > 0

    def commands(
        self, scope: Json | None = None, language_code: str = "", *, bot: BotAccount | None = None
    ) -> list[dict[str, str]]:
        """The bot's command list for that scope and language, as setMyCommands left it."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self.state.lock:
            return [dict(c) for c in (bot or self.bot).commands.get(key, [])]

    def outbox(
        self, chat_id: int | None = None, *, bot: BotAccount | None = None
    ) -> list[SentMessage]:
        """Messages the bot sent, oldest first, in their current state (edits applied)."""
        account = bot or self.bot
        with self.state.lock:
            return [
                m
                for m in self.state.outbox
                if m.bot is account.user and (chat_id is None or m.chat_id == chat_id)
            ]

    def message(
        self, chat_id: int, message_id: int, *, bot: BotAccount | None = None
    ) -> SentMessage:
        for sent in self.outbox(chat_id, bot=bot):
            if sent.message_id == message_id:
                return sent
        raise KeyError(f"the bot sent no message {message_id} in chat {chat_id}")

    def callback_queries(self, *, bot: BotAccount | None = None) -> list[CallbackQuery]:
        with self.state.lock:
            return list((bot or self.bot).callback_queries.values())

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 5.0, *, what: str = ""
    ) -> None:
        """Blocks until ``condition()`` holds, re-checking after every change the fake sees.

        Raises AssertionError after ``timeout`` seconds. Not from the event loop PTB runs on:
        use ``async_wait_until`` there.
        """
        deadline = time.monotonic() + timeout
        with self.state.lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what or condition}"
                    )
                self.state.changed.wait(min(remaining, 0.1))

    def wait_for(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        chat_id: int | None = None,
        bot: BotAccount | None = None,
    ) -> SentMessage:
        """The first message the bot sent (in ``chat_id``, if given) that matches ``predicate``
        in its current state, waiting up to ``timeout`` seconds for one to appear or be edited
        into shape. Raises AssertionError listing what the bot did send."""
        found: list[SentMessage] = []

        def matched() -> bool:
            for sent in self.outbox(chat_id, bot=bot):
                if predicate is None or predicate(sent):
                    found.append(sent)
                    return True
            return False

        try:
            self.wait_until(matched, timeout)
        except AssertionError:
            seen = [(m.chat_id, m.message_id, m.text or m.caption) for m in self.outbox(bot=bot)]
            raise AssertionError(
                f"no matching message within {timeout}s; the bot sent {seen or 'nothing'}"
            ) from None
        return found[0]

    async def async_wait_for(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        chat_id: int | None = None,
        bot: BotAccount | None = None,
    ) -> SentMessage:
        """``wait_for`` for asyncio tests: waits in a worker thread, the loop keeps running."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, chat_id=chat_id, bot=bot)

    async def async_wait_until(
        self, condition: Callable[[], bool], timeout: float = 5.0, *, what: str = ""
    ) -> None:
        await asyncio.to_thread(self.wait_until, condition, timeout, what=what)

    # -- faults and the log ------------------------------------------------------------------

    def fail_next(
        self,
        method: str = "*",
        error_code: int | None = None,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        kind: FaultKind | None = None,
        delay: float = 0.5,
        body: bytes | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"``: any) fail.

        With ``error_code`` they answer that Bot API error (description: the given one or the
        usual one, e.g. 409's getUpdates conflict; 429 carries ``retry_after``, default 1);
        otherwise ``kind`` says how: ``"html"`` (a 502 page), ``"malformed"`` (a 200 whose JSON
        is cut off, or is ``body``), ``"drop"`` (connection closed) or ``"slow"`` (``delay``
        seconds, then served).
        """
        if method != "*" and method.lower() not in {m.lower() for m in METHODS}:
            raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)}, or '*')")
        chosen: FaultKind = kind or "error"
        fault = Fault(chosen, error_code, description, retry_after, delay, body)
        self.faults.add(method, fault, times)

    @property
    def calls(self) -> Counter[str]:
        return self.state.calls

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.requests

    def reset_log(self) -> None:
        with self.state.lock:
            self.state.calls.clear()
            self.state.requests.clear()
