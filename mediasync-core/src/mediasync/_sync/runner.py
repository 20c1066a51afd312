"""One sync run of one source, from lease to ``sync_finished``: the engine's front door.

The run row is written first and finished last, so an interrupted run is visible (and closed
as "interrupted" by the next run of that source). Whatever fails, the lease is released and
the observers hear about it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
from sqlalchemy import and_, insert, update

from mediasync._app import App
from mediasync._db.schema import sources, sync_runs
from mediasync._db.sources import SourceRecord, get_source, utcnow
from mediasync._errors import MediasyncError, SourceUnreachable
from mediasync._models import ItemChange, RunStatus, SyncCounts, SyncRun, Trigger
from mediasync._results import SyncProgress, SyncReport
from mediasync._sync.content_index import content_index_deferral
from mediasync._sync.hashing import HashWorkers, default_processes
from mediasync._sync.heap import heap_frozen
from mediasync._sync.index import IndexSession, MassRemovalHeld, RunCancelled, SyncOptions
from mediasync._sync.lease import Lease, LeaseHeld, LeaseLost, acquire, default_owner
from mediasync._sync.observers import ObserverQueue
from mediasync._sync.schedule import next_due

__all__ = ["SyncReport", "sync_source"]

WAIT_POLL_SECONDS = 0.5
_rng = random.Random()


@attrs.define
class _Outcome:
    status: RunStatus = RunStatus.OK
    error: str | None = None
    session: IndexSession | None = None
    cursor: str | None = None
    root_identity: str | None = None
    lease_lost: bool = False
    run: SyncRun | None = None
    """The run as recorded, once it is: what ``sync_finished`` tells, on every exit path."""


@attrs.frozen(slots=True)
class _Stamp:
    """What the caller knows of a run and ``_finish`` does not."""

    strategy: str
    trigger: Trigger
    started_at: datetime
    worker: str

    def on(self, run: SyncRun) -> SyncRun:
        return attrs.evolve(
            run,
            strategy=self.strategy,
            trigger=self.trigger,
            started_at=self.started_at,
            worker=self.worker,
        )


def _acquire(app: App, record: SourceRecord, owner: str, wait: bool) -> Lease:
    ttl = timedelta(seconds=app.config.sync.lease_seconds)
    while True:
        try:
            return acquire(app.engine, record.id, owner, ttl)
        except LeaseHeld:
            if not wait:
                raise
            time.sleep(WAIT_POLL_SECONDS)


def _start_run(
    app: App, record: SourceRecord, strategy: str, trigger: Trigger, worker: str
) -> tuple[int, datetime]:
    """Closes runs left "running" by a dead process (we hold the lease) and opens ours."""
    started = utcnow()
    with app.engine.begin() as connection:
        connection.execute(
            update(sync_runs)
            .where(and_(sync_runs.c.source_id == record.id, sync_runs.c.status == "running"))
            .values(
                status=RunStatus.FAILED.value,
                finished_at=started,
                error="interrupted: the process running it stopped",
            )
        )
        run_id = connection.execute(
            insert(sync_runs)
            .values(
                source_id=record.id,
                strategy=strategy,
                trigger=trigger.value,
                worker=worker,
                status=RunStatus.RUNNING.value,
                due_at=record.next_due_at,
                started_at=started,
            )
            .returning(sync_runs.c.id)
        ).scalar_one()
    return int(run_id), started


def sync_source(
    app: App,
    name: str,
    *,
    trigger: Trigger = Trigger.CLI,
    options: SyncOptions | None = None,
    worker: str | None = None,
    wait: bool = False,
    accept_root_change: bool = False,
    lease: Lease | None = None,
    cancel: threading.Event | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> SyncReport:
    """Syncs source ``name`` once and records the run.

    Args:
        lease: a lease the caller already holds (the worker's claim); else one is taken here.
        cancel: set it to stop the run between two batches.

    Observers are told off the write loop (``ObserverQueue``), and ``sync_finished`` goes out
    on every exit path once the run is recorded, the unexpected exception's too (after the
    lease is released). Everything queued is delivered before this returns or raises, except
    when interrupted (Ctrl-C): then the wait is bounded, see ``ObserverQueue.__exit__``.

    Raises:
        UsageError: unknown source, type or strategy. LeaseHeld: another sync is running.
        Errors of the source itself do not escape: they are recorded on the run.
    """
    options = options or SyncOptions.from_config(app.config.sync)
    with app.engine.connect() as connection:
        record = get_source(connection, name)
    source_type = app.plugins.source_type(record.type)
    strategy_name = record.strategy or source_type.default_strategy
    strategy_type = app.plugins.strategy(strategy_name)
    owner = lease.owner if lease is not None else worker or default_owner()
    clock = time.perf_counter()
    lease = lease or _acquire(app, record, owner, wait)
    outcome = _Outcome(cursor=record.cursor, root_identity=record.root_identity)
    with ObserverQueue(app.plugins, enabled=not options.dry_run, name=record.name) as observers:
        try:
            try:
                if options.dry_run:
                    run_id, started = 0, utcnow()
                else:
                    run_id, started = _start_run(app, record, strategy_name, trigger, owner)
                stamp = _Stamp(strategy_name, trigger, started, owner)
                try:
                    with heap_frozen():
                        _run(
                            app,
                            record,
                            strategy_type(),
                            run_id,
                            lease,
                            options,
                            accept_root_change,
                            cancel,
                            on_progress,
                            outcome,
                            lambda change: observers.notify("item_changed", change=change),
                        )
                except KeyboardInterrupt:
                    # Ctrl-C: each batch is one transaction, so what was written is whole and
                    # the rest is rolled back; like a worker's stop, not a failure of the source.
                    outcome.status = RunStatus.CANCELLED
                    outcome.error = "interrupted (Ctrl-C); sync again to finish"
                    outcome.run = stamp.on(_finish(app, record, run_id, outcome, options))
                    raise
                except BaseException as exc:
                    outcome.status = RunStatus.FAILED
                    outcome.error = f"unexpected {type(exc).__name__}: {exc}"
                    outcome.run = stamp.on(_finish(app, record, run_id, outcome, options))
                    raise
                outcome.run = stamp.on(_finish(app, record, run_id, outcome, options))
            finally:
                lease.release(app.engine)
        finally:
            if outcome.run is not None:  # else the run could not be recorded: nothing to tell
                from mediasync._workspace import Workspace

                observers.notify("sync_finished", run=outcome.run, workspace=Workspace(app))
    assert outcome.run is not None
    session = outcome.session
    errors = tuple(session.error_messages) if session is not None else ()
    return SyncReport(
        outcome.run,
        time.perf_counter() - clock,
        errors,
        options.dry_run,
        tuple(session.listed_changes) if session is not None else (),
        session.unlisted_changes if session is not None else 0,
    )


def _run(
    app: App,
    record: SourceRecord,
    strategy: object,
    run_id: int,
    lease: Lease,
    options: SyncOptions,
    accept_root_change: bool,
    cancel: threading.Event | None,
    on_progress: Callable[[SyncProgress], None] | None,
    outcome: _Outcome,
    on_change: Callable[[ItemChange], None],
) -> None:
    """Runs the strategy, recording how it ended on ``outcome`` (only the unexpected escapes).

    ``on_change`` is called on the write loop after each commit: it must only queue.
    """
    from mediasync._strategy import SyncStrategy

    assert isinstance(strategy, SyncStrategy)
    workers = app.config.sync.hash_workers
    try:
        with (
            app.open_source(record) as source,
            HashWorkers(workers, default_processes(workers)) as hash_workers,
        ):
            current = source.root_identity()
            replaced = None not in (record.root_identity, current) and (
                record.root_identity != current
            )
            if replaced and not accept_root_change:
                raise SourceUnreachable(
                    f"the root of source '{record.name}' is not the folder indexed before "
                    "(unmounted or replaced?); nothing was changed. If it was replaced on "
                    "purpose, sync with --accept-root-change"
                )
            outcome.root_identity = current or record.root_identity
            with content_index_deferral(
                app.engine, lease, writes=not options.dry_run
            ) as content_index:
                outcome.session = IndexSession(
                    app.engine,
                    source,
                    record.id,
                    run_id,
                    lease,
                    options,
                    hash_workers,
                    cursor=record.cursor,
                    on_change=on_change,
                    on_progress=on_progress,
                    cancel=cancel,
                    content_index=content_index,
                )
                strategy.run(source, outcome.session)
            outcome.cursor = outcome.session.new_cursor or record.cursor
    except MassRemovalHeld as exc:
        outcome.status, outcome.error = RunStatus.HELD, str(exc)
    except RunCancelled as exc:
        outcome.status, outcome.error = RunStatus.CANCELLED, str(exc)
    except LeaseLost as exc:
        outcome.status, outcome.error, outcome.lease_lost = RunStatus.FAILED, str(exc), True
    except MediasyncError as exc:
        outcome.status, outcome.error = RunStatus.FAILED, str(exc)


def _finish(
    app: App, record: SourceRecord, run_id: int, outcome: _Outcome, options: SyncOptions
) -> SyncRun:
    session = outcome.session
    counts = SyncCounts(**session.counts) if session is not None else SyncCounts()
    finished = utcnow()
    run = SyncRun(
        id=run_id,
        source=record.name,
        strategy=record.strategy or "",
        trigger=Trigger.CLI,
        status=outcome.status,
        started_at=finished,
        finished_at=finished,
        counts=counts,
        error=outcome.error,
    )
    if options.dry_run:
        return run
    with app.engine.begin() as connection:
        connection.execute(
            update(sync_runs)
            .where(sync_runs.c.id == run_id)
            .values(
                status=outcome.status.value,
                finished_at=finished,
                error=outcome.error,
                **attrs.asdict(counts),
            )
        )
        if outcome.lease_lost:
            return run  # the source belongs to another worker now: leave its state alone
        failed = outcome.status is RunStatus.FAILED
        failures = record.consecutive_failures + 1 if failed else 0
        interval = record.interval_seconds or app.config.sync.interval_seconds
        values: dict[str, object] = {
            "consecutive_failures": failures,
            "next_due_at": next_due(
                finished, interval, failures, app.config.sync.max_backoff_seconds, _rng
            ),
            "updated_at": finished,
        }
        if not failed and outcome.status is not RunStatus.CANCELLED:
            values.update(cursor=outcome.cursor, root_identity=outcome.root_identity)
        if outcome.status is RunStatus.CANCELLED:
            values["next_due_at"] = finished  # due again at once for whoever runs next
        connection.execute(update(sources).where(sources.c.id == record.id).values(**values))
    return run
