"""Leases on sources: one sync of a source at a time, whoever starts it (CLI or worker).

A lease is a row update guarded by the previous state, so it works the same on SQLite and
PostgreSQL. It expires, so a crashed holder's source becomes free again; on the same host a
holder whose process is gone is treated as expired at once (the kill -9 case).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs
from sqlalchemy import Connection, Engine, and_, select, update

from mediasync._db.schema import sources
from mediasync._db.sources import as_utc, utcnow
from mediasync._errors import LeaseHeld, MediasyncError

__all__ = [
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "acquire",
    "dead_local_holders",
    "default_owner",
    "is_held",
]

DEFAULT_TTL = timedelta(seconds=120)


class LeaseLost(MediasyncError):
    """Our lease expired and someone else took the source: stop writing for it."""


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dead_local_holders(owners: Iterable[str | None]) -> set[str]:
    """The holders among ``owners`` that are processes on this host which no longer exist."""
    return {owner for owner in owners if owner and _holder_is_dead(owner)}


def _holder_is_dead(owner: str | None) -> bool:
    """True when ``owner`` is a process on this host that no longer exists."""
    if not owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def is_held(holder: str | None, expires: datetime | None, now: datetime) -> bool:
    """Whether a lease so recorded still holds: someone has it, it has not expired, and its
    holder is not a process on this host that is gone."""
    if holder is None or expires is None or expires <= now:
        return False
    return not _holder_is_dead(holder)


@attrs.define
class Lease:
    source_id: int
    owner: str
    ttl: timedelta
    expires_at: datetime

    def renew(self, connection: Connection) -> None:
        """Extends the lease inside the caller's transaction; raises ``LeaseLost`` if taken."""
        expires = utcnow() + self.ttl
        result = connection.execute(
            update(sources)
            .where(and_(sources.c.id == self.source_id, sources.c.lease_owner == self.owner))
            .values(lease_expires_at=expires)
        )
        if result.rowcount != 1:
            raise LeaseLost(f"lost the lease on source {self.source_id} to another sync")
        self.expires_at = expires

    def renew_if_due(self, engine: Engine) -> None:
        """Renews once a third of the lease has passed: long listings without writes keep it."""
        if self.expires_at - utcnow() < self.ttl * 2 / 3:
            with engine.begin() as connection:
                self.renew(connection)

    def release(self, engine: Engine) -> None:
        with engine.begin() as connection:
            connection.execute(
                update(sources)
                .where(and_(sources.c.id == self.source_id, sources.c.lease_owner == self.owner))
                .values(lease_owner=None, lease_expires_at=None)
            )


def acquire(engine: Engine, source_id: int, owner: str, ttl: timedelta = DEFAULT_TTL) -> Lease:
    """Takes the lease if it is free, expired, or held by a dead process on this host.

    Raises:
        LeaseHeld: naming the holder and until when.
    """
    now = utcnow()
    expires = now + ttl
    with engine.begin() as connection:
        row = connection.execute(
            select(sources.c.lease_owner, sources.c.lease_expires_at).where(
                sources.c.id == source_id
            )
        ).one()
        holder, holder_expires = row.lease_owner, as_utc(row.lease_expires_at)
        if is_held(holder, holder_expires, now):
            raise LeaseHeld(
                f"a sync of this source is already running ({holder}, lease until "
                f"{holder_expires:%H:%M:%S} UTC); use --wait to wait for it"
            )
        # Guard on exactly what we read, so a holder that renewed meanwhile keeps its lease.
        guard = (
            sources.c.lease_owner.is_(None)
            if holder is None
            else and_(
                sources.c.lease_owner == holder,
                sources.c.lease_expires_at == row.lease_expires_at
                if row.lease_expires_at is not None
                else sources.c.lease_expires_at.is_(None),
            )
        )
        result = connection.execute(
            update(sources)
            .where(and_(sources.c.id == source_id, guard))
            .values(lease_owner=owner, lease_expires_at=expires)
        )
        if result.rowcount != 1:
            raise LeaseHeld("another sync of this source started at the same moment")
    return Lease(source_id, owner, ttl, expires)
