"""The method table, and who may call it.

Facts followed: requests go to ``/bot<token>/<METHOD_NAME>`` ("Making requests"); method
names are case-insensitive (the server lower-cases them before looking them up,
``Query::Query``); an unknown method is 404 ``Not Found``. A token is ``<bot id>:<secret>``:
api.telegram.org answers 404 ``Not Found`` to one that cannot be a token at all (no ``:``, a
bot id that is not a positive number) and 401 ``Unauthorized`` to a well-formed one it does not
know, or one that was revoked (PTB turns both into ``InvalidToken``).
"""

from __future__ import annotations

from fakes.telegram._call import Answer, Call, Handler, Settings
from fakes.telegram._errors import NOT_FOUND, UNAUTHORIZED, BotApiError
from fakes.telegram._messages import (
    answer_callback_query,
    delete_message,
    edit_message_caption,
    edit_message_reply_markup,
    edit_message_text,
    send_chat_action,
    send_message,
    send_photo,
)
from fakes.telegram._model import BotAccount, State
from fakes.telegram._params import Params
from fakes.telegram._polling import delete_webhook, get_updates, get_webhook_info, set_webhook
from fakes.telegram._profile import delete_my_commands, get_me, get_my_commands, set_my_commands

__all__ = ["METHODS", "BotApi"]

_HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "deleteWebhook": delete_webhook,
    "setWebhook": set_webhook,
    "getWebhookInfo": get_webhook_info,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
}
METHODS = tuple(_HANDLERS)
"""The methods the fake serves, spelled as the Bot API documents them."""
_BY_KEY = {name.lower(): (name, handler) for name, handler in _HANDLERS.items()}


def _well_formed(token: str) -> bool:
    bot_id, colon, secret = token.partition(":")
    return bool(colon and secret) and bot_id.isdigit() and 0 < int(bot_id) < 2**54


class BotApi:
    def __init__(self, state: State, settings: Settings) -> None:
        self.state = state
        self.settings = settings

    @staticmethod
    def canonical(method: str) -> str:
        """The documented spelling of ``method``, or ``method`` itself when it is unknown."""
        entry = _BY_KEY.get(method.lower())
        return entry[0] if entry else method

    def authenticate(self, token: str) -> BotAccount:
        if not _well_formed(token):
            raise BotApiError(404, NOT_FOUND)
        bot = self.state.bot_for(token)
        if bot is None or bot.revoked:
            raise BotApiError(401, UNAUTHORIZED)
        return bot

    def call(self, bot: BotAccount, method: str, params: Params) -> Answer:
        entry = _BY_KEY.get(method.lower())
        if entry is None:
            raise BotApiError(404, NOT_FOUND)
        return entry[1](Call(self.state, bot, params, self.settings))
