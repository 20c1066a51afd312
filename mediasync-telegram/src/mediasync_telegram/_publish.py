"""``/publish ITEM [kind] [account]``: a preview of the item, with Publish and Cancel buttons.

Nothing is published by the command itself: it checks everything ``Workspace.publish`` would
(``plan_publication``: the item, the account, the kind, an earlier publication), shows the
item (the picture itself when Telegram can show it, else its name, size and kind; a video's
frame would need a decoder, so videos get the text) and stores the request for the buttons
(``_pending``). Pressing Publish is what publishes (``_publish_press``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import attrs

from mediasync import AlreadyPublished, Item, MediasyncError, UsageError, Workspace
from mediasync_telegram._context import Request
from mediasync_telegram._pending import PendingStore
from mediasync_telegram._send import MAX_CAPTION, flood_controlled
from mediasync_telegram._text import cut_message

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup, Message

__all__ = ["CANCEL", "GO", "Offer", "already_published", "plan_offer", "publish_command"]

logger = logging.getLogger("mediasync.telegram")

USAGE = "/publish ITEM [kind] [account]"
GO, CANCEL = "pub:go:", "pub:no:"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTO = 10 * 1024 * 1024
"""Telegram's limit for an uploaded photo; a larger picture is previewed as text."""


@attrs.frozen
class Offer:
    """What a Publish press would publish, every check passed, and the picture to show."""

    item: Item
    account: str
    kind: str
    photo: bytes | None = attrs.field(default=None, repr=False)


class _Readable(Protocol):
    def read(self, size: int = -1) -> bytes: ...


def _read(stream: _Readable, limit: int) -> bytes:
    """Up to ``limit`` bytes (a source's stream may answer a read with fewer)."""
    chunks, size = [], 0
    while size < limit and (chunk := stream.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _photo(workspace: Workspace, item: Item) -> bytes | None:
    """The item's bytes when Telegram can show them as a photo, else ``None``."""
    if item.mime_type not in PHOTO_TYPES or (item.size or 0) > MAX_PHOTO:
        return None
    try:
        with workspace.open_item(item.id) as stream:
            data = _read(stream, MAX_PHOTO + 1)
    except MediasyncError:
        return None  # unreadable now: the text says what it is, publishing will say why
    return data if len(data) <= MAX_PHOTO else None


def _choose(workspace: Workspace, words: Sequence[str]) -> tuple[str, str | None]:
    """The account and the kind (``None``: its default) the words name."""
    accounts = {info.name: info for info in workspace.publishers()}
    if not accounts:
        raise UsageError(
            "No publisher account to publish to: add one with mediasync publishers add NAME "
            "--type TYPE (Instagram: mediasync instagram cloudinary NAME --url URL)."
        )
    account: str | None = None
    kind: str | None = None
    for word in words:
        if word in accounts:
            repeated, account = account is not None, word
        else:
            repeated, kind = kind is not None, word
        if repeated:
            raise UsageError(f"Usage: {USAGE}")
    if account is None and len(accounts) > 1:
        listed = ", ".join(sorted(accounts))
        raise UsageError(f"Which account? Publisher accounts: {listed}. Usage: {USAGE}")
    account = account or next(iter(accounts))
    kinds = accounts[account].kinds
    if kind is not None and kinds and kind not in kinds:
        raise UsageError(f"{account} publishes as {', '.join(kinds)}; not as '{kind}'.")
    return account, kind


def plan_offer(workspace: Workspace, args: Sequence[str]) -> Offer:
    """The request the arguments make, checked (on a thread: it reads the index and the item).

    Raises:
        UsageError (AlreadyPublished among them), MediasyncError: why it cannot be published.
    """
    if not args or not args[0].isdigit():
        given = f"'{args[0]}' is not an item id. " if args else ""
        raise UsageError(f"{given}Usage: {USAGE} (ITEM: an id that mediasync items list shows)")
    try:
        item = workspace.item(int(args[0]))
    except UsageError:
        raise UsageError(
            f"No item {args[0]}: the ids are those mediasync items list shows."
        ) from None
    account, kind = _choose(workspace, args[1:])
    plan = workspace.plan_publication([item.id], to=account, kind=kind)
    return Offer(item, plan.account, plan.kind, _photo(workspace, item))


def already_published(workspace: Workspace, exc: AlreadyPublished) -> str:
    """The line for an item published before, with where it is (on a thread)."""
    done = workspace.publication(exc.publication_id)
    where = f": {done.permalink}" if done.permalink else ""
    items = ", ".join(str(item_id) for item_id in done.item_ids)
    return f"Item {items} was published to {done.account} as {done.kind} already{where}"


def _size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1000:
        return f"{size} B"
    return f"{size / 1000:.1f} KB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def preview_text(offer: Offer) -> str:
    item = offer.item
    facts = [item.kind, _size(item.size)]
    if item.width and item.height:
        facts.append(f"{item.width}x{item.height}")
    if item.duration:
        facts.append(f"{item.duration:.0f}s")
    return (
        f"Publish {item.name} to {offer.account} as {offer.kind}?\n"
        f"Item {item.id}: {', '.join(facts)}, in {item.source} ({item.path})"
    )


def publish_keyboard(key: str) -> InlineKeyboardMarkup:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Publish", callback_data=GO + key),
                InlineKeyboardButton("Cancel", callback_data=CANCEL + key),
            ]
        ]
    )


async def _send_photo(
    request: Request, photo: bytes, text: str, keyboard: InlineKeyboardMarkup
) -> Message | None:
    """The preview as a photo; ``None`` when Telegram refuses the picture (its size, its
    proportions), so that the text goes instead."""
    from telegram.error import BadRequest

    async def call() -> Message:
        caption = cut_message(text, MAX_CAPTION)
        return await request.bot.send_photo(
            request.chat_id, photo, caption=caption, reply_markup=keyboard
        )

    try:
        return await flood_controlled(call)
    except BadRequest as exc:
        logger.info("telegram: the preview photo was refused (%s); sending text", exc.message)
        return None


async def publish_command(request: Request) -> None:
    """``/publish``: the preview and its buttons, or one line saying why not."""
    deps = request.deps
    try:
        offer = await deps.call(plan_offer, deps.workspace, request.args)
    except AlreadyPublished as exc:
        await request.reply(await deps.call(already_published, deps.workspace, exc) + ".")
        return
    except MediasyncError as exc:
        await request.reply(str(exc))
        return
    text = preview_text(offer)
    store = PendingStore(deps.workspace)
    pending = await deps.call(
        store.create, request.chat_id, offer.item.id, offer.account, offer.kind, text
    )
    keyboard = publish_keyboard(pending.key)
    if offer.photo is None or await _send_photo(request, offer.photo, text, keyboard) is None:
        await request.reply(text, keyboard)
