"""The Publish and Cancel buttons of a ``/publish`` preview.

A press moves the stored request (``_pending``) out of ``pending`` before anything else
happens, so a second press, however soon, finds it taken and publishes nothing (updates are
handled one after the other). Publish then edits the preview into "Publishing…", without
buttons, and publishes on a thread (``Workspace.publish``, whose journal refuses to post
twice); the preview ends with the permalink or one line saying why it was not published.
Cancel removes the buttons and says so. The gate in front refuses presses from chats that are
not allowed (any more).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mediasync import AlreadyPublished, MediasyncError, PublicationStatus, Workspace
from mediasync_telegram._context import Request
from mediasync_telegram._pending import PendingPublication, PendingState, PendingStore
from mediasync_telegram._publish import CANCEL, GO, already_published
from mediasync_telegram._send import edit_caption, edit_text

if TYPE_CHECKING:
    from telegram import CallbackQuery

__all__ = ["CALLBACK_PATTERN", "publish_outcome", "publish_pressed"]

CALLBACK_PATTERN = r"^pub:(go|no):"
TAKEN = {
    PendingState.PUBLISHING: "Already publishing: the message will say how it went.",
    PendingState.PUBLISHED: "Already published.",
    PendingState.FAILED: "It was not published (the message says why): send /publish again.",
    PendingState.CANCELLED: "This request was cancelled: send /publish again.",
}


def publish_outcome(workspace: Workspace, request: PendingPublication) -> tuple[PendingState, str]:
    """Publishes the request's item; how it ended, in one line (on a thread)."""
    try:
        done = workspace.publish([request.item_id], to=request.account, kind=request.kind)
    except AlreadyPublished as exc:
        return PendingState.PUBLISHED, already_published(workspace, exc)
    except MediasyncError as exc:
        return PendingState.FAILED, f"Not published: {exc}"
    if done.status is PublicationStatus.PUBLISHED:
        where = done.permalink or f"remote id {done.remote_id}"
        return PendingState.PUBLISHED, f"Published to {done.account} as {done.kind}: {where}"
    return PendingState.FAILED, f"Not published: {done.error or 'no reason recorded'}"


async def publish_pressed(request: Request, query: CallbackQuery) -> None:
    """A press on a preview's button, from an allowed chat."""
    from telegram import Message

    deps = request.deps
    store = PendingStore(deps.workspace)
    data = query.data or ""
    pending = await deps.call(store.get, data.removeprefix(GO).removeprefix(CANCEL))
    if pending is None or pending.chat_id != request.chat_id:
        await query.answer("This request is not known (any more): send /publish again.")
        return
    if pending.state is not PendingState.PENDING:
        await query.answer(TAKEN.get(pending.state, "Already handled."))
        return
    message = query.message if isinstance(query.message, Message) else None
    photo = message is not None and bool(message.photo)
    message_id = None if message is None else message.message_id
    if data.startswith(CANCEL) or pending.expired(datetime.now(UTC)):
        cancelled = data.startswith(CANCEL)
        outcome = (
            "Cancelled: nothing was published."
            if cancelled
            else "Not published: the preview is over a day old; send /publish again."
        )
        pending = await deps.call(store.move, pending, PendingState.CANCELLED, outcome)
        await query.answer("Cancelled" if cancelled else "Expired")
        await _show(request, message_id, photo, pending)
        return
    pending = await deps.call(store.move, pending, PendingState.PUBLISHING, "Publishing…")
    await query.answer("Publishing…")
    await _show(request, message_id, photo, pending)
    request.start_task(_publish(request, message_id, photo, pending))


async def _publish(
    request: Request, message_id: int | None, photo: bool, pending: PendingPublication
) -> None:
    deps = request.deps
    store = PendingStore(deps.workspace)
    try:
        state, outcome = await deps.call(publish_outcome, deps.workspace, pending)
    except Exception as exc:  # a publisher's bug: recorded by the core; said here, then logged
        failed = f"Not published: {type(exc).__name__} (the bot's log says more)"
        pending = await deps.call(store.move, pending, PendingState.FAILED, failed)
        await _show(request, message_id, photo, pending)
        raise
    pending = await deps.call(store.move, pending, state, outcome)
    await _show(request, message_id, photo, pending)


async def _show(
    request: Request, message_id: int | None, photo: bool, pending: PendingPublication
) -> None:
    """The preview edited into its text and the outcome, without buttons (a new message when
    the preview can no longer be edited)."""
    text = f"{pending.text}\n{pending.outcome}"
    if message_id is None:
        await request.reply(text)
    elif photo:
        await edit_caption(request.bot, request.chat_id, message_id, text)
    else:
        await edit_text(request.bot, request.chat_id, message_id, text)
