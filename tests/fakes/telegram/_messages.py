"""Sending, editing and deleting messages, and answering button presses.

Facts followed (Bot API sendMessage, sendPhoto, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage, sendChatAction, answerCallbackQuery;
tdlib/telegram-bot-api ``process_send_message_query``, ``process_edit_message_text_query``,
``process_edit_message_caption_query``, ``check_message``; TDLib ``MessageContent.cpp``), in the
order the server checks them:

- ``text`` absent or empty: ``message text is empty``; over 32768 bytes as sent: ``text is too
  long``; then ``parse_mode`` (see ``_markup``) and ``reply_markup`` (see ``_keyboards``);
- ``chat_id`` absent: ``chat_id is empty``; a chat the bot does not know: ``chat not found``;
  a user who blocked the bot: 403 ``Forbidden: bot was blocked by the user`` (``bot was kicked
  from the group chat`` in a group);
- the text as shown (markup removed) empty or blank: ``text must be non-empty``; longer than
  4096 characters: ``message is too long``; a caption longer than 1024: ``message caption is
  too long``;
- ``reply_parameters`` (or the older ``reply_to_message_id``) naming a message that is not in
  the chat: ``message to be replied not found``, unless ``allow_sending_without_reply``;
- editing: an unknown ``message_id``: ``message to edit not found``; the same text, entities
  and keyboard as now: ``message is not modified: specified new message content and reply
  markup are exactly the same as a current content and reply markup of the message``; an edit
  without ``reply_markup`` removes the inline keyboard; editMessageText on a photo: ``there is no
  text in the message to edit``; editMessageCaption on a text message: ``there is no caption in
  the message to edit`` (an empty caption removes the photo's caption; over 1024 characters:
  ``message caption is too long``);
- deleting: ``message to delete not found``; a user's message in a group: ``message can't be
  deleted`` (the bot is no admin in the fake);
- answerCallbackQuery with an id the bot never got: ``query is too old and response timeout
  expired or query ID is invalid``.

The stricter readings: a second answer to the same callback query gets that same error, and
editing a user's message is ``message can't be edited``.
"""

from __future__ import annotations

import json
from typing import Any

from fakes.telegram._call import Answer, Call, conversation, now, writable
from fakes.telegram._errors import bad_request
from fakes.telegram._keyboards import parse_reply_markup
from fakes.telegram._markup import Formatted, format_text
from fakes.telegram._model import CallbackAnswer, Conversation, SentMessage
from fakes.telegram._photos import resolve_photo

__all__ = [
    "answer_callback_query",
    "delete_message",
    "edit_message_caption",
    "edit_message_reply_markup",
    "edit_message_text",
    "send_chat_action",
    "send_message",
    "send_photo",
]

Json = dict[str, Any]
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_RAW_BYTES = 1 << 15
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)


def _formatted_text(call: Call) -> tuple[str, Formatted]:
    raw = call.params.text("text")
    if not raw:
        raise bad_request("message text is empty")
    if len(raw.encode("utf-8")) > MAX_RAW_BYTES:
        raise bad_request("text is too long")
    parse_mode = call.params.text("parse_mode")
    return raw, format_text(raw, parse_mode, call.params.json("entities", what="entities"))


def _check_shown_text(text: str, limit: int, too_long: str) -> None:
    if not text.strip():
        raise bad_request("text must be non-empty")
    if len(text) > limit:
        raise bad_request(too_long)


def _reply_target(call: Call, conv: Conversation) -> int | None:
    params = call.params
    reply = params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id, allow = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.integer("reply_to_message_id") or None
        allow = params.boolean("allow_sending_without_reply")
    if not isinstance(message_id, int) or message_id <= 0:
        return None
    if conv.has_message(message_id):
        return message_id
    if allow:
        return None
    raise bad_request("message to be replied not found")


def _message_json(conv: Conversation, message: SentMessage) -> Json:
    body = message.to_json()
    target = message.reply_to_message_id
    if target is not None:
        replied = conv.sent[target].to_json() if target in conv.sent else conv.incoming[target]
        body["reply_to_message"] = replied
    return body


def _deliver(call: Call, conv: Conversation, message: SentMessage) -> Answer:
    conv.sent[message.message_id] = message
    call.state.outbox.append(message)
    call.state.changed.notify_all()
    return Answer(_message_json(conv, message))


def send_message(call: Call) -> Answer:
    raw, shown = _formatted_text(call)
    markup = parse_reply_markup(call.params)
    with call.state.lock:
        conv = conversation(call)
        writable(conv)
        _check_shown_text(shown.text, MAX_TEXT, "message is too long")
        reply_to = _reply_target(call, conv)
        message = SentMessage(
            call.bot.user,
            conv.chat,
            conv.take_message_id(),
            now(),
            text=shown.text,
            entities=shown.entities,
            raw_text=raw,
            parse_mode=call.params.text("parse_mode") or None,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return _deliver(call, conv, message)


def send_photo(call: Call) -> Answer:
    photo = resolve_photo(call)
    params = call.params
    raw_caption = params.text("caption")
    caption = None
    if raw_caption:
        entities = params.json("caption_entities", what="caption entities")
        caption = format_text(raw_caption, params.text("parse_mode"), entities)
    markup = parse_reply_markup(params)
    with call.state.lock:
        conv = conversation(call)
        writable(conv)
        if caption is not None and len(caption.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        reply_to = _reply_target(call, conv)
        message = SentMessage(
            call.bot.user,
            conv.chat,
            conv.take_message_id(),
            now(),
            photo=photo,
            caption=caption.text if caption is not None else None,
            caption_entities=caption.entities if caption is not None else (),
            parse_mode=params.text("parse_mode") or None,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return _deliver(call, conv, message)


def _message_to_edit(call: Call) -> tuple[Conversation, SentMessage]:
    params = call.params
    if not params.has("chat_id") and not params.has("message_id"):
        if params.has("inline_message_id"):
            raise bad_request("message to edit not found")
        raise bad_request("message identifier is not specified")
    conv = conversation(call)
    writable(conv)
    message_id = params.integer("message_id")
    message = conv.sent.get(message_id)
    if message is None:
        if message_id in conv.incoming:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return conv, message


def _canonical(markup: Json | None) -> str:
    return json.dumps(markup, sort_keys=True)


def _record_edit(call: Call, conv: Conversation, message: SentMessage) -> Answer:
    message.edit_date = now()
    call.state.changed.notify_all()
    return Answer(_message_json(conv, message))


def edit_message_text(call: Call) -> Answer:
    raw, shown = _formatted_text(call)
    markup = parse_reply_markup(call.params, inline_only=True)
    with call.state.lock:
        conv, message = _message_to_edit(call)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        _check_shown_text(shown.text, MAX_TEXT, "message is too long")
        same_text = (message.text, message.entities) == (shown.text, shown.entities)
        if same_text and _canonical(message.reply_markup) == _canonical(markup):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.revision())
        message.text, message.entities, message.raw_text = shown.text, shown.entities, raw
        message.parse_mode = call.params.text("parse_mode") or None
        message.reply_markup = markup
        return _record_edit(call, conv, message)


def edit_message_caption(call: Call) -> Answer:
    params = call.params
    raw = params.text("caption")
    caption = None
    if raw:
        entities = params.json("caption_entities", what="caption entities")
        caption = format_text(raw, params.text("parse_mode"), entities)
    markup = parse_reply_markup(params, inline_only=True)
    with call.state.lock:
        conv, message = _message_to_edit(call)
        if message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        if caption is not None and len(caption.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        text = caption.text if caption is not None else None
        shown = caption.entities if caption is not None else ()
        same = (message.caption, message.caption_entities) == (text, shown)
        if same and _canonical(message.reply_markup) == _canonical(markup):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.revision())
        message.caption, message.caption_entities = text, shown
        message.reply_markup = markup
        return _record_edit(call, conv, message)


def edit_message_reply_markup(call: Call) -> Answer:
    markup = parse_reply_markup(call.params, inline_only=True)
    with call.state.lock:
        conv, message = _message_to_edit(call)
        if _canonical(message.reply_markup) == _canonical(markup):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.revision())
        message.reply_markup = markup
        return _record_edit(call, conv, message)


def delete_message(call: Call) -> Answer:
    with call.state.lock:
        conv = conversation(call)
        message_id = call.params.integer("message_id")
        if message_id in conv.sent:
            conv.sent[message_id].deleted = True
            del conv.sent[message_id]
        elif message_id in conv.incoming and conv.chat.type == "private":
            del conv.incoming[message_id]
        elif message_id in conv.incoming:
            raise bad_request("message can't be deleted")
        else:
            raise bad_request("message to delete not found")
        call.state.changed.notify_all()
        return Answer(True)


def send_chat_action(call: Call) -> Answer:
    with call.state.lock:
        conv = conversation(call)
        writable(conv)
        if call.params.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return Answer(True)


def answer_callback_query(call: Call) -> Answer:
    params = call.params
    with call.state.lock:
        query = call.bot.callback_queries.get(params.text("callback_query_id"))
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        query.answer = CallbackAnswer(
            text=params.text("text") or None,
            show_alert=params.boolean("show_alert"),
            url=params.text("url") or None,
            cache_time=params.integer("cache_time"),
        )
        call.state.changed.notify_all()
        return Answer(True)
