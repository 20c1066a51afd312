"""Whole processes, the way a user or cron runs them: ``mediasync sync NAME`` against rclone.

    python bench/run.py sync --whole [--tiny] --files 100000 [--repeat 5] [--cold-repeat 3]

Every tool is timed from spawn to exit, interpreter start-up, imports, plugin loading and the
opening of the index included, and the tools of one measure take turns round by round (a
machine getting busier slows them alike). Warm page cache throughout. Per round:

- *start-up*: ``python -c pass``, and ``mediasync sync NAME`` (a no-op) through
  ``first_scandir.py``, which notes when the walk's first ``scandir`` comes after the spawn;
- *cold index*: ``rclone lsjson -R --hash --hash-type sha256`` and ``mediasync sync NAME`` into a
  fresh index per backend (the source registered beforehand, untimed);
- *no-op*: the walk floor as a process (``walk_floor.py``), ``rclone sync`` with nothing to do,
  ``mediasync sync NAME`` per backend;
- *churn*: 1% of the files changed (a quarter each renamed, moved, removed, added on a tiny tree;
  a fifth each with in-place edits otherwise), then ``mediasync sync NAME``; the counts it
  reports must be exactly those made.

The second, labelled line of each measure is the sync's own duration as the CLI reports it
(``--json``'s ``duration_seconds``): the part that is not start-up.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from bench._proc import ROOT, run_measured
from bench._tree import TINY_FILE_SIZES, apply_churn

if TYPE_CHECKING:
    from bench.sync_suite import Context

__all__ = ["TARGETS", "Runs", "measure", "ratio_rows", "render"]

SOURCE = "bench"
CHURN_SHARE = 0.01


@attrs.define
class Runs:
    """Every run of one tool in one measure: whole-process walls, the inner figure, peak RSS."""

    measure: str
    tool: str
    walls: list[float] = attrs.Factory(list)
    inner: list[float] = attrs.Factory(list)
    """The sync's own duration (mediasync) or the walk alone (walk floor); start-up excluded."""
    rss: list[int] = attrs.Factory(list)
    load: list[float] = attrs.Factory(list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)


def _mediasync() -> str:
    return str(Path(sys.executable).with_name("mediasync"))


class _Bench:
    def __init__(self, ctx: Context, n: int, tree: Path, copy: Path, tiny: bool) -> None:
        self.ctx, self.n, self.tree, self.copy, self.tiny = ctx, n, tree, copy, tiny
        self.runs: dict[tuple[str, str], Runs] = {}
        self.env = {
            **{k: v for k, v in ctx.env.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "BENCH_TREE": str(tree),
        }

    def add(self, measure: str, tool: str, command: list[str], json_out: bool = False) -> Any:
        runs = self.runs.setdefault((measure, tool), Runs(measure, tool))
        runs.load.append(os.getloadavg()[0])
        measured = run_measured(command, env=self.env)
        runs.walls.append(measured.wall)
        runs.rss.append(measured.max_rss)
        report: Any = None
        if json_out:
            report = json.loads(measured.stdout)
            if isinstance(report, list):
                report = report[0]
                if report["status"] != "ok":
                    raise RuntimeError(f"{measure}, {tool}: {report}")
                runs.inner.append(report["duration_seconds"])
            else:
                runs.inner.append(report["seconds"])
        print(
            f"  {measure:<14} {tool:<34} {measured.wall:7.3f}s"
            + (f" (inner {runs.inner[-1]:.3f}s)" if json_out else "")
            + f"  rss {measured.max_rss / 2**20:5.0f} MiB  load {runs.load[-1]:.1f}",
            flush=True,
        )
        return report, measured

    def sync(self, measure: str, backend: str, url: str) -> dict[str, Any]:
        report, _m = self.add(
            measure,
            f"mediasync sync ({backend})",
            [_mediasync(), "--db", url, "sync", "--json", SOURCE],
            json_out=True,
        )
        assert isinstance(report, dict)
        return report

    def first_scandir(self, url: str) -> None:
        key = ("start-up", "first scandir")
        runs = self.runs.setdefault(key, Runs(*key))
        runs.load.append(os.getloadavg()[0])
        command = [sys.executable, str(ROOT / "bench" / "first_scandir.py")]
        spawned = time.time()
        measured = run_measured([*command, "--db", url, "sync", SOURCE], env=self.env)
        marks = [line for line in measured.stderr.splitlines() if line.startswith("first-scandir")]
        assert marks, f"no scandir of the tree seen:\n{measured.stderr[-2000:]}"
        runs.walls.append(float(marks[0].split()[1]) - spawned)
        runs.rss.append(measured.max_rss)
        print(f"  {'start-up':<14} {'first scandir':<34} {runs.walls[-1]:7.3f}s", flush=True)

    def fresh_index(self, stack: ExitStack, backend: str, tag: str) -> str:
        from bench.sync_suite import database

        url = stack.enter_context(database(self.ctx, backend, tag))
        ms = [_mediasync(), "--db", url]
        if backend == "postgres":
            run_measured([*ms, "db", "upgrade"], env=self.env)
        run_measured(
            [*ms, "sources", "add", SOURCE, "--type", "local", "--root", str(self.tree)],
            env=self.env,
        )
        return url


def measure(ctx: Context, n: int, tree: Path, copy: Path, tiny: bool) -> dict[str, Any]:
    """Runs every round; returns the result stored as ``results/whole-N[-tiny].json``."""
    from bench.sync_suite import warm_tree

    args = ctx.args
    bench = _Bench(ctx, n, tree, copy, tiny)
    python = [sys.executable, "-c", "pass"]
    walk = [sys.executable, str(ROOT / "bench" / "walk_floor.py"), str(tree)]
    lsjson = ["rclone", "lsjson", "-R", "--hash", "--hash-type", "sha256", str(tree)]
    rclone_sync = ["rclone", "sync", str(tree), str(copy)]
    checks: list[str] = []
    warm_tree(ctx, tree, read=True)
    with ExitStack() as keep:
        urls: dict[str, str] = {}
        print("-- cold index (whole processes, warm cache)", flush=True)
        for round_ in range(args.cold_repeat):
            last = round_ == args.cold_repeat - 1
            with ExitStack() as fresh:
                bench.add("cold index", "rclone lsjson --hash", lsjson)
                for backend in args.backends:
                    stack = keep if last else fresh
                    url = bench.fresh_index(stack, backend, f"whole-{n}-{backend}-{round_}")
                    report = bench.sync("cold index", backend, url)
                    assert report["counts"]["added"] == n, report["counts"]
                    urls[backend] = url
        print("-- no-op (whole processes, warm cache)", flush=True)
        warm_tree(ctx, tree)
        for _round in range(args.repeat):
            bench.add("start-up", "python -c pass", python)
            bench.first_scandir(urls["sqlite"])
            bench.add("no-op", "walk floor (process)", walk, json_out=True)
            bench.add("no-op", "rclone sync", rclone_sync)
            for backend, url in urls.items():
                report = bench.sync("no-op", backend, url)
                changed = {k: v for k, v in report["counts"].items() if v and k != "unchanged"}
                assert not changed, f"no-op changed {changed}"
        print("-- 1% churn (whole processes, warm cache)", flush=True)
        for round_ in range(args.repeat):
            churn = apply_churn(
                tree,
                CHURN_SHARE,
                seed=100 + round_,
                edits=not tiny,
                sizes=TINY_FILE_SIZES if tiny else (1024, 64 * 1024),
            )
            expected = {k: v for k, v in churn.expected_counts().items() if v}
            for backend, url in urls.items():
                report = bench.sync("churn", backend, url)
                counts = {k: v for k, v in report["counts"].items() if v and k != "unchanged"}
                assert counts == expected, f"churn on {backend}: expected {expected}, got {counts}"
            bench.sync("no-op after churn", "sqlite", urls["sqlite"])
        made = ", ".join(f"{k} {v}" for k, v in expected.items())
        checks.append(f"every churn re-sync reported exactly the changes made ({made} per round)")
    return {
        "kind": "whole",
        "files": n,
        "tiny": tiny,
        "runs": [attrs.asdict(r) for r in bench.runs.values()],
        "checks": checks,
        "backends": args.backends,
    }


# -- the table ------------------------------------------------------------------------------------

TARGETS: tuple[tuple[str, str, str, str, str, float], ...] = (
    # label, measure, tool, peer measure, peer tool, limit (ratio; absolute seconds for start-up)
    ("start-up: first scandir after spawn", "start-up", "first scandir", "", "", 0.12),
    ("cold index incl. SHA-256 ÷ rclone lsjson --hash", "cold index", "mediasync sync (sqlite)",
     "cold index", "rclone lsjson --hash", 0.5),
    ("no-op re-sync ÷ rclone sync (no-op)", "no-op", "mediasync sync (sqlite)",
     "no-op", "rclone sync", 0.5),
    ("no-op re-sync ÷ walk floor (process)", "no-op", "mediasync sync (sqlite)",
     "no-op", "walk floor (process)", 2.0),
    ("1% churn re-sync ÷ no-op re-sync", "churn", "mediasync sync (sqlite)",
     "no-op", "mediasync sync (sqlite)", 1.3),
    ("PostgreSQL cold index ÷ rclone lsjson --hash", "cold index", "mediasync sync (postgres)",
     "cold index", "rclone lsjson --hash", 0.8),
    ("PostgreSQL no-op ÷ rclone sync (no-op)", "no-op", "mediasync sync (postgres)",
     "no-op", "rclone sync", 0.5),
    ("PostgreSQL 1% churn ÷ its no-op", "churn", "mediasync sync (postgres)",
     "no-op", "mediasync sync (postgres)", 1.3),
)  # fmt: skip


def _s(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ratio_rows(result: dict[str, Any]) -> list[str]:
    """The comparison table of one result: whole processes, then the in-process line."""
    found = {(r["measure"], r["tool"]): r for r in result["runs"]}
    lines = [
        "| measure | mediasync (whole process) | peer (same run) | ratio | target | met |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for label, measure_, tool, peer_measure, peer_tool, limit in TARGETS:
        mine = found.get((measure_, tool))
        if mine is None:
            continue
        wall = statistics.median(mine["walls"])
        spread = f" ({_s(min(mine['walls']))}-{_s(max(mine['walls']))})"
        if not peer_tool:
            floor = found.get(("start-up", "python -c pass"))
            peer = f"`python -c pass` {_s(statistics.median(floor['walls']))}" if floor else ""
            mark = "✅" if wall <= limit else "❌"
            lines.append(f"| {label} | {_s(wall)}{spread} | {peer} | | <= {_s(limit)} | {mark} |")
            continue
        other = found.get((peer_measure, peer_tool))
        if other is None:
            continue
        peer_wall = statistics.median(other["walls"])
        ratio = wall / peer_wall
        mark = "✅" if ratio <= limit else "❌"
        lines.append(
            f"| {label} | {_s(wall)}{spread} | {_s(peer_wall)} | {ratio:.2f}x | <= {limit}x "
            f"| {mark} |"
        )
        if mine["inner"] and other["inner"]:
            inner, peer_inner = statistics.median(mine["inner"]), statistics.median(other["inner"])
            lines.append(
                f"| *in process* (sync alone, start-up excluded) | {_s(inner)} "
                f"| {_s(peer_inner)} | {inner / peer_inner:.2f}x | | |"
            )
        elif mine["inner"]:
            inner = statistics.median(mine["inner"])
            lines.append(f"| *in process* (sync alone, start-up excluded) | {_s(inner)} | | | | |")
    ours = [r for r in result["runs"] if r["tool"].startswith("mediasync")]
    if ours:
        peak = max(max(r["rss"]) for r in ours)
        mark = "✅" if peak < 150 * 10**6 else "❌"
        lines.append(f"| peak RSS of any mediasync process | {peak / 10**6:.0f} MB | | | < 150 MB "
                     f"| {mark} |")  # fmt: skip
    return lines


def render(result: dict[str, Any]) -> list[str]:
    """The result's runs, then its comparisons (what the bench prints and README keeps)."""
    lines = [
        "| measure | tool | median | runs | in process | peak RSS | load |",
        "|---|---|--:|---|--:|--:|--:|",
    ]
    for r in result["runs"]:
        runs = " / ".join(_s(w) for w in r["walls"])
        inner = _s(statistics.median(r["inner"])) if r["inner"] else ""
        lines.append(
            f"| {r['measure']} | {r['tool']} | {_s(statistics.median(r['walls']))} | {runs} "
            f"| {inner} | {max(r['rss']) / 10**6:.0f} MB | {max(r['load']):.1f} |"
        )
    return [*lines, "", *ratio_rows(result)]
