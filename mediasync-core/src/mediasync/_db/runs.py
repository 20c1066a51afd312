"""Reading ``sync_runs``: the last finished run of each source, a source's recent runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, select

from mediasync._db.schema import sources, sync_runs
from mediasync._db.sources import as_utc
from mediasync._models import RunStatus, SyncCounts, SyncRun, Trigger

__all__ = ["last_runs", "recent_runs"]


def _run(row: Any) -> SyncRun:
    return SyncRun(
        id=row.id,
        source=row.source,
        strategy=row.strategy or "",
        trigger=Trigger(row.trigger),
        status=RunStatus(row.status),
        started_at=as_utc(row.started_at) or row.started_at,
        finished_at=as_utc(row.finished_at),
        counts=SyncCounts(**{key: getattr(row, key) or 0 for key in SyncCounts.field_names()}),
        worker=row.worker,
        error=row.error,
    )


def _query() -> Any:
    return select(sync_runs, sources.c.name.label("source")).join(
        sources, sources.c.id == sync_runs.c.source_id
    )


def last_runs(connection: Connection) -> dict[int, SyncRun]:
    """The latest run that is not running, per source id."""
    latest = (
        select(func.max(sync_runs.c.id).label("id"))
        .where(sync_runs.c.status != RunStatus.RUNNING.value)
        .group_by(sync_runs.c.source_id)
        .subquery()
    )
    rows = connection.execute(_query().join(latest, sync_runs.c.id == latest.c.id))
    return {row.source_id: _run(row) for row in rows}


def recent_runs(connection: Connection, source_id: int, limit: int) -> list[SyncRun]:
    """A source's runs, newest first (a running one included)."""
    query = (
        _query()
        .where(and_(sync_runs.c.source_id == source_id))
        .order_by(sync_runs.c.id.desc())
        .limit(limit)
    )
    return [_run(row) for row in connection.execute(query)]
