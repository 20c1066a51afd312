"""What the runs table says after the soak: each source's runs in order, overlaps, and the
most notifications the Telegram rules allow for them.

The notification rules (``mediasync_telegram._notify``): one message for a run that added,
removed, moved, renamed or restored items, or that recovered after a reported failure; one for
the first failed (or held) run of a streak, none for the rest of it; none for a cancelled run
nor for a run closed as interrupted by the next one (its process died: no observer ran).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

import attrs
from sqlalchemy import Engine, select

from mediasync._db.schema import sources, sync_runs
from mediasync._db.sources import as_utc

__all__ = ["Run", "allowed_notifications", "overlapping", "read_runs"]

INTERRUPTED = "interrupted"


@attrs.frozen
class Run:
    id: int
    source: str
    worker: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    changed: bool
    error: str | None

    @property
    def interrupted(self) -> bool:
        return (self.error or "").startswith(INTERRUPTED)


def read_runs(engine: Engine) -> dict[str, list[Run]]:
    """source name → its runs, in the order they started."""
    query = (
        select(
            sync_runs.c.id,
            sources.c.name,
            sync_runs.c.worker,
            sync_runs.c.status,
            sync_runs.c.started_at,
            sync_runs.c.finished_at,
            sync_runs.c.added,
            sync_runs.c.removed,
            sync_runs.c.moved,
            sync_runs.c.renamed,
            sync_runs.c.restored,
            sync_runs.c.error,
        )
        .join(sources, sources.c.id == sync_runs.c.source_id)
        .order_by(sync_runs.c.started_at, sync_runs.c.id)
    )
    found: dict[str, list[Run]] = collections.defaultdict(list)
    with engine.connect() as connection:
        for row in connection.execute(query):
            started = as_utc(row.started_at)
            assert started is not None
            found[row.name].append(
                Run(
                    row.id,
                    row.name,
                    row.worker or "",
                    row.status,
                    started,
                    as_utc(row.finished_at),
                    bool(row.added + row.removed + row.moved + row.renamed + row.restored),
                    row.error,
                )
            )
    return dict(found)


def overlapping(runs: dict[str, list[Run]]) -> list[tuple[Run, Run]]:
    """Pairs of consecutive runs of one source whose [start, end] intersect, or where the
    earlier one never ended (all workers are stopped when this is asked)."""
    return [
        (before, after)
        for own in runs.values()
        for before, after in pairwise(own)
        if before.finished_at is None or before.finished_at > after.started_at
    ]


def allowed_notifications(own: Iterable[Run]) -> tuple[int, int]:
    """The most messages one watching chat may get for these runs of one source, and how many
    of them may be failure alerts (one per streak of failures)."""
    messages = alerts = 0
    alerted = False
    for run in own:
        if run.interrupted:
            continue
        if run.status in ("failed", "held"):
            if not alerted:
                messages += 1
                alerts += 1
                alerted = True
        elif run.status == "ok":
            if run.changed or alerted:
                messages += 1
            alerted = False
    return messages, alerts
