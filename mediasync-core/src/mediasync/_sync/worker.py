"""``mediasync run``: the scheduler loop that keeps every enabled source in sync.

Many workers may share one database: each claims a due source with a lease, syncs it, and
goes back for the next. A failing source backs off on its own; a database that goes away
makes the worker wait and retry, never crash. A source a plugin paused (``schedule_paused``)
is released unsynced and looked at again one interval later. A first stop signal ends the
current run between two batches and releases its lease; the process then exits 0.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import DBAPIError

from mediasync._app import App
from mediasync._db.schema import sources
from mediasync._db.sources import SourceRecord, as_utc, find_source, utcnow
from mediasync._errors import DatabaseError, MediasyncError, UsageError
from mediasync._models import Trigger
from mediasync._results import SyncReport
from mediasync._sync.lease import Lease
from mediasync._sync.runner import sync_source
from mediasync._sync.schedule import claim_due, next_due, postpone

__all__ = ["Worker"]

logger = logging.getLogger("mediasync.worker")

MAX_IDLE_SECONDS = 5.0
MAX_DB_BACKOFF_SECONDS = 30.0
_rng = random.Random()


class Worker:
    def __init__(self, app: App, worker_id: str, once: bool = False) -> None:
        self.app = app
        self.worker_id = worker_id
        self.once = once
        self.stop = threading.Event()
        self.runs = 0
        self._db_failures = 0

    def ensure_default_source(self) -> None:
        """Creates the source the seed's MEDIA_SOURCE_TYPE/MEDIA_SOURCE_ROOT describe."""
        default = self.app.config.default_source
        if not (default.type and default.root):
            return
        enabled = self.app.config.sync.enabled
        with self.app.engine.connect() as connection:
            existing = find_source(connection, default.name)
        if existing is None:
            from mediasync._workspace import Workspace

            try:
                info = Workspace(self.app).add_source(
                    default.name, default.type, root=default.root, settings={}, enabled=enabled
                )
            except UsageError:
                if self._exists(default.name):
                    return  # another worker made it first
                raise
            logger.info("created the default source '%s' (%s %s)", info.name, info.type, info.root)
        elif enabled and not existing.enabled:
            with self.app.engine.begin() as connection:
                connection.execute(
                    sources.update().where(sources.c.id == existing.id).values(enabled=True)
                )

    def _exists(self, name: str) -> bool:
        with self.app.engine.connect() as connection:
            return find_source(connection, name) is not None

    def run(self) -> int:
        """Loops until stopped (or, with ``once``, until nothing is due); returns runs made."""
        self.ensure_default_source()
        if not self._anything_enabled():
            logger.info(
                "no enabled source: set MEDIA_SYNC_ENABLED=true or `mediasync sources enable NAME`"
            )
        ttl = timedelta(seconds=self.app.config.sync.lease_seconds)
        while not self.stop.is_set():
            try:
                claimed = claim_due(self.app.engine, self.worker_id, ttl)
            except (DBAPIError, DatabaseError) as exc:
                self._database_down(exc)
                continue
            self._db_failures = 0
            if claimed is None:
                if self.once:
                    break
                self.stop.wait(self._idle_seconds())
                continue
            record, lease = claimed
            try:
                if self._paused(record, lease):
                    continue
                report = sync_source(
                    self.app,
                    record.name,
                    trigger=Trigger.SCHEDULE,
                    lease=lease,
                    cancel=self.stop,
                )
            except (DBAPIError, DatabaseError) as exc:
                self._database_down(exc)
                continue
            except MediasyncError as exc:
                logger.error("sync %s: %s", record.name, exc)
                continue
            self.runs += 1
            self._log_run(report)
        return self.runs

    def _paused(self, record: SourceRecord, lease: Lease) -> bool:
        """Asks the plugins (``schedule_paused``) whether this scheduled sync is paused; if so
        the source is released, due again one interval later, and nothing else changes."""
        from mediasync._workspace import Workspace

        answers = self.app.plugins.ask(
            "schedule_paused", source=record.name, workspace=Workspace(self.app)
        )
        pausing = sorted(name for name, paused in answers if paused)
        if not pausing:
            return False
        interval = record.interval_seconds or self.app.config.sync.interval_seconds
        until = next_due(utcnow(), interval, 0, interval, _rng)
        postpone(self.app.engine, lease, until)
        logger.info(
            "sync %s paused by plugin %s; due again at %s",
            record.name,
            ", ".join(f"'{name}'" for name in pausing),
            f"{until:%H:%M:%S} UTC",
            extra={"fields": {"event": "sync_paused", "source": record.name, "by": pausing}},
        )
        return True

    def _log_run(self, report: SyncReport) -> None:
        run = report.run
        fields = {
            "event": "sync_finished",
            "source": run.source,
            "status": run.status.value,
            "run_id": run.id,
            "worker": self.worker_id,
            "duration_seconds": round(report.duration, 3),
            "counts": run.counts.as_dict(),
            "error": run.error,
        }
        level = logging.INFO if run.status.value in {"ok", "cancelled"} else logging.WARNING
        suffix = f": {run.error}" if run.error else ""
        logger.log(
            level,
            "sync %s %s: %s%s",
            run.source,
            run.status.value,
            report.summary(),
            suffix,
            extra={"fields": fields},
        )

    def _anything_enabled(self) -> bool:
        with self.app.engine.connect() as connection:
            count = connection.execute(
                select(func.count()).where(sources.c.enabled.is_(True))
            ).scalar_one()
        return bool(count)

    def _idle_seconds(self) -> float:
        """Sleeps until the next source is due, but wakes up now and then for new sources.

        A source leased by another worker is overdue for as long as that sync lasts (or, when
        its worker died, until its lease lapses): it counts as due when the lease expires, else
        every idle worker would poll the database 20 times a second meanwhile.
        """
        leased = and_(
            sources.c.lease_owner.is_not(None),
            sources.c.lease_expires_at > sources.c.next_due_at,
        )
        due = case((leased, sources.c.lease_expires_at), else_=sources.c.next_due_at)
        try:
            with self.app.engine.connect() as connection:
                soonest = connection.execute(
                    select(func.min(due)).where(sources.c.enabled.is_(True))
                ).scalar()
        except (DBAPIError, DatabaseError):
            return MAX_IDLE_SECONDS
        if soonest is None:
            return MAX_IDLE_SECONDS
        wait = (as_utc(soonest) - utcnow()).total_seconds()  # type: ignore[operator]
        return min(max(wait, 0.05), MAX_IDLE_SECONDS)

    def _database_down(self, exc: Exception) -> None:
        self._db_failures += 1
        delay = min(2.0 ** (self._db_failures - 1), MAX_DB_BACKOFF_SECONDS)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        logger.warning(
            "database unavailable (%s); retrying in %.0fs",
            reason,
            delay,
            extra={"fields": {"event": "database_unavailable", "retry_in": delay}},
        )
        self.stop.wait(delay)
