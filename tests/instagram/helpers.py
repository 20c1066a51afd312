"""Names the Instagram tests share."""

from __future__ import annotations

from typing import Any

from fakes.instagram import Account, FakeGraph

SOURCE = "insta"


def source_settings(graph: FakeGraph, account: Account, token: str, **more: Any) -> dict[str, Any]:
    """Settings of a source reading ``account`` on the fake, as ``sources add`` takes them."""
    return {
        "token": token,
        "user_id": account.id,
        "graph_url": graph.base_url,
        "api_version": graph.version,
        **more,
    }
