"""The media-facts bench at a million items: ``items list`` by capture date and ``duplicates``,
each measured as the user runs it, minus the interpreter's start-up.

Every measured command runs in a fresh process that first imports what a ``mediasync``
process imports (the CLI, its plugins, SQLAlchemy and the database driver), then times one
``mediasync`` command line from the call to its return, output written to ``/dev/null``: the
engine's connection, the schema check, the query compiled for the first time, every row
decoded, formatted and written. The median of several such processes is kept.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime
from typing import Any

from bench._facts_tree import fill_index
from bench._proc import ROOT, run_measured

__all__ = ["LIST_CASES", "measure_finds", "time_command"]

MONTH = ("--taken-since", "2023-05-01", "--taken-until", "2023-06-01")
LIST_CASES: dict[str, list[str]] = {
    "items list, one source, one month (default: --limit 100, by path)": [
        "items", "list", "--source", "drive", *MONTH,
    ],
    "items list, same, --order taken": [
        "items", "list", "--source", "drive", *MONTH, "--order", "taken",
    ],
    "items list, same, every item (--limit 0 --jsonl)": [
        "items", "list", "--source", "drive", *MONTH, "--limit", "0", "--jsonl",
    ],
    "items list, every source, one month, every item (--limit 0 --jsonl)": [
        "items", "list", *MONTH, "--limit", "0", "--jsonl",
    ],
}  # fmt: skip
STARTUP_IMPORTS = (
    "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "mediasync._db.duplicates",
    "mediasync._db.items",
    "mediasync._db.migrate",
    "mediasync._workspace",
)
"""What a ``mediasync`` process imports before its command's work starts: not measured."""
DUPLICATE_CASES: dict[str, list[str]] = {
    "duplicates (text)": ["duplicates"],
    "duplicates --json": ["duplicates", "--json"],
    "duplicates --across-sources": ["duplicates", "--across-sources"],
}


def time_command(database: str, args: list[str]) -> tuple[float, float]:
    """In a fresh child process: (wall, CPU) seconds one ``mediasync`` command line takes,
    imports done. CPU is this process's: all of SQLite's work, the client's side only of
    PostgreSQL's."""
    import contextlib
    import importlib
    import os

    from mediasync._cli.root import build_cli
    from mediasync._plugins import load_plugins

    for module in STARTUP_IMPORTS:
        importlib.import_module(module)
    cli = build_cli(load_plugins())
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        start, cpu = time.perf_counter(), time.process_time()
        cli.main(args=["--db", database, *args], prog_name="mediasync", standalone_mode=False)
        return time.perf_counter() - start, time.process_time() - cpu


def _command_median(database: str, args: list[str], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``runs`` fresh processes."""
    command = [sys.executable, str(ROOT / "bench" / "media_facts_bench.py"), "--command"]
    timings = [run_measured([*command, json.dumps([database, args])]).json() for _ in range(runs)]
    wall, cpu = (statistics.median(t[key] for t in timings) for key in ("wall", "cpu"))
    return wall, cpu


def _plans(workspace: Any) -> dict[str, str]:
    """PostgreSQL's plan of the month's listing, one source, as the CLI asks it (limit 100)."""
    from sqlalchemy import select, text

    from mediasync._db.items import items_query
    from mediasync._db.schema import sources

    plans = {}
    engine = workspace.app.engine
    with engine.connect() as connection:
        drive = select(sources.c.id).where(sources.c.name == "drive")
        source_id = connection.execute(drive).scalar_one()
    since, until = _month()
    for order in ("path", "taken"):
        query = items_query(source_id=source_id, taken_since=since, taken_until=until, order=order)
        sql = query.limit(100).compile(engine, compile_kwargs={"literal_binds": True})
        with engine.connect() as connection:
            rows = connection.execute(text(f"EXPLAIN {sql}"))
            plans[order] = "\n".join(row[0] for row in rows)
    return plans


def measure_finds(database: str, items: int, duplicate_share: float, runs: int) -> dict[str, Any]:
    """Fills the index, then times each listing and ``duplicates`` command ``runs`` times."""
    from mediasync import Workspace

    with Workspace.open(database_url=database) as workspace:
        for name in ("laptop", "drive", "phone"):
            workspace.add_source(name, "local", root=str(ROOT), settings={})
        start = time.perf_counter()
        fill_index(workspace.app.engine, items, duplicate_share=duplicate_share)
        fill = time.perf_counter() - start
        postgres = workspace.app.engine.dialect.name == "postgresql"
        plans = _plans(workspace) if postgres else {}
        since, until = _month()
        listed = sum(
            1
            for _ in workspace.items(
                source="drive", taken_since=since, taken_until=until, limit=None
            )
        )
        timings = []
        groups = copies = 0
        for _ in range(runs):
            start = time.perf_counter()
            groups = copies = 0
            for group in workspace.duplicates():
                groups, copies = groups + 1, copies + len(group.items)
            timings.append(time.perf_counter() - start)
    commands = {
        name: _command_median(database, args, runs)
        for name, args in {**LIST_CASES, **DUPLICATE_CASES}.items()
    }
    return {
        "fill": fill, "listed": listed, "plans": plans, "commands": commands,
        "duplicates_api": statistics.median(timings), "groups": groups, "copies": copies,
    }  # fmt: skip


def _month() -> tuple[datetime, datetime]:
    """The month of ``MONTH``, as aware datetimes."""
    from datetime import UTC

    since, until = (datetime.fromisoformat(MONTH[i]).replace(tzinfo=UTC) for i in (1, 3))
    return since, until
