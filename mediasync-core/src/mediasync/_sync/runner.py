"""One sync run of one source, from lease to ``sync_finished``: the engine's front door.

The run row is written first and finished last, so an interrupted run is visible (and closed
as "interrupted" by the next run of that source). Whatever fails, the lease is released and
the observers hear about it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import attrs
from sqlalchemy import and_, insert, update

from mediasync._app import App
from mediasync._db.schema import sources, sync_runs
from mediasync._db.sources import SourceRecord, get_source, utcnow
from mediasync._errors import MediasyncError, SourceUnreachable
from mediasync._models import ItemChange, RunStatus, SyncCounts, SyncRun, Trigger
from mediasync._sync.index import IndexSession, MassRemovalHeld, SyncOptions
from mediasync._sync.lease import Lease, LeaseHeld, acquire, default_owner

__all__ = ["SyncReport", "sync_source"]

WAIT_POLL_SECONDS = 0.5


@attrs.frozen(slots=True)
class SyncReport:
    run: SyncRun
    duration: float
    errors: tuple[str, ...] = ()
    dry_run: bool = False


def _acquire(app: App, record: SourceRecord, owner: str, wait: bool) -> Lease:
    while True:
        try:
            return acquire(app.engine, record.id, owner)
        except LeaseHeld:
            if not wait:
                raise
            time.sleep(WAIT_POLL_SECONDS)


def _close_interrupted_runs(app: App, source_id: int) -> None:
    with app.engine.begin() as connection:
        connection.execute(
            update(sync_runs)
            .where(and_(sync_runs.c.source_id == source_id, sync_runs.c.status == "running"))
            .values(
                status=RunStatus.FAILED.value,
                finished_at=utcnow(),
                error="interrupted: the process running it stopped",
            )
        )


def _start_run(
    app: App, record: SourceRecord, strategy: str, trigger: Trigger, worker: str
) -> tuple[int, datetime]:
    started = utcnow()
    with app.engine.begin() as connection:
        run_id = connection.execute(
            insert(sync_runs)
            .values(
                source_id=record.id,
                strategy=strategy,
                trigger=trigger.value,
                worker=worker,
                status=RunStatus.RUNNING.value,
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
    on_progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Syncs source ``name`` once and records the run.

    Raises:
        UsageError: unknown source, type or strategy. LeaseHeld: another sync is running.
        Errors of the source itself do not escape: they are recorded on the run.
    """
    options = options or SyncOptions(
        mass_removal_share=app.config.sync.mass_removal_share,
        mass_removal_min_items=app.config.sync.mass_removal_min_items,
    )
    with app.engine.connect() as connection:
        record = get_source(connection, name)
    source_type = app.plugins.source_type(record.type)
    strategy_name = record.strategy or source_type.default_strategy
    strategy_type = app.plugins.strategy(strategy_name)
    owner = worker or default_owner()
    clock = time.perf_counter()
    lease = _acquire(app, record, owner, wait)
    try:
        _close_interrupted_runs(app, record.id)
        run_id, started = (
            (0, utcnow())
            if options.dry_run
            else _start_run(app, record, strategy_name, trigger, owner)
        )
        status, error, session = RunStatus.OK, None, None
        root_identity = record.root_identity
        cursor = record.cursor
        try:
            with (
                app.open_source(record) as source,
                ThreadPoolExecutor(
                    app.config.sync.hash_workers, thread_name_prefix="mediasync-hash"
                ) as pool,
            ):
                current = source.root_identity()
                if (
                    record.root_identity is not None
                    and current != record.root_identity
                    and not accept_root_change
                ):
                    raise SourceUnreachable(
                        f"the root of source '{name}' is not the folder indexed before "
                        "(unmounted or replaced?); nothing was changed. If it was moved on "
                        "purpose, sync with --accept-root-change"
                    )
                root_identity = current or root_identity

                def changed(change: ItemChange) -> None:
                    app.plugins.notify("item_changed", change=change)

                session = IndexSession(
                    app.engine,
                    source,
                    record.id,
                    run_id,
                    lease,
                    options,
                    pool,
                    cursor=record.cursor,
                    on_change=changed,
                    on_progress=on_progress,
                )
                strategy_type().run(source, session)
                cursor = session.new_cursor or cursor
        except MassRemovalHeld as exc:
            status, error = RunStatus.HELD, str(exc)
        except MediasyncError as exc:
            status, error = RunStatus.FAILED, str(exc)
        except Exception as exc:
            status, error = RunStatus.FAILED, f"unexpected {type(exc).__name__}: {exc}"
            _finish(app, record, run_id, status, error, session, cursor, root_identity, options)
            raise
        run = _finish(app, record, run_id, status, error, session, cursor, root_identity, options)
        run = attrs.evolve(
            run, strategy=strategy_name, trigger=trigger, started_at=started, worker=owner
        )
    finally:
        lease.release(app.engine)
    if not options.dry_run:
        app.plugins.notify("sync_finished", run=run)
    errors = tuple(session.error_messages) if session is not None else ()
    return SyncReport(run, time.perf_counter() - clock, errors, options.dry_run)


def _finish(
    app: App,
    record: SourceRecord,
    run_id: int,
    status: RunStatus,
    error: str | None,
    session: IndexSession | None,
    cursor: str | None,
    root_identity: str | None,
    options: SyncOptions,
) -> SyncRun:
    counts = SyncCounts(**attrs.asdict(session.counts)) if session is not None else SyncCounts()
    finished = utcnow()
    run = SyncRun(
        id=run_id,
        source=record.name,
        strategy=record.strategy or "",
        trigger=Trigger.CLI,
        status=status,
        started_at=finished,
        finished_at=finished,
        counts=counts,
        error=error,
    )
    if options.dry_run:
        return run
    ok = status is not RunStatus.FAILED
    interval = record.interval_seconds or app.config.sync.interval_seconds
    with app.engine.begin() as connection:
        connection.execute(
            update(sync_runs)
            .where(sync_runs.c.id == run_id)
            .values(status=status.value, finished_at=finished, error=error, **attrs.asdict(counts))
        )
        source_values: dict[str, object] = {
            "consecutive_failures": 0 if ok else sources.c.consecutive_failures + 1,
            "next_due_at": finished + timedelta(seconds=interval),
            "updated_at": finished,
        }
        if ok:
            source_values.update(cursor=cursor, root_identity=root_identity)
        connection.execute(update(sources).where(sources.c.id == record.id).values(**source_values))
    return run
