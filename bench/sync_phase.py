"""One sync of one local source, in process, in a fresh interpreter: the engine's share alone.

    python bench/sync_phase.py --db URL --root PATH [--source NAME] [--profile FILE]

The app is opened, the schema created and the source registered before the clock starts; the
clock covers ``sync_source`` only (no interpreter start-up, no imports). Prints one JSON line:
``seconds``, ``status``, ``error``, ``counts``, ``writes`` (rows written, per table, counted at the
driver), ``events_added`` (the ``media_events`` row count before and after, as a cross-check),
``rss_before`` (bytes resident when the sync began: interpreter, imports, open app).

``--profile FILE`` runs the sync under cProfile and dumps the stats there (the hashing threads
are not profiled: cProfile sees the main thread, which waits for them).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine.interfaces import ExecuteStyle

from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import media_events
from mediasync._db.sources import add_source, list_sources
from mediasync._plugins import load_plugins
from mediasync._sync.bulk import BulkInsert
from mediasync._sync.index import SyncOptions
from mediasync._sync.runner import sync_source

__all__ = ["WriteCounter", "main"]

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
ITEM_TABLES = ("media_items", "media_events")


class WriteCounter:
    """Rows inserted, updated or deleted, per table, counted at the driver.

    A listener on ``after_cursor_execute``: an ``executemany`` counts one row per parameter set;
    a batched ``INSERT … VALUES (…), (…)`` ("insertmanyvalues", run as several statements)
    counts the parameter sets of its whole statement once; a single ``UPDATE … WHERE id IN (…)``
    counts the rows the database reports as affected (``cursor.rowcount``); any other ``INSERT``
    is one row.
    """

    def __init__(self, engine: Engine) -> None:
        self.rows: dict[str, int] = {}
        self._last_context: object = None
        event.listen(engine, "after_cursor_execute", self._after)
        self._count_copies()

    def _count_copies(self) -> None:
        """``COPY`` (the engine's bulk inserts on PostgreSQL) goes to the driver past
        SQLAlchemy's events: its rows are counted where the engine hands them over."""
        original = BulkInsert._copy
        rows = self.rows

        def counted(bulk: BulkInsert, connection: Any, batch: list[tuple[Any, ...]]) -> None:
            original(bulk, connection, batch)
            rows[bulk.table.name] = rows.get(bulk.table.name, 0) + len(batch)

        BulkInsert._copy = counted  # type: ignore[method-assign,assignment]

    def _after(
        self, _conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        match = _WRITE.match(statement)
        if match is None:
            return
        table = match.group(1).lower()
        style = getattr(context, "execute_style", None)
        if style is ExecuteStyle.INSERTMANYVALUES:
            if context is self._last_context:
                return  # a later batch of a statement already counted whole
            self._last_context = context
            rows = len(context.parameters)
        elif many:
            rows = len(params)
        elif statement.lstrip()[:6].upper() == "INSERT":
            rows = 1  # one VALUES row (``rowcount`` is not set yet under RETURNING)
        else:
            rows = cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else 1
        self.rows[table] = self.rows.get(table, 0) + rows


def _rss() -> int:
    """Resident set size now, bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(media_events)).scalar_one())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--root", required=True, help="the folder to index")
    parser.add_argument("--source", default="bench", help="source name (default bench)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the sync here")
    args = parser.parse_args(argv)

    app = App(load_config(overrides={"database_url": args.db}), load_plugins())
    with app.engine.begin() as connection:
        if args.source not in {s.name for s in list_sources(connection)}:
            add_source(connection, name=args.source, type="local", root=args.root, settings={})
    options = SyncOptions.from_config(app.config.sync)
    before = _events(app.engine)
    counter = WriteCounter(app.engine)
    rss_before = _rss()
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    report = sync_source(app, args.source, options=options)
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    if profiler is not None and args.profile is not None:
        profiler.dump_stats(args.profile)
    events_added = _events(app.engine) - before
    app.close()
    run = report.run
    print(
        json.dumps(
            {
                "seconds": seconds,
                "status": run.status.value,
                "error": run.error,
                "errors": list(report.errors),
                "counts": attrs.asdict(run.counts),
                "writes": counter.rows,
                "events_added": events_added,
                "rss_before": rss_before,
            }
        )
    )


if __name__ == "__main__":
    main()
