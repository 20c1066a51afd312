"""Many ``mediasync run`` workers sharing one PostgreSQL: throughput, scheduling delay, safety.

    python bench/worker_scale.py [--workers 1,2,4] [--sources 200] [--files 200] [--interval 5]
                                 [--duration 60] [--lease-seconds 10] [--no-kill]
                                 [--database-url URL] [--json PATH]

Each scenario gets a fresh PostgreSQL schema (``--database-url``, else MEDIASYNC_BENCH_POSTGRES_URL
or MEDIASYNC_TEST_POSTGRES_URL) holding SOURCES local sources of FILES small files each (the
folders are made once under the temporary directory), and that many real
``python -m mediasync run --worker-id wN`` processes sharing them for DURATION seconds, then
SIGTERM. Half-way through, one new file lands in every folder. One scenario per worker count, plus
the issue's full set-up: the largest count again with one worker SIGKILLed half-way, at a moment it
holds a lease (found by stopping it with SIGSTOP and looking).

Reported per scenario: sources synced per second (over the whole run, and in the steady state
after every source's first sync) against the demand SOURCES / INTERVAL, the scheduling delay
(``started_at - due_at`` of every scheduled run) median, p99 and max, and how long the first full
indexing took. Checked per scenario (a failure is printed and makes the exit code 1): no two runs
of a source overlap, a killed worker's leased sources are taken over only after its lease lapsed
(and soon after), every source kept being synced, every surviving worker exited 0 leaving no lease
or run behind, and the index holds each file exactly once, with one ``add`` event each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bench._pg import postgres_schema
from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import media_events, media_items, sources, sync_runs
from mediasync._db.sources import add_source, as_utc, utcnow
from mediasync._plugins import load_plugins

__all__ = ["main"]

JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
JITTER_SHARE = 0.1  # mediasync._sync.schedule: next due is interval +-10% after the finish
PICKUP_SLACK = timedelta(seconds=5)  # a lapsed lease is taken over within this much


@attrs.frozen(slots=True)
class Run:
    id: int
    source_id: int
    worker: str
    status: str
    due_at: datetime | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None


@attrs.frozen(slots=True)
class Kill:
    """A worker killed with SIGKILL, and the leases it held when it died (source id → expiry)."""

    worker: str
    at: datetime
    leases: dict[int, datetime]


@attrs.frozen(slots=True)
class Scenario:
    workers: int
    kill: bool


@attrs.define
class Result:
    scenario: Scenario
    started: datetime
    stopped: datetime
    runs: list[Run]
    killed: Kill | None
    problems: list[str] = attrs.field(factory=list)
    metrics: dict[str, float] = attrs.field(factory=dict)


# -- set-up ---------------------------------------------------------------------------------------


def make_folders(base: Path, count: int, files: int, size: int) -> list[Path]:
    folders = []
    for i in range(count):
        folder = base / f"s{i:04d}"
        folder.mkdir(parents=True)
        for j in range(files):
            body = os.urandom(size - len(JPEG_HEADER))
            (folder / f"f{j:04d}.jpg").write_bytes(JPEG_HEADER + body)
        folders.append(folder)
    return folders


def add_one_file_each(folders: list[Path], size: int) -> None:
    for folder in folders:
        (folder / "late.jpg").write_bytes(JPEG_HEADER + os.urandom(size - len(JPEG_HEADER)))


def remove_late_files(folders: list[Path]) -> None:
    for folder in folders:
        (folder / "late.jpg").unlink(missing_ok=True)


def worker_environment(url: str, lease_seconds: int, home: Path) -> dict[str, str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_"))
    }
    environ.update(
        MEDIASYNC_DATABASE_URL=url,
        MEDIASYNC_SYNC_LEASE_SECONDS=str(lease_seconds),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return environ


def start_workers(
    count: int, environ: dict[str, str], logs: Path
) -> dict[str, subprocess.Popen[bytes]]:
    processes = {}
    for n in range(1, count + 1):
        worker = f"w{n}"
        with (logs / f"{worker}.log").open("wb") as log:
            processes[worker] = subprocess.Popen(
                [sys.executable, "-m", "mediasync", "run", "--worker-id", worker],
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    return processes


def kill_while_holding_a_lease(
    worker: str, process: subprocess.Popen[bytes], engine: Engine, patience: float = 20.0
) -> Kill:
    """SIGKILLs ``process`` at a moment it holds a lease (frozen with SIGSTOP to look)."""
    deadline = time.monotonic() + patience
    while True:
        process.send_signal(signal.SIGSTOP)
        with engine.connect() as connection:
            held = connection.execute(
                select(sources.c.id, sources.c.lease_expires_at).where(
                    sources.c.lease_owner == worker
                )
            ).all()
        if held or time.monotonic() > deadline:
            at = utcnow()
            process.kill()
            process.wait()
            leases = {row.id: as_utc(row.lease_expires_at) for row in held}
            return Kill(worker, at, leases)  # type: ignore[arg-type]
        process.send_signal(signal.SIGCONT)
        time.sleep(0.03)


def stop_workers(
    processes: dict[str, subprocess.Popen[bytes]], timeout: float = 60
) -> dict[str, int]:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = {}
    for worker, process in processes.items():
        try:
            codes[worker] = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            codes[worker] = process.wait()
    return codes


@attrs.frozen(slots=True)
class CpuClock:
    """CPU seconds so far: the whole machine (busy, and elapsed per CPU), PostgreSQL, and us."""

    busy: float
    elapsed: float
    postgres: float
    children: float

    @classmethod
    def now(cls) -> CpuClock:
        tick = os.sysconf("SC_CLK_TCK")
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        postgres = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue  # gone meanwhile
            name, _, rest = text.partition(") ")
            if name.endswith("(postgres"):
                values = rest.split()
                postgres += int(values[11]) + int(values[12])  # utime + stime
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            busy=(sum(fields) - idle) / tick,
            elapsed=sum(fields) / tick / (os.cpu_count() or 1),
            postgres=postgres / tick,
            children=usage.ru_utime + usage.ru_stime,
        )

    def others_since(self, start: CpuClock) -> float:
        """CPUs kept busy on average by anything but PostgreSQL and our own children."""
        busy = self.busy - start.busy
        ours = (self.postgres - start.postgres) + (self.children - start.children)
        return max(busy - ours, 0.0) / max(self.elapsed - start.elapsed, 1e-9)


def wait_for_quiet(limit: float, patience: float) -> float:
    """Waits (up to ``patience`` s) until other programs keep fewer than ``limit`` CPUs busy."""
    deadline = time.monotonic() + patience
    said = False
    while True:
        start = CpuClock.now()
        time.sleep(2)
        others = CpuClock.now().others_since(start)
        if others < limit or time.monotonic() > deadline:
            if said:
                print(f"going on with {others:.1f} CPUs busy elsewhere", file=sys.stderr)
            return others
        if not said:
            print(
                f"waiting for a quieter machine ({others:.1f} CPUs busy elsewhere)", file=sys.stderr
            )
            said = True


# -- what happened --------------------------------------------------------------------------------


def read_runs(engine: Engine) -> list[Run]:
    query = select(
        sync_runs.c.id,
        sync_runs.c.source_id,
        sync_runs.c.worker,
        sync_runs.c.status,
        sync_runs.c.due_at,
        sync_runs.c.started_at,
        sync_runs.c.finished_at,
        sync_runs.c.error,
    ).order_by(sync_runs.c.started_at, sync_runs.c.id)
    with engine.connect() as connection:
        return [
            Run(
                row.id,
                row.source_id,
                row.worker or "",
                row.status,
                as_utc(row.due_at),
                as_utc(row.started_at),  # type: ignore[arg-type]
                as_utc(row.finished_at),
                row.error,
            )
            for row in connection.execute(query)
        ]


def runs_by_source(runs: list[Run]) -> dict[int, list[Run]]:
    found: dict[int, list[Run]] = defaultdict(list)
    for run in runs:
        found[run.source_id].append(run)
    return found


def overlaps(runs: list[Run]) -> list[str]:
    """Two runs of one source at once, from the rows alone.

    An interrupted run has no end of its own: the next run of the source closes it with its own
    start, so it counts as lasting until then; that it really ended sooner (its worker was dead)
    is what ``late_pickups`` proves, from the lease it held. A run still open at the end (every
    worker stopped) is an overlap with anything after it, and a leak by itself.
    """
    problems = []
    for source_id, own in runs_by_source(runs).items():
        for before, after in pairwise(own):
            if before.finished_at is None or before.finished_at > after.started_at:
                end = "open" if before.finished_at is None else f"{before.finished_at:%T.%f}"
                problems.append(
                    f"source {source_id}: run {before.id} ({before.worker}, "
                    f"{before.started_at:%T.%f}-{end}) overlaps "
                    f"run {after.id} ({after.worker}, from {after.started_at:%T.%f})"
                )
        if own and own[-1].finished_at is None:
            problems.append(f"source {source_id}: run {own[-1].id} is still open at the end")
    return problems


def late_pickups(runs: list[Run], kill: Kill) -> list[str]:
    """The dead worker's sources: closed as interrupted, taken over after its lease, and soon."""
    problems = []
    own = runs_by_source(runs)
    if not kill.leases:
        problems.append(f"{kill.worker} held no lease when it was killed")
    for source_id, expiry in kill.leases.items():
        after = [run for run in own[source_id] if run.started_at > kill.at]
        if not after:
            problems.append(f"source {source_id}: never synced again after {kill.worker} died")
            continue
        first = after[0]
        if first.worker == kill.worker:
            problems.append(f"source {source_id}: run {first.id} by the dead {kill.worker}")
        if first.started_at < expiry:
            problems.append(
                f"source {source_id}: taken by {first.worker} at {first.started_at:%T.%f}, "
                f"before the dead worker's lease lapsed at {expiry:%T.%f}"
            )
        elif first.started_at > expiry + PICKUP_SLACK:
            problems.append(
                f"source {source_id}: taken over only {first.started_at - expiry} after the "
                "lease lapsed"
            )
    for run in runs:
        if run.worker == kill.worker and run.started_at <= kill.at and run.status == "running":
            problems.append(f"run {run.id} of the dead worker was never closed")
    return problems


def index_problems(engine: Engine, files: dict[int, int]) -> list[str]:
    """Each source's index holds each of its files once, active, with one ``add`` event."""
    problems = []
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                media_items.c.source_id,
                func.count(),
                func.count().filter(media_items.c.active.is_(True)),
                func.count(func.distinct(media_items.c.path)).filter(
                    media_items.c.active.is_(True)
                ),
            ).group_by(media_items.c.source_id)
        ).all()
        events = connection.execute(
            select(
                media_events.c.kind, func.count(), func.count(func.distinct(media_events.c.item_id))
            ).group_by(media_events.c.kind)
        ).all()
    counted = {row[0]: tuple(row[1:]) for row in rows}
    for source_id, expected in files.items():
        total, active, paths = counted.get(source_id, (0, 0, 0))
        if (total, active, paths) != (expected, expected, expected):
            problems.append(
                f"source {source_id}: {expected} files but {active} active items "
                f"({paths} distinct paths, {total} rows)"
            )
    items = sum(files.values())
    kinds = {kind: (count, distinct) for kind, count, distinct in events}
    if kinds != {"added": (items, items)}:
        problems.append(f"expected {items} 'added' events, one per item, found {kinds}")
    return problems


def leftovers(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        held = connection.execute(
            select(sources.c.name, sources.c.lease_owner).where(sources.c.lease_owner.is_not(None))
        ).all()
        failed = connection.execute(
            select(sync_runs.c.id, sync_runs.c.status, sync_runs.c.error).where(
                sync_runs.c.status.not_in(["ok", "cancelled"])
            )
        ).all()
    problems = [f"source {name} still leased by {owner}" for name, owner in held]
    problems += [
        f"run {run_id} {status}: {error}"
        for run_id, status, error in failed
        if not (status == "failed" and (error or "").startswith("interrupted"))
    ]
    return problems


def delays(runs: list[Run]) -> list[float]:
    """Seconds from due to start of every scheduled run (a first run has no due time)."""
    return [(r.started_at - r.due_at).total_seconds() for r in runs if r.due_at is not None]


def longest_gap(runs: list[Run], stopped: datetime) -> float:
    """The longest a source went without a sync (from one's end to the next's start, or to
    the end of the scenario; an interrupted run does not count): a starved source shows here."""
    gaps = [0.0]
    for all_runs in runs_by_source(runs).values():
        own = [r for r in all_runs if r.status != "failed"]
        if not own:
            continue  # never synced: reported as starved
        ends = [r.finished_at or r.started_at for r in own]
        starts = [r.started_at for r in own[1:]] + [stopped]
        gaps += [(start - end).total_seconds() for end, start in zip(ends, starts, strict=True)]
    return max(gaps)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(result: Result, sources_count: int) -> dict[str, float]:
    """Throughput and scheduling delay, overall and once every source had its first sync."""
    runs = [r for r in result.runs if r.status == "ok" and r.finished_at is not None]
    span = (result.stopped - result.started).total_seconds()
    firsts: dict[int, datetime] = {}
    for run in runs:
        firsts.setdefault(run.source_id, run.finished_at)  # type: ignore[arg-type]
    first_pass = max(firsts.values()) if len(firsts) == sources_count else result.stopped
    steady_span = (result.stopped - first_pass).total_seconds()
    steady = [r for r in runs if r.started_at >= first_pass]
    waits = delays(result.runs)
    steady_waits = delays([r for r in result.runs if r.due_at and r.due_at >= first_pass])
    per_source = [len(v) for v in runs_by_source(runs).values()]
    return {
        "longest_gap": longest_gap(result.runs, result.stopped),
        "runs": len(runs),
        "syncs_per_second": len(runs) / span,
        "steady_syncs_per_second": len(steady) / steady_span if steady_span > 0 else float("nan"),
        "first_pass_seconds": (first_pass - result.started).total_seconds(),
        "delay_median": statistics.median(waits) if waits else float("nan"),
        "delay_p99": percentile(waits, 0.99),
        "delay_max": max(waits, default=float("nan")),
        "steady_delay_median": statistics.median(steady_waits) if steady_waits else float("nan"),
        "steady_delay_p99": percentile(steady_waits, 0.99),
        "runs_per_source_min": min(per_source, default=0),
        "runs_per_source_max": max(per_source, default=0),
    }


# -- one scenario ---------------------------------------------------------------------------------


def run_scenario(
    scenario: Scenario, args: argparse.Namespace, folders: list[Path], work: Path
) -> Result:
    remove_late_files(folders)
    with ExitStack() as stack:
        url = stack.enter_context(postgres_schema(args.database_url))
        app = App(load_config(environ={}, overrides={"database_url": url}), load_plugins())
        stack.callback(app.close)
        with app.engine.begin() as connection:
            for folder in folders:
                add_source(
                    connection,
                    name=folder.name,
                    type="local",
                    root=str(folder),
                    settings={},
                    interval_seconds=args.interval,
                )
        with app.engine.connect() as connection:
            ids = dict(connection.execute(select(sources.c.name, sources.c.id)).all())
        logs = work / f"logs-{scenario.workers}{'-kill' if scenario.kill else ''}"
        logs.mkdir(exist_ok=True)
        environ = worker_environment(url, args.lease_seconds, work / "home")
        wait_for_quiet(0.3, args.quiet_wait)
        clock = CpuClock.now()
        started = utcnow()
        processes = start_workers(scenario.workers, environ, logs)
        try:
            time.sleep(args.duration / 2)
            add_one_file_each(folders, args.size)
            killed = None
            if scenario.kill:
                killed = kill_while_holding_a_lease("w1", processes["w1"], app.engine)
            time.sleep(args.duration / 2)
            stopped = utcnow()
            codes = stop_workers(processes)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
        after = CpuClock.now()
        cpu, others = after.children - clock.children, after.others_since(clock)
        result = Result(scenario, started, stopped, read_runs(app.engine), killed)
        for worker, code in codes.items():
            expected = -signal.SIGKILL if killed and worker == killed.worker else 0
            if code != expected:
                result.problems.append(f"{worker} exited {code}, not {expected} (log in {logs})")
        result.problems += overlaps(result.runs)
        if killed is not None:
            result.problems += late_pickups(result.runs, killed)
        result.problems += leftovers(app.engine)
        result.problems += index_problems(
            app.engine, {ids[folder.name]: args.files + 1 for folder in folders}
        )
        synced = {run.source_id for run in result.runs if run.status == "ok"}
        starved = len(folders) - len(synced)
        if starved:
            result.problems.append(f"{starved} sources never synced")
        result.metrics = measure(result, len(folders))
        result.metrics["other_cpus"] = others  # other work on the machine skews it all
        result.metrics["worker_cpu_seconds"] = cpu
        result.metrics["cpu_ms_per_sync"] = 1000 * cpu / max(result.metrics["runs"], 1)
        return result


# -- the report -----------------------------------------------------------------------------------


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    demand = args.sources / args.interval
    print(
        f"{args.sources} local sources x {args.files} files, interval {args.interval}s "
        f"(demand {demand:.0f} syncs/s), {args.duration}s per run, lease {args.lease_seconds}s, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        "| workers | syncs | syncs/s | steady syncs/s | first full index "
        "| delay median / p99 / max | steady delay median / p99 | runs per source | longest gap "
        "| worker CPU per sync | CPUs busy elsewhere | invariants |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for result in results:
        m = result.metrics
        label = f"{result.scenario.workers}"
        if result.killed is not None:
            label += f", w1 SIGKILLed at {args.duration / 2:.0f} s"
        print(
            f"| {label} | {m['runs']:.0f} | {m['syncs_per_second']:.1f} "
            f"| {m['steady_syncs_per_second']:.1f} | {m['first_pass_seconds']:.1f} s "
            f"| {m['delay_median']:.2f} / {m['delay_p99']:.2f} / {m['delay_max']:.2f} s "
            f"| {m['steady_delay_median']:.2f} / {m['steady_delay_p99']:.2f} s "
            f"| {m['runs_per_source_min']:.0f}-{m['runs_per_source_max']:.0f} "
            f"| {m['longest_gap']:.1f} s "
            f"| {m['cpu_ms_per_sync']:.0f} ms | {m['other_cpus']:.2f} "
            f"| {'ok' if not result.problems else f'{len(result.problems)} FAILED'} |"
        )
    for result in results:
        if result.killed is not None:
            kill = result.killed
            pickups = []
            own = runs_by_source(result.runs)
            for source_id, expiry in kill.leases.items():
                after = [r for r in own[source_id] if r.started_at > kill.at]
                if after:
                    pickups.append(
                        f"source {source_id} by {after[0].worker} "
                        f"{(after[0].started_at - kill.at).total_seconds():.1f}s after the kill, "
                        f"{(after[0].started_at - expiry).total_seconds():.2f}s after the lease "
                        "lapsed"
                    )
            print(
                f"{kill.worker} killed at {kill.at:%T.%f} holding {len(kill.leases)} lease(s) "
                f"{ {k: f'{v:%T.%f}' for k, v in kill.leases.items()} }: " + "; ".join(pickups)
            )
        for problem in result.problems[:20]:
            print(f"  FAILED ({result.scenario.workers} workers): {problem}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    parser.add_argument("--sources", type=int, default=200, help="local sources (default 200)")
    parser.add_argument("--files", type=int, default=200, help="files per source (default 200)")
    parser.add_argument("--size", type=int, default=1024, help="bytes per file (default 1024)")
    parser.add_argument("--interval", type=int, default=5, help="seconds (default 5)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per run (default 60)")
    parser.add_argument("--lease-seconds", type=int, default=10, help="lease TTL (default 10)")
    parser.add_argument(
        "--no-kill", action="store_true", help="skip the run that SIGKILLs a worker half-way"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("MEDIASYNC_BENCH_POSTGRES_URL")
        or os.environ.get("MEDIASYNC_TEST_POSTGRES_URL"),
        help="PostgreSQL server (a scratch schema is made in it and dropped)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        help="before each run, wait up to this long for other programs to go quiet (default 300)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set MEDIASYNC_BENCH_POSTGRES_URL")
    if make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("many workers need PostgreSQL")
    args.counts = [int(n) for n in args.workers.split(",")]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    scenarios = [Scenario(n, kill=False) for n in args.counts]
    if not args.no_kill and max(args.counts) > 1:
        scenarios.append(Scenario(max(args.counts), kill=True))
    results = []
    work = Path(tempfile.mkdtemp(prefix="mediasync-worker-scale-"))
    clock = time.perf_counter()
    folders = make_folders(work / "media", args.sources, args.files, args.size)
    print(f"made {args.sources * args.files} files in {time.perf_counter() - clock:.1f}s")
    for scenario in scenarios:
        result = run_scenario(scenario, args, folders, work)
        results.append(result)
        status = "ok" if not result.problems else f"{len(result.problems)} problems"
        print(
            f"{scenario.workers} workers{' (kill)' if scenario.kill else ''}: "
            f"{result.metrics['syncs_per_second']:.1f} syncs/s, {status}",
            file=sys.stderr,
        )
    print_table(results, args)
    if any(result.problems for result in results):
        print(f"worker logs kept in {work}")
    else:
        shutil.rmtree(work)
    if args.json:
        payload: list[dict[str, Any]] = [
            {
                "workers": r.scenario.workers,
                "kill": r.scenario.kill,
                **r.metrics,
                "problems": r.problems,
            }
            for r in results
        ]
        args.json.write_text(json.dumps(payload, indent=2))
    if any(result.problems for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
