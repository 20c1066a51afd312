"""Publication requests waiting for their Publish button, kept in the index.

A ``/publish`` preview names its request by a random key in its buttons' ``callback_data``;
the request itself (which item, which account, which kind, how far it got) lives in the
core's plugin state, so a press is honoured after the bot restarted, and a press that comes
again finds the request already taken and publishes nothing. The core's publication journal
is the second lock behind this one: ``Workspace.publish`` refuses to post the same item to the
same account as the same kind twice. Requests are kept a week, whatever became of them, and
deleted when a later one is stored: a press on a preview that old is answered as not known.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from mediasync import Workspace
from mediasync_telegram._store import PLUGIN

__all__ = [
    "EXPIRES_AFTER",
    "FORGOTTEN_AFTER",
    "PendingPublication",
    "PendingState",
    "PendingStore",
]

SCOPE = "publish"
EXPIRES_AFTER = timedelta(days=1)
"""A preview left that long unpressed is not published any more: the item may have changed."""
FORGOTTEN_AFTER = timedelta(days=7)
"""A request that old is deleted, pressed or not: until then a late press hears it expired."""


class PendingState(enum.StrEnum):
    PENDING = "pending"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


@attrs.frozen(slots=True)
class PendingPublication:
    """One ``/publish`` request: what to publish where, and how far it got."""

    key: str
    chat_id: int
    item_id: int
    account: str
    kind: str
    text: str
    """The preview's text; the message is edited into it plus the outcome."""
    created_at: datetime
    state: PendingState = PendingState.PENDING
    outcome: str | None = None
    """The line the message ended with (the permalink, or why it was not published)."""

    def expired(self, now: datetime) -> bool:
        return now - self.created_at > EXPIRES_AFTER

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["state"] = self.state.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingPublication:
        return cls(
            key=str(data["key"]),
            chat_id=int(data["chat_id"]),
            item_id=int(data["item_id"]),
            account=str(data["account"]),
            kind=str(data["kind"]),
            text=str(data["text"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            state=PendingState(data["state"]),
            outcome=data.get("outcome"),
        )


class PendingStore:
    """Reads and writes publication requests through a workspace (from any thread)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def create(
        self, chat_id: int, item_id: int, account: str, kind: str, text: str
    ) -> PendingPublication:
        """Stores a new request, after deleting those older than ``FORGOTTEN_AFTER``."""
        now = datetime.now(UTC)
        self.prune(now - FORGOTTEN_AFTER)
        request = PendingPublication(
            secrets.token_urlsafe(9), chat_id, item_id, account, kind, text, now
        )
        self.save(request)
        return request

    def prune(self, before: datetime) -> int:
        """Deletes the requests made before ``before`` (or unreadable), in any state; how many."""
        old = [
            key
            for key, data in self.workspace.list_state(PLUGIN, SCOPE).items()
            if _made_at(data) < before
        ]
        for key in old:
            self.workspace.set_state(PLUGIN, SCOPE, key, None)
        return len(old)

    def get(self, key: str) -> PendingPublication | None:
        data = self.workspace.get_state(PLUGIN, SCOPE, key)
        return None if data is None else PendingPublication.from_json(data)

    def save(self, request: PendingPublication) -> None:
        self.workspace.set_state(PLUGIN, SCOPE, request.key, request.to_json())

    def move(
        self, request: PendingPublication, state: PendingState, outcome: str | None = None
    ) -> PendingPublication:
        moved = attrs.evolve(request, state=state, outcome=outcome)
        self.save(moved)
        return moved


def _made_at(data: Any) -> datetime:
    """When a stored request was made; the earliest time for one that cannot be read."""
    try:
        made = datetime.fromisoformat(data["created_at"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return made if made.tzinfo is not None else made.replace(tzinfo=UTC)
