"""Stories live 24 hours on Instagram: ``mediasync run --with-instagram-stories`` backs them up.

For each enabled account with ``capture_stories`` on and a backfill destination (the ``--to``
of its last ``backfill``), the live stories are copied into that destination every
``stories_interval_hours`` (default 6, well inside their 24 hours), by the same backfill a user
runs, limited to stories. A capture that fails is logged and recorded for ``instagram status``;
the next one is tried at the next interval.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from mediasync import Service, Trigger, Workspace

__all__ = ["CHECK_SECONDS", "StoryCapture", "capture_due"]

logger = logging.getLogger("mediasync.instagram")
CHECK_SECONDS = 60.0
PLUGIN = "instagram"


def _due(last: Any, hours: float, now: datetime) -> bool:
    if not isinstance(last, dict) or not isinstance(last.get("at"), str):
        return True
    try:
        at = datetime.fromisoformat(last["at"])
    except ValueError:
        return True
    return now - at >= timedelta(hours=hours)


def capture_due(workspace: Workspace, now: datetime | None = None) -> list[str]:
    """Captures the stories of every account that is due; the names captured (or tried)."""
    from mediasync_instagram._backfill import backfill, backfill_destination

    now = now or datetime.now(UTC)
    tried: list[str] = []
    for info in workspace.sources(PLUGIN):
        settings = info.settings
        if not info.enabled or str(settings.get("capture_stories")).lower() != "true":
            continue
        destination = backfill_destination(workspace, info.name)
        hours = float(settings.get("stories_interval_hours") or 6.0)
        if not destination or not _due(
            workspace.get_state(PLUGIN, info.name, "last_story_capture"), hours, now
        ):
            continue
        tried.append(info.name)
        record: dict[str, Any] = {"at": now.isoformat(), "destination": destination}
        try:
            report = backfill(
                workspace, info.name, destination, media_type="stories", trigger=Trigger.SCHEDULE
            )
        except Exception as exc:  # one account's trouble never ends the service
            logger.warning("stories of '%s' not captured: %s", info.name, exc)
            record.update(
                copied=0, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            )
        else:
            record.update(copied=report.copied, error=report.error)
            logger.info(
                "stories of '%s': %d copied into '%s'", info.name, report.copied, destination
            )
        workspace.set_state(PLUGIN, info.name, "last_story_capture", record)
    return tried


class StoryCapture(Service):
    name = "instagram-stories"
    description = (
        "back up the live stories of accounts with capture_stories on into their backfill "
        "destination, every stories_interval_hours (default 6)"
    )

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            capture_due(self.workspace)
            stop.wait(CHECK_SECONDS)
