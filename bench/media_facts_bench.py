"""Media facts: what reading them costs a cold index, against exiftool; ``items list`` by date
and ``duplicates`` at a million items.

    python bench/run.py facts [--photos 5000] [--videos 60] [--pairs 5] [--items 1000000]
                              [--runs 5] [--only tree|finds] [--pg URL]

Page cache warm (the tree is read once first), each index in a fresh process: a cold index of
the tree with the facts read while hashing, and without (the same code with ``hash_file``
replaced by a plain SHA-256 through ``sitecustomize``, in the engine's worker processes too),
run in ``--pairs`` pairs, alternating which goes first; the ratio is the median of the pairs'
ratios, so that the load of a shared machine weighs on both sides of each, and beside it the
CPU time of each run, its hashing processes' included, which that load moves far less. Then the
no-op
re-sync after each; ``items refresh-metadata`` (headers only) against ``exiftool -fast2 -json
-r`` reading the same facts (skipped with a note when exiftool is not installed: ``apt-get
install libimage-exiftool-perl``). Then an index of ``--items`` rows on SQLite and on
PostgreSQL (``--pg`` or ``MEDIASYNC_TEST_POSTGRES_URL``): ``items list`` over one month and
``duplicates``, as commands (see ``_facts_finds``), and PostgreSQL's plans of the listing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._facts_finds import measure_finds, time_command
from bench._facts_tree import make_facts_tree
from bench._pg import postgres_schema
from bench._proc import run_measured

__all__ = ["main"]

NO_FACTS = """\
import mediasync._filehash as filehash
import mediasync._source as source
from mediasync._facts.model import HashedContent
filehash.hash_file = source.hash_file = lambda path: HashedContent(filehash.file_sha256(path))
"""
CHILDREN = resource.RUSAGE_CHILDREN
EXIFTOOL_TAGS = (
    "-DateTimeOriginal", "-OffsetTimeOriginal", "-ImageWidth", "-ImageHeight", "-Orientation",
    "-Make", "-Model", "-Duration", "-CreateDate",
)  # fmt: skip


def _phase_index(root: str, database: str) -> dict[str, Any]:
    """In a child: cold index, no-op re-sync, then the facts forgotten and read again."""
    from sqlalchemy import update

    from mediasync import Workspace
    from mediasync._db.schema import media_items

    with Workspace.open(database_url=database) as workspace:
        workspace.add_source("tree", "local", root=root, settings={})
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        report = workspace.sync("tree")
        cold = time.perf_counter() - start
        _stop_forkserver()
        cpu = _cpu_seconds() - cpu_start
        start = time.perf_counter()
        noop = workspace.sync("tree")
        noop_seconds = time.perf_counter() - start
        with workspace.app.engine.begin() as connection:
            connection.execute(update(media_items).values(facts_version=None))
        start = time.perf_counter()
        [refresh] = workspace.refresh_metadata("tree")
        refresh_seconds = time.perf_counter() - start
    return {
        "cold": cold,
        "cpu": cpu,
        "added": report.run.counts.added,
        "noop": noop_seconds,
        "noop_changes": noop.run.counts.changes,
        "refresh": refresh_seconds,
        "refreshed": refresh.read,
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _stop_forkserver() -> None:
    """Stops (and waits for) the forkserver the hashing processes were forked from, so that
    their CPU time, which the forkserver collected, joins this process's children's."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # type: ignore[attr-defined]


def _index(root: Path, work: Path, facts: bool, run: int) -> dict[str, Any]:
    env = dict(os.environ)
    if not facts:
        patch = work / "no-facts"
        patch.mkdir(exist_ok=True)
        (patch / "sitecustomize.py").write_text(NO_FACTS)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(patch), env.get("PYTHONPATH")]))
    database = f"sqlite:///{work / f'index-{facts}-{run}.db'}"
    command = [sys.executable, __file__, "--phase", str(root), database]
    return run_measured(command, env=env).json()


def _exiftool(root: Path) -> float | None:
    program = shutil.which("exiftool")
    if program is None:
        return None
    start = time.perf_counter()
    subprocess.run(
        [program, "-fast2", "-json", "-r", *EXIFTOOL_TAGS, str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return time.perf_counter() - start


def _cold_index(root: Path, work: Path, pairs: int) -> None:
    """Prints the cold index with and without facts, ``pairs`` pairs side by side."""
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    ratios = []
    load = os.getloadavg()[0]
    for pair in range(pairs):
        for facts in (False, True) if pair % 2 == 0 else (True, False):
            runs[facts].append(_index(root, work, facts, pair))
        ratios.append(runs[True][-1]["cold"] / runs[False][-1]["cold"])
    with_, without = (statistics.median(r["cold"] for r in runs[f]) for f in (True, False))
    cpu_with, cpu_without = (statistics.median(r["cpu"] for r in runs[f]) for f in (True, False))
    added = runs[True][0]["added"]
    print(f"cold index, {pairs} pairs, 1-minute load {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after:")  # fmt: skip
    print(f"  without facts: median {without:.2f} s ({added:,} items)")
    print(f"  with facts:    median {with_:.2f} s; with/without per pair: median "
          f"{statistics.median(ratios):.3f}x (target <= 1.15x), "
          f"range {min(ratios):.3f}-{max(ratios):.3f}")  # fmt: skip
    print(f"  CPU time, hashing processes included: median {cpu_without:.2f} s without, "
          f"{cpu_with:.2f} s with ({cpu_with / cpu_without:.3f}x)")  # fmt: skip
    noop = {f: statistics.median(r["noop"] for r in runs[f]) for f in runs}
    print(f"no-op re-sync: {noop[False]:.3f} s without, {noop[True]:.3f} s with "
          f"({max(r['noop_changes'] for r in runs[True])} changes)")  # fmt: skip
    refresh = statistics.median(r["refresh"] for r in runs[True])
    print(f"items refresh-metadata (headers only): {refresh:.2f} s "
          f"({runs[True][0]['refreshed']:,} items)")  # fmt: skip
    exiftool = _exiftool(root)
    if exiftool is None:
        print("exiftool: not installed (apt-get install libimage-exiftool-perl): skipped")
    else:
        print(f"exiftool -fast2 -json -r, same facts: {exiftool:.2f} s; refresh-metadata is "
              f"{refresh / exiftool:.3f}x of it (target <= 0.5x)")  # fmt: skip


def _finds(name: str, url: str, args: argparse.Namespace) -> None:
    """Prints ``items list`` and ``duplicates`` at ``args.items`` items on one database."""
    found = measure_finds(url, args.items, args.duplicate_share, args.runs)
    print(f"{name}, {args.items:,} items, {found['copies']:,} of them in {found['groups']:,} "
          f"duplicate groups (filled in {found['fill']:.0f} s); medians of {args.runs} "
          f"processes, start-up excluded, 1-minute load {os.getloadavg()[0]:.1f}:")  # fmt: skip
    for case, (wall, cpu) in found["commands"].items():
        target = "target < 0.2 s" if case.startswith("items") else "target <= 1 s"
        print(f"  {case}: {wall:.3f} s (CPU {cpu:.3f} s; {target})")
    print(f"  Workspace.duplicates(), every group: {found['duplicates_api']:.3f} s")
    print(f"  one source, one month: {found['listed']:,} items")
    for order, plan in found["plans"].items():
        seq = "Seq Scan on media_items" in plan
        print(f"  plan, --order {order}: "
              f"{'SEQUENTIAL SCAN' if seq else 'index, no sequential scan'}")  # fmt: skip
        print("    " + plan.replace("\n", "\n    "))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--videos", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=5, help="cold index pairs (default 5)")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--duplicate-share", type=float, default=0.01, metavar="SHARE")
    parser.add_argument("--runs", type=int, default=5, help="processes per command (default 5)")
    parser.add_argument("--only", choices=("tree", "finds"), help="one half of the bench")
    parser.add_argument("--pg", default=os.environ.get("MEDIASYNC_TEST_POSTGRES_URL"))
    parser.add_argument("--phase", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--command", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_phase_index(*args.phase)))
        return
    if args.command:
        wall, cpu = time_command(*json.loads(args.command))
        print(json.dumps({"wall": wall, "cpu": cpu}))
        return
    if args.only != "finds":
        with tempfile.TemporaryDirectory(prefix="facts-bench-") as temporary:
            work = Path(temporary)
            root = work / "tree"
            size = make_facts_tree(root, args.photos, args.videos)
            print(f"tree: {args.photos:,} JPEGs, {args.videos} MP4s, {size / 1e9:.2f} GB")
            for path in root.rglob("*"):  # warm the page cache: both variants read from memory
                if path.is_file():
                    path.read_bytes()
            _cold_index(root, work, args.pairs)
    if args.only == "tree":
        return
    with tempfile.TemporaryDirectory(prefix="facts-index-") as temporary:
        _finds("sqlite", f"sqlite:///{Path(temporary) / 'big.db'}", args)
    if args.pg:
        with postgres_schema(args.pg, "facts") as schema_url:
            _finds("postgresql", schema_url, args)


if __name__ == "__main__":
    main()
