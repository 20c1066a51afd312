"""``reply_markup``: reading and checking keyboards the way the server does.

Facts followed (Bot API InlineKeyboardMarkup, InlineKeyboardButton; tdlib/telegram-bot-api
``Client::get_reply_markup``, ``get_inline_keyboard_button``): ``reply_markup`` is a
JSON-serialized object (``can't parse reply keyboard markup JSON object`` otherwise);
``inline_keyboard`` is an array of button rows; every inline button has a ``text`` and exactly
one action field, a bare text button being ``Text buttons are unallowed in the inline
keyboard``; ``callback_data`` is 1-64 bytes, else ``BUTTON_DATA_INVALID``. Reply keyboards,
``remove_keyboard`` and ``force_reply`` are accepted on sends and not shown in the message.

The stricter reading: an edit accepts only an inline keyboard (``inline keyboard expected``),
and an empty inline keyboard counts as none.
"""

from __future__ import annotations

from typing import Any

from fakes.telegram._errors import bad_request
from fakes.telegram._params import Params

__all__ = ["parse_reply_markup"]

Json = dict[str, Any]
_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_reply_markup(params: Params, *, inline_only: bool = False) -> Json | None:
    markup = params.json("reply_markup", what="reply keyboard markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("Object expected as reply markup")
    if "inline_keyboard" not in markup:
        if inline_only:
            raise bad_request("inline keyboard expected")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    kept = [list(row) for row in rows if row]
    return {"inline_keyboard": kept} if kept else None


def _check_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "expected an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not any(key in button for key in _ACTIONS):
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and not (isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64):
        raise bad_request("BUTTON_DATA_INVALID")
