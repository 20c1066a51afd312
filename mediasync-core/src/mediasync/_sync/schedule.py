"""When a source is next due, and claiming due sources for a worker.

Claiming takes the lease in the same transaction that picks the source. On PostgreSQL the pick
is ``FOR UPDATE SKIP LOCKED``, so many workers never wait on each other's candidates; SQLite has
one writer at a time, and the guarded update alone is enough.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select, update

from mediasync._db.schema import sources
from mediasync._db.sources import SourceRecord, utcnow
from mediasync._sync.lease import Lease, dead_local_holders

__all__ = ["claim_due", "next_due", "postpone"]

JITTER_SHARE = 0.1


def next_due(
    finished: datetime, interval: int, failures: int, max_backoff: int, rng: random.Random
) -> datetime:
    """``interval`` after a success; doubling per consecutive failure, capped; ±10% jitter."""
    delay = float(interval)
    if failures > 0:
        delay = min(interval * 2.0 ** (failures - 1), max(max_backoff, interval))
    delay *= 1 + rng.uniform(-JITTER_SHARE, JITTER_SHARE)
    return finished + timedelta(seconds=max(delay, 0.5))


def claim_due(
    engine: Engine, owner: str, ttl: timedelta, eligible_ids: set[int] | None = None
) -> tuple[SourceRecord, Lease] | None:
    """Leases the most overdue enabled source that nobody holds, or returns ``None``."""
    now = utcnow()
    free = or_(sources.c.lease_owner.is_(None), sources.c.lease_expires_at <= now)
    with engine.connect() as connection:
        holders = connection.execute(
            select(sources.c.lease_owner).where(sources.c.lease_owner.is_not(None)).distinct()
        ).scalars()
        dead = dead_local_holders(holders)
    if dead:
        # A crashed worker on this host: its leases are free now, not when they lapse.
        free = or_(free, sources.c.lease_owner.in_(sorted(dead)))
    due = or_(sources.c.next_due_at.is_(None), sources.c.next_due_at <= now)
    condition = and_(sources.c.enabled.is_(True), free, due)
    if eligible_ids is not None:
        if not eligible_ids:
            return None
        condition = and_(condition, sources.c.id.in_(sorted(eligible_ids)))
    query = (
        select(sources)
        .where(condition)
        .order_by(sources.c.next_due_at.is_not(None), sources.c.next_due_at, sources.c.id)
        .limit(1)
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = connection.execute(query).first()
        if row is None:
            return None
        expires = now + ttl
        result = connection.execute(
            update(sources)
            .where(and_(sources.c.id == row.id, free))
            .values(lease_owner=owner, lease_expires_at=expires)
        )
        if result.rowcount != 1:
            return None
    record = SourceRecord.from_row(row)
    return record, Lease(record.id, owner, ttl, expires)


def postpone(engine: Engine, lease: Lease, until: datetime) -> None:
    """Releases a claimed source without syncing it, due again at ``until``: a plugin paused
    its scheduled syncs. Its failures, cursor and runs are left as they were."""
    with engine.begin() as connection:
        connection.execute(
            update(sources)
            .where(and_(sources.c.id == lease.source_id, sources.c.lease_owner == lease.owner))
            .values(next_due_at=until, lease_owner=None, lease_expires_at=None)
        )
