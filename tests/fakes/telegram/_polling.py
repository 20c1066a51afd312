"""Getting updates: the per-bot queue, long polling, and the webhook switch.

Facts followed (Bot API "Getting updates", getUpdates; tdlib/telegram-bot-api
``Client::process_get_updates_query``, ``do_get_updates``, ``abort_long_poll``):

- updates stay queued until confirmed: a getUpdates with ``offset`` higher than an update's
  ``update_id`` confirms it and it is gone for good; a negative ``offset`` keeps only the last
  ``-offset`` updates; ``limit`` is clamped to 1-100 (default 100) and ``timeout`` to 0-50;
- with nothing pending and ``timeout`` > 0 the call waits; an update arriving wakes it;
- a second getUpdates that is about to wait terminates the one already waiting, which answers
  409 ``Conflict: terminated by other getUpdates request; make sure that only one bot instance
  is running`` (the newer one goes on waiting); a setWebhook terminates it with ``Conflict:
  terminated by setWebhook request``;
- while a webhook is set getUpdates is 409 ``Conflict: can't use getUpdates method while webhook
  is active; use deleteWebhook to delete the webhook first``;
- ``allowed_updates`` replaces the stored filter (an empty list means every type but
  ``chat_member``, ``message_reaction`` and ``message_reaction_count``) and applies to updates
  created afterwards; omitted, the previous filter stays;
- deleteWebhook and setWebhook answer ``true`` with a ``description`` (``Webhook was deleted``,
  ``Webhook is already deleted``, ``Webhook was set``, ``Webhook is already set``);
  ``drop_pending_updates`` empties the queue.

Not modelled: the server's anti-busy-loop delays (a repeated short poll stretched to 3 seconds,
conflict answers spaced 3 seconds apart), and webhook delivery (a set webhook only blocks
getUpdates; updates wait in the queue, counted by getWebhookInfo).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from fakes.telegram._call import Answer, Call
from fakes.telegram._errors import (
    GET_UPDATES_CONFLICT,
    SET_WEBHOOK_CONFLICT,
    WEBHOOK_CONFLICT,
    BotApiError,
    bad_request,
)
from fakes.telegram._model import DEFAULT_ALLOWED_UPDATES, BotAccount, State

__all__ = ["delete_webhook", "enqueue", "get_updates", "get_webhook_info", "set_webhook"]

Json = dict[str, Any]
LONG_POLL_MAX_TIMEOUT = 50


def enqueue(state: State, bot: BotAccount, kind: str, payload: Json) -> Json | None:
    """Queues an update of ``kind`` for ``bot``; None when its ``allowed_updates`` exclude it
    (Telegram then never creates the update)."""
    with state.lock:
        if kind not in bot.allowed_updates:
            return None
        update = {"update_id": bot.next_update_id, kind: payload}
        bot.next_update_id += 1
        bot.updates.append(update)
        state.changed.notify_all()
        return copy.deepcopy(update)


def _confirm(bot: BotAccount, offset: int) -> None:
    if offset < 0:
        del bot.updates[: max(0, len(bot.updates) + offset)]
    elif offset > 0:
        bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]


def _ready(bot: BotAccount, offset: int, limit: int) -> list[Json]:
    ready = [u for u in bot.updates if offset <= 0 or u["update_id"] >= offset]
    return copy.deepcopy(ready[:limit])


def _allowed(call: Call) -> None:
    chosen = call.params.json("allowed_updates")
    if chosen is None:
        return
    if not isinstance(chosen, list) or not all(isinstance(k, str) for k in chosen):
        raise bad_request("can't parse allowed_updates JSON object")
    call.bot.allowed_updates = frozenset(chosen) or DEFAULT_ALLOWED_UPDATES


def get_updates(call: Call) -> Answer:
    state, bot, params = call.state, call.bot, call.params
    with state.lock:
        if bot.webhook_url:
            raise BotApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit", 100), 1), 100)
        timeout = min(max(params.integer("timeout"), 0), LONG_POLL_MAX_TIMEOUT)
        _allowed(call)
        _confirm(bot, offset)
        ready = _ready(bot, offset, limit)
        if ready or timeout == 0:
            return Answer(ready)
        return Answer(_long_poll(call, offset, limit, min(timeout, call.settings.long_poll_cap)))


def _long_poll(call: Call, offset: int, limit: int, wait: float) -> list[Json]:
    state, bot = call.state, call.bot
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.waiting_polls += 1
    state.changed.notify_all()  # a poll already waiting learns it was terminated
    deadline = time.monotonic() + wait
    try:
        while True:
            if bot.poll_generation != generation:
                raise BotApiError(
                    409, SET_WEBHOOK_CONFLICT if bot.webhook_url else GET_UPDATES_CONFLICT
                )
            ready = _ready(bot, offset, limit)
            remaining = deadline - time.monotonic()
            if ready or state.closing or remaining <= 0:
                return ready
            state.changed.wait(remaining)
    finally:
        bot.waiting_polls -= 1
        state.changed.notify_all()


def delete_webhook(call: Call) -> Answer:
    with call.state.lock:
        return Answer(True, _remove_webhook(call))


def _remove_webhook(call: Call) -> str:
    bot = call.bot
    if call.params.boolean("drop_pending_updates"):
        bot.updates.clear()
    was_set = bool(bot.webhook_url)
    bot.webhook_url = ""
    return "Webhook was deleted" if was_set else "Webhook is already deleted"


def set_webhook(call: Call) -> Answer:
    url = call.params.text("url").strip()
    with call.state.lock:
        if not url:
            return Answer(True, _remove_webhook(call))
        if not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        bot = call.bot
        _allowed(call)
        if call.params.boolean("drop_pending_updates"):
            bot.updates.clear()
        already = bot.webhook_url == url
        bot.webhook_url = url
        bot.poll_generation += 1  # terminates a waiting getUpdates
        call.state.changed.notify_all()
        return Answer(True, "Webhook is already set" if already else "Webhook was set")


def get_webhook_info(call: Call) -> Answer:
    with call.state.lock:
        bot = call.bot
        info: Json = {
            "url": bot.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
        }
        if bot.webhook_url:
            info["max_connections"] = 40
            info["allowed_updates"] = sorted(bot.allowed_updates)
        return Answer(info)
