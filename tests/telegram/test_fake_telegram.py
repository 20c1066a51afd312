"""The fake Telegram Bot API behaves as the documentation says, through the real
python-telegram-bot: a ``telegram.Bot`` for single calls, a ``telegram.ext.Application``
polling for updates for the bot's side of a conversation.

Each test runs its PTB code in ``asyncio.run`` under a deadline (``run``); inside it, the
test awaits the bot's reaction with ``fake.async_wait_for`` rather than sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest
from fakes.telegram import FakeTelegram
from media_factory import jpeg_bytes, png_bytes
from telegram import (
    Bot,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

T = TypeVar("T")
App = Application[Any, Any, Any, Any, Any, Any]
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


def run(scenario: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Runs a test's PTB code on a fresh event loop; a hang fails the test after ``timeout``."""
    return asyncio.run(asyncio.wait_for(scenario, timeout))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def quick_request() -> HTTPXRequest:
    """PTB's HTTP client with short timeouts: a request the fake never answers fails fast."""
    return HTTPXRequest(connect_timeout=2.0, read_timeout=3.0, write_timeout=2.0, pool_timeout=2.0)


def make_bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    return Bot(
        token or fake.token,
        base_url=fake.base_url,
        request=quick_request(),
        get_updates_request=quick_request(),
    )


def build_app(fake: FakeTelegram) -> App:
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .request(quick_request())
        .get_updates_request(quick_request())
        .build()
    )


@contextlib.asynccontextmanager
async def polling(app: App, **start_polling: Any) -> AsyncIterator[App]:
    """The Application started and polling, as ``run_polling`` would have it, and shut down
    cleanly afterwards (the updater's last getUpdates confirms what it fetched)."""
    assert app.updater is not None
    await app.initialize()
    try:
        await app.start()
        await app.updater.start_polling(**start_polling)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()


@pytest.fixture
def image_url() -> Iterator[str]:
    """A loopback web server with one PNG on it, for sendPhoto by URL."""
    body = png_bytes(2048, seed=3)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/picture.png"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# -- a bot's own calls -------------------------------------------------------------------------


def test_a_bot_reads_itself_sends_edits_and_lists_its_commands(fake: FakeTelegram) -> None:
    fake.chat(42)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sync now", callback_data="sync")]])

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            assert bot.username == "MediasyncTestBot"
            assert (await bot.get_me()).can_join_groups is True
            sent = await bot.send_message(
                42, "<b>3 new</b> photos 🎉", parse_mode="HTML", reply_markup=keyboard
            )
            assert sent.text == "3 new photos 🎉"
            assert sent.entities[0].type == "bold"
            assert sent.entities[0].length == 5
            assert sent.reply_markup == keyboard
            edited = await bot.edit_message_text("Synced", chat_id=42, message_id=sent.message_id)
            assert isinstance(edited, type(sent))
            assert edited.edit_date is not None
            assert await bot.set_my_commands([("sync", "Sync now"), ("/status", "What ran")])
            commands = await bot.get_my_commands()
            assert [(c.command, c.description) for c in commands] == [
                ("sync", "Sync now"),
                ("status", "What ran"),
            ]

    run(scenario())
    [message] = fake.outbox(42)
    assert message.text == "Synced"
    assert message.buttons == []  # edited without reply_markup: the keyboard is gone
    assert [r.text for r in message.history] == ["3 new photos 🎉"]
    assert message.history[0].reply_markup == keyboard.to_dict()
    assert fake.commands() == [
        {"command": "sync", "description": "Sync now"},
        {"command": "status", "description": "What ran"},
    ]
    assert fake.calls["getMe"] == 2
    assert fake.calls["sendMessage"] == 1


def test_an_identical_edit_is_not_modified_and_a_missing_message_is_not_found(
    fake: FakeTelegram,
) -> None:
    fake.chat(42)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            sent = await bot.send_message(42, "Syncing…")
            with pytest.raises(BadRequest) as same:
                await bot.edit_message_text("Syncing…", chat_id=42, message_id=sent.message_id)
            assert same.value.message.startswith("Message is not modified: specified new message")
            with pytest.raises(BadRequest, match="Message to edit not found"):
                await bot.edit_message_text("x", chat_id=42, message_id=sent.message_id + 10)
            with pytest.raises(BadRequest, match="Message is not modified"):
                await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Stop", callback_data="stop")]])
            await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=markup)

    run(scenario())
    [message] = fake.outbox(42)
    assert message.callback_data == ["stop"]
    assert len(message.history) == 1
    assert fake.requests[2].description == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )


def test_sends_are_refused_with_telegrams_own_descriptions(fake: FakeTelegram) -> None:
    fake.chat(42)
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            refused: list[tuple[Callable[[], Awaitable[Any]], str]] = [
                (lambda: bot.send_message(43, "hi"), "Bad Request: chat not found"),
                (lambda: bot.send_message(42, ""), "Bad Request: message text is empty"),
                (lambda: bot.send_message(42, "x" * 4097), "Bad Request: message is too long"),
                (
                    lambda: bot.send_message(42, "<b>3 new", parse_mode="HTML"),
                    "Bad Request: can't parse entities: Can't find end tag corresponding to "
                    'start tag "b"',
                ),
                (
                    lambda: bot.send_message(42, "1.5 GB synced", parse_mode="MarkdownV2"),
                    "Bad Request: can't parse entities: Character '.' is reserved and must be "
                    "escaped with the preceding '\\'",
                ),
                (
                    lambda: bot.send_message(42, "pick", reply_markup=too_long_data),
                    "Bad Request: BUTTON_DATA_INVALID",
                ),
            ]
            for send, description in refused:
                with pytest.raises(BadRequest):
                    await send()
                assert fake.requests[-1].description == description
                assert fake.requests[-1].status == 400
            # The limit counts the text as shown: markup does not count, an emoji is one.
            await bot.send_message(42, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
            await bot.send_message(42, "🎉" * 4096)
            fake.block_bot(42)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(42, "still there?")

    run(scenario())
    assert [len(m.text or "") for m in fake.outbox(42)] == [4096, 4096]


def test_a_users_commands_carry_bot_command_entities_in_utf16_units(fake: FakeTelegram) -> None:
    texts = ["/ping", "🎉 /sync photos", "/status@MediasyncTestBot now", "see /help_me, or/not"]
    updates = [fake.send_text(42, text) for text in texts]

    commands = []
    for raw in updates:
        assert raw is not None
        update = Update.de_json(raw, None)
        assert update.message is not None
        commands.append(list(update.message.parse_entities(["bot_command"]).values()))
    assert commands == [["/ping"], ["/sync"], ["/status@MediasyncTestBot"], ["/help_me"]]
    assert updates[1] is not None
    assert updates[1]["message"]["entities"][0]["offset"] == 3
    assert [u["update_id"] for u in fake.pending_updates()] == [1, 2, 3, 4]


def test_commands_are_kept_per_scope_and_language_and_checked_like_telegram(
    fake: FakeTelegram,
) -> None:
    groups = BotCommandScopeAllGroupChats()

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            await bot.set_my_commands([("sync", "Sync now")], scope=groups, language_code="de")
            assert await bot.get_my_commands() == ()
            [command] = await bot.get_my_commands(scope=groups, language_code="de")
            assert command.command == "sync"
            with pytest.raises(BadRequest, match="Bot_command_invalid"):
                await bot.set_my_commands([("Sync", "Sync now")])
            with pytest.raises(BadRequest, match="Command description must be non-empty"):
                await bot.set_my_commands([("sync", "  ")])
            assert await bot.delete_my_commands(scope=groups, language_code="de")

    run(scenario())
    assert fake.commands({"type": "all_group_chats"}, "de") == []
    assert fake.requests[4].description == "Bad Request: BOT_COMMAND_INVALID"


def test_a_bot_deletes_its_messages_shows_chat_actions_and_filters_updates(
    fake: FakeTelegram,
) -> None:
    fake.chat(42)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            assert await bot.send_chat_action(42, "typing")
            sent = await bot.send_message(42, "Syncing…")
            assert await bot.delete_message(42, sent.message_id)
            with pytest.raises(BadRequest, match="Message to delete not found"):
                await bot.delete_message(42, sent.message_id)
            assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
            assert fake.send_text(42, "a message the bot chose not to receive") is None
            assert await bot.get_updates() == ()

    run(scenario())
    [message] = fake.outbox(42)
    assert message.deleted


# -- getting updates ---------------------------------------------------------------------------


def test_updates_stay_until_an_offset_confirms_them(fake: FakeTelegram) -> None:
    for text in ("one", "two", "three"):
        fake.send_text(42, text)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            first = await bot.get_updates(limit=2)
            again = await bot.get_updates(limit=2)
            assert [u.update_id for u in again] == [u.update_id for u in first] == [1, 2]
            rest = await bot.get_updates(offset=first[-1].update_id + 1)
            assert [u.message.text for u in rest if u.message] == ["three"]
            assert [u["update_id"] for u in fake.pending_updates()] == [3]
            assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
            for text in ("a", "b", "c"):
                fake.send_text(42, text)
            newest = await bot.get_updates(offset=-1)
            assert [u.message.text for u in newest if u.message] == ["c"]

    run(scenario())
    assert [u["message"]["text"] for u in fake.pending_updates()] == ["c"]


def test_a_waiting_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with make_bot(fake) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await fake.async_wait_until(fake.is_polling, what="the poll to wait")
            fake.send_text(42, "wake up")
            updates = await asyncio.wait_for(poll, 2)
            assert [u.message.text for u in updates if u.message] == ["wake up"]

    run(scenario())
    [poll] = [r for r in fake.requests if r.method == "getUpdates"]
    assert poll.params["timeout"] == "30"
    assert poll.duration < 2


def test_a_second_poller_terminates_the_first_with_a_conflict(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with make_bot(fake) as first, make_bot(fake) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=5))
            await fake.async_wait_until(fake.is_polling, what="the first poll to wait")
            newer = asyncio.create_task(second.get_updates(timeout=5))
            with pytest.raises(Conflict) as conflict:
                await waiting
            assert conflict.value.message == GET_UPDATES_CONFLICT
            fake.send_text(42, "who gets this?")
            updates = await newer
            assert [u.message.text for u in updates if u.message] == ["who gets this?"]

    run(scenario())
    assert [r.status for r in fake.requests if r.method == "getUpdates"] == [409, 200]


def test_a_webhook_blocks_polling_until_deleted_with_its_pending_updates(
    fake: FakeTelegram,
) -> None:
    fake.set_webhook("https://old-deployment.example/hook")
    fake.send_text(42, "sent while the webhook was set")

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(Conflict, match="can't use getUpdates method while webhook"):
                await bot.get_updates()
            info = await bot.get_webhook_info()
            assert info.url.startswith("https://old-deployment")
            assert info.pending_update_count == 1
            assert await bot.delete_webhook(drop_pending_updates=True)
            assert await bot.get_updates() == ()

    run(scenario())
    [deleted] = [r for r in fake.requests if r.method == "deleteWebhook"]
    assert deleted.description == "Webhook was deleted"
    assert deleted.params == {"drop_pending_updates": "true"}


# -- an Application polling --------------------------------------------------------------------


def test_an_application_answers_ping_commands_it_polls_for(fake: FakeTelegram) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    app = build_app(fake)
    app.add_handler(CommandHandler("ping", ping))
    group = -1001234567890

    async def scenario() -> None:
        async with polling(app):
            fake.send_text(42, "/ping")
            await fake.async_wait_for(lambda m: m.text == "pong", chat_id=42)
            fake.send_text(group, "/ping@SomeOtherBot", chat_type="supergroup")
            fake.send_text(group, "/ping@MediasyncTestBot", chat_type="supergroup")
            await fake.async_wait_for(lambda m: m.text == "pong", chat_id=group)

    run(scenario())
    [private] = fake.outbox(42)
    [in_group] = fake.outbox(group)  # the command addressed to another bot got no answer
    assert private.reply_to_message_id is None
    assert in_group.reply_to_message_id == 2  # PTB quotes the command in groups
    assert fake.calls["getMe"] == 1
    assert fake.calls["deleteWebhook"] == 1
    assert fake.pending_updates() == []  # the updater's last poll confirmed everything


def test_an_inline_button_press_reaches_the_callback_query_handler(fake: FakeTelegram) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        buttons = [
            InlineKeyboardButton("Photos", callback_data="sync:photos"),
            InlineKeyboardButton("Drive", callback_data="sync:drive"),
        ]
        await update.effective_message.reply_text(
            "Sync which source?", reply_markup=InlineKeyboardMarkup([buttons])
        )

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        assert query.data is not None
        await query.answer("Syncing")
        await query.edit_message_text(f"Syncing {query.data.removeprefix('sync:')}…")

    app = build_app(fake)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(chosen, pattern="^sync:"))

    async def scenario() -> None:
        async with polling(app):
            fake.send_text(42, "/menu")
            shown = await fake.async_wait_for(lambda m: bool(m.buttons), chat_id=42)
            assert shown.callback_data == ["sync:photos", "sync:drive"]
            press = fake.press_button(42, shown.message_id, "sync:drive")
            await fake.async_wait_for(lambda m: m.edited, chat_id=42)
            await fake.async_wait_until(lambda: press.answer is not None, what="the answer")

    run(scenario())
    [message] = fake.outbox(42)
    assert message.text == "Syncing drive…"
    assert message.buttons == []
    assert message.history[0].text == "Sync which source?"
    [press] = fake.callback_queries()
    assert press.answer is not None
    assert press.answer.text == "Syncing"
    with pytest.raises(ValueError, match="no button with callback_data 'sync:drive'"):
        fake.press_button(42, message.message_id, "sync:drive")  # the keyboard is gone


def test_an_application_hears_of_a_conflict_through_its_error_callback(
    fake: FakeTelegram,
) -> None:
    errors: list[TelegramError] = []
    fake.fail_next("getUpdates", 409)
    app = build_app(fake)

    async def scenario() -> None:
        async with polling(app, error_callback=errors.append):
            await fake.async_wait_until(lambda: bool(errors), what="the error callback")

    run(scenario())
    assert isinstance(errors[0], Conflict)
    assert errors[0].message == GET_UPDATES_CONFLICT


# -- tokens, flood control, faults -------------------------------------------------------------


def test_a_wrong_token_raises_invalid_token(fake: FakeTelegram) -> None:
    unknown = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

    async def scenario() -> None:
        with pytest.raises(InvalidToken) as rejected:
            async with make_bot(fake, token=unknown):
                pass
        # PTB names the token in this message: the plugin must never log it as it is.
        assert unknown in str(rejected.value)
        with pytest.raises(InvalidToken):
            async with make_bot(fake, token="not-a-token"):
                pass
        async with make_bot(fake) as bot:
            fake.revoke()
            with pytest.raises(InvalidToken):
                await bot.get_me()

    run(scenario())
    assert [(r.status, r.description) for r in fake.requests] == [
        (401, "Unauthorized"),
        (404, "Not Found"),
        (200, None),
        (401, "Unauthorized"),
    ]


def test_flood_control_raises_retry_after_with_the_servers_delay(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22: retry_after as a timedelta
    fake.chat(42)
    fake.fail_next("sendMessage", 429, retry_after=3)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(RetryAfter) as limited:
                await bot.send_message(42, "sync finished")
            retry = limited.value.retry_after
            seconds = retry.total_seconds() if isinstance(retry, dtm.timedelta) else retry
            assert seconds == 3
            await bot.send_message(42, "sync finished")

    run(scenario())
    fake.fail_next("sendMessage", 429, retry_after=7)
    raw = httpx.post(
        f"{fake.base_url}{fake.token}/sendMessage", data={"chat_id": 42, "text": "x"}, timeout=5
    )
    assert raw.status_code == 429
    assert raw.headers["Retry-After"] == "7"
    assert raw.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert len(fake.outbox(42)) == 1


def test_server_trouble_surfaces_as_network_errors(fake: FakeTelegram) -> None:
    fake.fail_next("getMe", kind="drop")
    fake.fail_next("getMe", kind="html")
    fake.fail_next("getMe", 500)

    async def scenario() -> None:
        bot = make_bot(fake)
        try:
            for _ in range(3):
                with pytest.raises(NetworkError):
                    await bot.get_me()
            assert (await bot.get_me()).username == "MediasyncTestBot"
        finally:
            await bot.shutdown()

    run(scenario())
    assert [r.fault for r in fake.requests] == ["drop", "html", "error", None]
    assert fake.faults.injected == {"drop": 1, "html": 1, "error": 1}


def test_the_request_log_never_prints_the_token(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with make_bot(fake) as bot:
            await bot.get_my_commands()

    run(scenario())
    assert fake.token not in repr(fake.requests)
    assert [r.path for r in fake.requests] == ["/bot<token>/getMe", "/bot<token>/getMyCommands"]
    assert all(r.token == fake.token for r in fake.requests)


# -- photos, request formats, unknown methods --------------------------------------------------


def test_photos_go_up_as_uploads_file_ids_and_urls(fake: FakeTelegram, image_url: str) -> None:
    fake.chat(42)
    picture = jpeg_bytes(4096, seed=1)

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            sent = await bot.send_photo(
                42, photo=picture, caption="<b>Day one</b>", parse_mode="HTML"
            )
            assert sent.caption == "Day one"
            assert sent.photo[-1].file_size == 4096
            await bot.send_photo(42, photo=sent.photo[-1].file_id)
            await bot.send_photo(42, photo=image_url)
            with pytest.raises(BadRequest):
                await bot.send_photo(42, photo=b"%PDF-1.7 not a picture")
            with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
                await bot.send_photo(42, photo="no-such-file-id")

    run(scenario())
    upload, by_id, by_url = fake.outbox(42)
    assert upload.photo is not None
    assert upload.photo.source == "upload"
    assert upload.photo.data == picture
    assert upload.caption == "Day one"
    assert by_id.photo is not None
    assert (by_id.photo.source, by_id.photo.size) == ("file_id", 4096)
    assert by_url.photo is not None
    assert by_url.photo.url == image_url
    assert by_url.photo.size == 2048
    assert fake.requests[-2].description == "Bad Request: IMAGE_PROCESS_FAILED"
    assert fake.requests[1].params["photo"].endswith(", 4096 bytes>")


def test_a_photos_caption_is_edited_and_a_texts_is_not(fake: FakeTelegram) -> None:
    fake.chat(42)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            photo = await bot.send_photo(42, jpeg_bytes(512), caption="Day", reply_markup=keyboard)
            text = await bot.send_message(42, "words")
            edited = await bot.edit_message_caption(42, photo.message_id, caption="Done")
            assert isinstance(edited, Message)
            assert edited.caption == "Done"
            with pytest.raises(BadRequest, match="Message is not modified"):
                await bot.edit_message_caption(42, photo.message_id, caption="Done")
            with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
                await bot.edit_message_caption(42, text.message_id, caption="no")
            with pytest.raises(BadRequest, match="Message caption is too long"):
                await bot.edit_message_caption(42, photo.message_id, caption="x" * 1025)

    run(scenario())
    shown = fake.outbox(42)[0]
    assert (shown.caption, shown.buttons) == ("Done", []), "an edit without a keyboard drops it"
    assert [(r.caption, r.reply_markup is not None) for r in shown.history] == [("Day", True)]


def test_parameters_arrive_as_json_forms_or_query_strings_and_unknown_methods_are_404(
    fake: FakeTelegram,
) -> None:
    fake.chat(42)
    api = f"{fake.base_url}{fake.token}"
    keyboard = {"inline_keyboard": [[{"text": "Open", "callback_data": "open"}]]}
    with httpx.Client(timeout=5) as client:
        assert client.get(f"{api}/GETME").json()["result"]["username"] == "MediasyncTestBot"
        as_json = client.post(
            f"{api}/sendMessage", json={"chat_id": 42, "text": "json", "reply_markup": keyboard}
        )
        as_form = client.post(f"{api}/sendMessage", data={"chat_id": "42", "text": "form"})
        as_query = client.get(f"{api}/sendMessage", params={"chat_id": 42, "text": "query"})
        unknown = client.post(f"{api}/sendTelepathy", json={"chat_id": 42})
    assert [r.json()["result"]["text"] for r in (as_json, as_form, as_query)] == [
        "json",
        "form",
        "query",
    ]
    assert as_json.json()["result"]["reply_markup"] == keyboard
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

    async def scenario() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("send_telepathy")

    run(scenario())
    assert fake.calls["getMe"] == 2
    assert fake.calls["sendTelepathy"] == 2
