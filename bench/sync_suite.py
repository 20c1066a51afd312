"""The local source and sync engine against a walk floor and rclone, on one synthetic tree.

    python bench/run.py sync [--files 10000,100000] [--backends sqlite,postgres] [--repeat 3]
                             [--small] [--profile] [--keep] [--workdir DIR] [--no-readme]

For each size: generate a tree, copy it once (``cp -a``) for ``rclone sync``, measure the
baselines, then per backend a cold index, a no-op re-sync, and a re-sync after 1% churn (cold
and warm page cache), the real CLI once, and optionally a py-spy profile. Every measurement is a
fresh process (peak RSS of that process alone). Results go to ``bench/results/sync-N.json`` and
the tables in ``bench/README.md`` are rewritten from every stored result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import attrs

from bench import _report
from bench._pg import postgres_schema
from bench._proc import ROOT, Measured, drop_caches, run_measured, run_python
from bench._profile import fold
from bench._tree import Churn, apply_churn, make_media_tree, make_tiny_tree, tree_stats

__all__ = ["main"]

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/mediasync_test"
RESULTS = ROOT / "bench" / "results"
CHURN_SHARE = 0.01


@attrs.define
class Sample:
    """One line of a result table."""

    phase: str
    tool: str
    cache: str
    seconds: float
    """The median; the engine's in-process time, or the whole process for external tools."""
    runs: list[float]
    process_seconds: float
    """The whole process, interpreter start-up and imports included (median)."""
    max_rss: int
    item_writes: int | None = None
    other_writes: int | None = None
    counts: dict[str, int] | None = None
    rss_before: int | None = None
    load: float = 0.0
    """The highest 1-minute load average seen as a run of it began (other work on the box)."""
    at: str = attrs.Factory(lambda: time.strftime("%H:%M:%S", time.gmtime()))
    """When the measurement ended (UTC): which code it ran, if the checkout changed meanwhile."""


@attrs.define
class Context:
    args: argparse.Namespace
    work: Path
    env: dict[str, str]
    cache_drop: bool
    samples: list[Sample] = attrs.Factory(list)
    checks: list[str] = attrs.Factory(list)
    schemas: list[str] = attrs.Factory(list)

    def cold(self) -> None:
        if self.cache_drop:
            drop_caches()

    def add(self, sample: Sample) -> Sample:
        self.samples.append(sample)
        mark = f" rows={sample.item_writes}" if sample.item_writes is not None else ""
        print(
            f"  {sample.phase:<22} {sample.tool:<26} {sample.cache:<5} "
            f"{sample.seconds:8.3f}s  rss {sample.max_rss / 2**20:6.1f} MiB  "
            f"load {sample.load:.1f}{mark}",
            flush=True,
        )
        return sample


# -- environment -----------------------------------------------------------------------------------


def child_env(work: Path) -> dict[str, str]:
    """The user's environment without mediasync settings, with its own data and config dirs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_"))
    }
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    rclone_config = work / "rclone.conf"
    rclone_config.touch()
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        RCLONE_CONFIG=str(rclone_config),
    )
    return env


def _tool_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    except OSError:
        return "not found"
    return out.splitlines()[0].strip() if out else "unknown"


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def machine(ctx: Context) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    flags = Path("/proc/cpuinfo").read_text()
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "sha_ni": " sha_ni" in flags,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "rclone": _tool_version(["rclone", "version"]),
        "kernel": platform.release(),
        "cache_drop": ctx.cache_drop,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "engine_changes": _git(
            "status", "--porcelain", "--", "mediasync-core/src", "mediasync-local"
        ),
    }
    if "postgres" in ctx.args.backends:
        probe = (
            "import sys, psycopg; c = psycopg.connect(sys.argv[1]); "
            "print(c.execute('show server_version').fetchone()[0], "
            "c.execute('show shared_buffers').fetchone()[0], "
            "c.execute('show synchronous_commit').fetchone()[0])"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe, ctx.args.postgres_url],
            capture_output=True,
            text=True,
            check=False,
        )
        info["postgres"] = result.stdout.strip() or result.stderr.strip()[-200:]
    return info


# -- databases ------------------------------------------------------------------------------------


@contextmanager
def database(ctx: Context, backend: str, tag: str) -> Iterator[str]:
    """A fresh, empty index: a new SQLite file or a new PostgreSQL schema, removed afterwards."""
    if backend == "sqlite":
        folder = ctx.work / "db"
        folder.mkdir(exist_ok=True)
        path = folder / f"{tag}.db"
        for leftover in folder.glob(f"{tag}.db*"):
            leftover.unlink()
        try:
            yield f"sqlite:///{path}"
        finally:
            for made in folder.glob(f"{tag}.db*"):
                made.unlink()
        return
    prefix = f"bench_{tag.replace('-', '_')}"
    with postgres_schema(ctx.args.postgres_url, prefix, keep=ctx.args.keep) as url:
        yield url


# -- measuring ------------------------------------------------------------------------------------


def engine_phase(
    ctx: Context,
    phase: str,
    backend: str,
    cache: str,
    url: str,
    tree: Path,
    runs: int = 1,
    expect: Callable[[dict[str, Any]], None] | None = None,
) -> Sample:
    """``runs`` syncs of ``tree`` in fresh processes (dropping caches first when cold)."""
    results: list[tuple[Measured, dict[str, Any]]] = []
    load = 0.0
    for _ in range(runs):
        if cache == "cold":
            ctx.cold()
        load = max(load, os.getloadavg()[0])
        measured = run_python("sync_phase.py", "--db", url, "--root", str(tree), env=ctx.env)
        data = measured.json()
        if data["status"] != "ok":
            raise RuntimeError(f"{phase} on {backend}: {data['status']}: {data['error']}")
        if expect is not None:
            expect(data)
        results.append((measured, data))
    seconds = [data["seconds"] for _m, data in results]
    middle = sorted(results, key=lambda r: r[1]["seconds"])[len(results) // 2]
    measured, data = middle
    writes: dict[str, int] = data["writes"]
    item_writes = sum(writes.get(table, 0) for table in ("media_items", "media_events"))
    return ctx.add(
        Sample(
            phase=phase,
            tool=f"mediasync ({backend})",
            cache=cache,
            seconds=statistics.median(seconds),
            runs=seconds,
            process_seconds=statistics.median(m.wall for m, _d in results),
            max_rss=max(m.max_rss for m, _d in results),
            item_writes=item_writes,
            other_writes=sum(writes.values()) - item_writes,
            counts={k: v for k, v in data["counts"].items() if v},
            rss_before=data["rss_before"],
            load=load,
        )
    )


def external_phase(
    ctx: Context,
    phase: str,
    tool: str,
    cache: str,
    command: list[str],
    runs: int = 1,
    inner: bool = False,
) -> Sample:
    """``runs`` of an external command; ``inner`` reads the child's own JSON ``seconds``."""
    measured: list[Measured] = []
    load = 0.0
    for _ in range(runs):
        if cache == "cold":
            ctx.cold()
        load = max(load, os.getloadavg()[0])
        measured.append(
            run_measured(command, env=ctx.env, stdout_path=None if inner else ctx.work / "out")
        )
    walls = [m.wall for m in measured]
    seconds = [m.json()["seconds"] for m in measured] if inner else walls
    return ctx.add(
        Sample(
            phase=phase,
            tool=tool,
            cache=cache,
            seconds=statistics.median(seconds),
            runs=seconds,
            process_seconds=statistics.median(walls),
            max_rss=max(m.max_rss for m in measured),
            load=load,
        )
    )


def cli_phase(ctx: Context, phase: str, cache: str, url: str, tree: Path, runs: int = 1) -> Sample:
    """The real ``mediasync --db URL sync --json PATH``, start-up included."""
    script = Path(sys.executable).with_name("mediasync")
    command = [str(script), "--db", url, "sync", "--json", str(tree)]
    measured: list[Measured] = []
    load = 0.0
    for _ in range(runs):
        if cache == "cold":
            ctx.cold()
        load = max(load, os.getloadavg()[0])
        measured.append(run_measured(command, env=ctx.env))
    walls = [m.wall for m in measured]
    report = json.loads(measured[-1].stdout)[0]
    if report["status"] != "ok":
        raise RuntimeError(f"CLI {phase}: {report}")
    return ctx.add(
        Sample(
            phase=phase,
            tool="mediasync CLI (sqlite)",
            cache=cache,
            seconds=statistics.median(walls),
            runs=walls,
            process_seconds=statistics.median(walls),
            max_rss=max(m.max_rss for m in measured),
            counts={k: v for k, v in report["counts"].items() if v},
            load=load,
        )
    )


def warm_tree(ctx: Context, tree: Path, read: bool = False) -> None:
    run_python("walk_floor.py", str(tree), *(["--read"] if read else []), env=ctx.env)


# -- expectations ---------------------------------------------------------------------------------


def expect_added(n: int) -> Callable[[dict[str, Any]], None]:
    def check(data: dict[str, Any]) -> None:
        counts = {k: v for k, v in data["counts"].items() if v}
        assert counts == {"added": n}, f"cold index: expected {n} added, got {counts}"

    return check


def expect_noop(data: dict[str, Any]) -> None:
    counts = {k: v for k, v in data["counts"].items() if v and k != "unchanged"}
    assert counts == {}, f"no-op re-sync changed something: {counts}"
    item_writes = sum(data["writes"].get(t, 0) for t in ("media_items", "media_events"))
    assert item_writes == 0, f"no-op re-sync wrote {item_writes} item rows"


def expect_churn(ctx: Context, churn: Churn, label: str) -> Callable[[dict[str, Any]], None]:
    def check(data: dict[str, Any]) -> None:
        counts = {k: v for k, v in data["counts"].items() if v and k != "unchanged"}
        expected = {k: v for k, v in churn.expected_counts().items() if v}
        assert counts == expected, f"{label}: expected {expected}, got {counts}"
        item_writes = sum(data["writes"].get(t, 0) for t in ("media_items", "media_events"))
        assert item_writes <= 2 * churn.total, (
            f"{label}: {item_writes} item rows written for {churn.total} changes"
        )
        assert data["events_added"] == churn.total, f"{label}: {data['events_added']} events"
        ctx.checks.append(
            f"{label}: counts {counts} exactly as made; {item_writes} item rows written for "
            f"{churn.total} changes ({data['events_added']} events)"
        )

    return check


# -- one size -------------------------------------------------------------------------------------


def run_size(ctx: Context, n: int) -> dict[str, Any]:
    args = ctx.args
    tree, copy = ctx.work / f"tree-{n}", ctx.work / f"copy-{n}"
    for old in (tree, copy):
        if old.exists():
            shutil.rmtree(old)
    print(f"== {n:,} files: generating {tree}", flush=True)
    started = time.perf_counter()
    if args.tiny:
        make_tiny_tree(tree, n, seed=args.seed)
    else:
        make_media_tree(tree, n, seed=args.seed, small=args.small)
    generated = time.perf_counter() - started
    stats = tree_stats(tree)
    print(
        f"   {stats.files:,} files, {stats.folders:,} folders, {stats.bytes / 2**20:,.0f} MiB "
        f"in {generated:.0f}s",
        flush=True,
    )
    subprocess.run(["cp", "-a", str(tree), str(copy)], check=True)
    tree_info = {
        "files": stats.files,
        "folders": stats.folders,
        "bytes": stats.bytes,
        "small": args.small,
        "tiny": args.tiny,
        "generate_seconds": generated,
    }
    if args.whole:
        from bench import whole_process

        result = whole_process.measure(ctx, n, tree, copy, args.tiny)
        if not args.keep:
            shutil.rmtree(tree)
            shutil.rmtree(copy)
        return {**result, "tree": tree_info, "repeat": args.repeat}
    repeat = args.repeat
    rclone_hash = ["rclone", "lsjson", "-R", "--hash", "--hash-type", "sha256", str(tree)]
    rclone_sync = ["rclone", "sync", str(tree), str(copy)]
    walk = [sys.executable, str(ROOT / "bench" / "walk_floor.py"), str(tree)]

    print("-- baselines", flush=True)
    external_phase(ctx, "walk floor", "os.scandir + stat", "cold", walk, inner=True)
    external_phase(ctx, "walk floor", "os.scandir + stat", "warm", walk, repeat, inner=True)
    if not args.skip_lsjson:
        external_phase(ctx, "cold index", "rclone lsjson --hash", "cold", rclone_hash)
        warm_tree(ctx, tree, read=True)
        external_phase(ctx, "cold index", "rclone lsjson --hash", "warm", rclone_hash)
    external_phase(ctx, "no-op re-sync", "rclone sync", "cold", rclone_sync)
    external_phase(ctx, "no-op re-sync", "rclone sync", "warm", rclone_sync, repeat)
    dry = subprocess.run(
        [*rclone_sync, "--dry-run", "-v"], env=ctx.env, capture_output=True, text=True, check=True
    )
    assert "There was nothing to transfer" in dry.stderr, dry.stderr[-2000:]
    ctx.checks.append(f"{n:,}: rclone sync between the copies transferred nothing (dry run -v)")

    profiles: dict[str, Any] = {}
    with indexes(ctx, n) as urls:
        print("-- engine", flush=True)
        for backend, url in urls.items():
            engine_phase(ctx, "cold index", backend, "cold", url, tree, expect=expect_added(n))
        for backend, url in urls.items():
            engine_phase(ctx, "no-op re-sync", backend, "cold", url, tree, expect=expect_noop)
        warm_tree(ctx, tree)
        for backend, url in urls.items():
            engine_phase(
                ctx, "no-op re-sync", backend, "warm", url, tree, repeat, expect=expect_noop
            )
        if not args.skip_warm_index:
            warm_tree(ctx, tree, read=True)
            for backend in urls:
                with database(ctx, backend, f"{n}-{backend}-warm") as fresh:
                    engine_phase(
                        ctx, "cold index", backend, "warm", fresh, tree, expect=expect_added(n)
                    )
        churn = apply_churn(tree, CHURN_SHARE, seed=1)
        warm_tree(ctx, tree)
        for backend, url in urls.items():
            label = f"{n:,} {backend} churn (warm)"
            engine_phase(
                ctx, "1% churn re-sync", backend, "warm", url, tree,
                expect=expect_churn(ctx, churn, label),
            )  # fmt: skip
        churn = apply_churn(tree, CHURN_SHARE, seed=2)
        for backend, url in urls.items():
            label = f"{n:,} {backend} churn (cold)"
            engine_phase(
                ctx, "1% churn re-sync", backend, "cold", url, tree,
                expect=expect_churn(ctx, churn, label),
            )  # fmt: skip
        for backend, url in urls.items():
            engine_phase(ctx, "no-op after churn", backend, "warm", url, tree, expect=expect_noop)

        if not args.skip_cli:
            print("-- CLI", flush=True)
            with database(ctx, "sqlite", f"{n}-cli") as cli_url:
                cli_phase(ctx, "cold index", "cold", cli_url, tree)
                cli_phase(ctx, "no-op re-sync", "cold", cli_url, tree)
                warm_tree(ctx, tree)
                cli_phase(ctx, "no-op re-sync", "warm", cli_url, tree, repeat)

        if args.profile:
            profiles = profile_phases(ctx, n, tree, urls.get("sqlite"))

    if not args.keep:
        shutil.rmtree(tree)
        shutil.rmtree(copy)
    return {
        "files": n,
        "tree": tree_info,
        "samples": [attrs.asdict(s) for s in ctx.samples],
        "checks": ctx.checks,
        "profiles": profiles,
        "repeat": repeat,
    }


@contextmanager
def indexes(ctx: Context, n: int) -> Iterator[dict[str, str]]:
    """One fresh index per backend, kept for every phase of one size."""
    with ExitStack() as stack:
        yield {
            backend: stack.enter_context(database(ctx, backend, f"{n}-{backend}"))
            for backend in ctx.args.backends
        }


def profile_phases(ctx: Context, n: int, tree: Path, url: str | None) -> dict[str, Any]:
    """py-spy profiles (every thread, warm cache, SQLite) of an index, a no-op, a churn."""
    spy = ctx.args.py_spy or shutil.which("py-spy")
    if spy is None or url is None:
        print("   (no py-spy or no sqlite backend: profiles skipped)", flush=True)
        return {}
    print("-- profiles (py-spy)", flush=True)
    found: dict[str, Any] = {}

    def record(label: str, db: str) -> None:
        raw = ctx.work / f"profile-{n}-{label}.txt"
        command = [
            spy, "record", "--threads", "--idle", "--rate", str(ctx.args.profile_rate),
            "--format", "raw", "--output", str(raw), "--",
            sys.executable, str(ROOT / "bench" / "sync_phase.py"), "--db", db, "--root", str(tree),
        ]  # fmt: skip
        measured = run_measured(command, env=ctx.env)
        profile = fold(raw)
        found[label] = {"seconds": measured.json()["seconds"], **attrs.asdict(profile)}
        print(f"   {label}: {profile.samples} samples", flush=True)

    warm_tree(ctx, tree, read=True)
    with database(ctx, "sqlite", f"{n}-profile") as fresh:
        record("cold index", fresh)
    warm_tree(ctx, tree)
    record("no-op re-sync", url)
    apply_churn(tree, CHURN_SHARE, seed=3)
    warm_tree(ctx, tree)
    record("1% churn re-sync", url)
    return found


# -- entry point ----------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py sync", description=__doc__)
    parser.add_argument("--files", default="10000,100000", help="sizes, comma separated")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "MEDIASYNC_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="1-4 KiB files only (for 1M)")
    parser.add_argument(
        "--tiny", action="store_true", help="tiny JPEG/PNG files in YYYY/MM/DD folders"
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="time whole processes (mediasync sync NAME, rclone, the walk), not the engine",
    )
    parser.add_argument("--cold-repeat", type=int, default=3, help="cold indexes with --whole")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediasync-bench"))
    parser.add_argument("--keep", action="store_true", help="keep trees and PostgreSQL schemas")
    parser.add_argument("--profile", action="store_true", help="py-spy profiles of each phase")
    parser.add_argument("--profile-rate", type=int, default=250, help="py-spy samples a second")
    parser.add_argument("--py-spy", help="path of py-spy (default: found on PATH)")
    parser.add_argument("--skip-lsjson", action="store_true")
    parser.add_argument("--skip-warm-index", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument(
        "--label",
        default="",
        help="store as a separate result (sync-N-LABEL.json, its own table) instead of replacing",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(size.replace("_", "")) for size in args.files.split(",") if size]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if shutil.which("rclone") is None:
        sys.exit("rclone is not installed (Debian: apt-get install rclone)")
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(args, work, child_env(work), drop_caches())
    if not ctx.cache_drop:
        print("cannot drop the page cache (not root?): 'cold' runs are warm", flush=True)
    RESULTS.mkdir(exist_ok=True)
    info = machine(ctx)
    for n in args.sizes:
        ctx.samples, ctx.checks = [], []
        result = run_size(ctx, n)
        result["machine"] = info
        result["backends"] = args.backends
        result["command"] = "python bench/run.py sync " + shlex.join(argv or sys.argv[2:])
        result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        result["label"] = args.label
        suffix = f"-{_slug(args.label)}" if args.label else ""
        if args.whole:
            suffix = ("-tiny" if args.tiny else "") + suffix
            from bench import whole_process

            print("\n".join(whole_process.render(result)), flush=True)
        kind = "whole" if args.whole else "sync"
        target = RESULTS / f"{kind}-{n}{suffix}.json"
        target.write_text(json.dumps(result, indent=1) + "\n")
        print(f"   wrote {target.relative_to(ROOT)}", flush=True)
    if not args.no_readme:
        _report.write_readme(RESULTS, ROOT / "bench" / "README.md")
        print("   rewrote bench/README.md", flush=True)
