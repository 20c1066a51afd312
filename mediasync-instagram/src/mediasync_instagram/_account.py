"""Finding and checking the account a token opens, and refreshing the token.

With Instagram Login the token is the account's own: ``GET /me`` names it. With Facebook
Login the token is a person's, and the account is the ``instagram_business_account`` of one of
their Pages. Either way the token is tried before anything is stored, and an account id given
by the user must be one the token opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from mediasync import UsageError
from mediasync_instagram._graph import GraphClient, GraphError

__all__ = ["LONG_LIVED", "REFRESH_MIN_AGE", "Connection", "find_account", "refresh"]

LONG_LIVED = timedelta(days=60)
"""How long a long-lived token lives from its issue or last refresh (Meta's documentation)."""
REFRESH_MIN_AGE = timedelta(hours=24)


@attrs.frozen
class Connection:
    user_id: str
    username: str | None
    token: str
    issued_at: datetime | None
    expires_at: datetime | None


def _node(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """``/me`` as a node: the docs' sample wraps it in ``{"data": [...]}``, the API may not."""
    data = document.get("data")
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return data[0]
    return document


def find_account(client: GraphClient, api: str, user_id: str | None) -> tuple[str, str | None]:
    """(account id, username) the token opens; ``user_id`` if given must be one of them.

    Raises:
        AuthError: the token was refused. UsageError: ``user_id`` is not the token's, or a
            Facebook token opens several accounts and none was chosen.
    """
    if api == "instagram":
        me = _node(client.get("me", fields="user_id,username"))
        found = str(me.get("user_id") or me.get("id") or "")
        if user_id is not None and user_id != found:
            raise UsageError(
                f"the token belongs to account {found} (@{me.get('username')}), not {user_id}: "
                "give that account's token, or leave --user-id out"
            )
        return found, _text(me.get("username"))
    accounts: dict[str, str | None] = {}
    for page in client.pages("me/accounts", fields="id,name"):
        for entry in page:
            linked = client.get(str(entry.get("id")), fields="instagram_business_account")
            business = linked.get("instagram_business_account")
            if isinstance(business, Mapping) and business.get("id"):
                account_id = str(business["id"])
                node = client.get(account_id, fields="id,username")
                accounts[account_id] = _text(node.get("username"))
    if user_id is not None:
        if user_id not in accounts:
            known = ", ".join(sorted(accounts)) or "none"
            raise UsageError(
                f"account {user_id} is not linked to a Page this token manages (it opens: {known})"
            )
        return user_id, accounts[user_id]
    if len(accounts) != 1:
        listed = ", ".join(f"{i} (@{n})" for i, n in sorted(accounts.items())) or "none"
        raise UsageError(
            f"this Facebook token opens {len(accounts)} Instagram accounts ({listed}): "
            "choose one with --user-id"
        )
    ((account_id, username),) = accounts.items()
    return account_id, username


def refresh(client: GraphClient, issued_at: datetime | None) -> Connection | None:
    """A refreshed long-lived token (Instagram Login), or ``None`` when the token is too young.

    Raises:
        AuthError: the token was refused. GraphError: Meta refused the refresh otherwise.
    """
    now = datetime.now(UTC)
    if issued_at is not None and now - issued_at < REFRESH_MIN_AGE:
        return None
    try:
        answer = client.get_unversioned("refresh_access_token", grant_type="ig_refresh_token")
    except GraphError:
        if issued_at is None:
            return None  # most likely younger than 24 hours: Meta refuses those
        raise
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise GraphError("the token refresh answered without a token")
    expires_in = answer.get("expires_in")
    lives = (
        timedelta(seconds=float(expires_in)) if isinstance(expires_in, int | float) else LONG_LIVED
    )
    return Connection("", None, token, now, now + lives)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
