"""``instagram refresh-token``: a refresh on demand, through the source that owns the token."""

from __future__ import annotations

from datetime import datetime

from mediasync import Workspace

__all__ = ["refresh_stored_token"]


def refresh_stored_token(workspace: Workspace, name: str) -> datetime | None:
    """Refreshes and stores source ``name``'s token now; its new expiry, or ``None`` when
    Instagram would refuse (younger than 24 hours) or it is a Facebook Login token."""
    from mediasync_instagram._source import InstagramSource

    with workspace.open_source(name) as source:
        assert isinstance(source, InstagramSource)
        return source.refresh_token(force=True)
