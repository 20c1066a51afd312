"""``mediasync copy`` local → local against ``cp -r`` and ``rclone copy`` of the same tree.

    python bench/copy_bench.py [--files 10000] [--big-files 200] [--big-mb 50] [--repeat 3]

Two trees: ``--files`` small media (``bench/_tree.py``: 1-64 KiB, one in a thousand 1-4 MiB, in
folders of 100-250) and ``--big-files`` videos of ``--big-mb`` MB each (scaled down, and said so,
when the disk lacks room for the tree and three copies). The source is indexed first (not
timed). Then, per repetition and interleaved so that a machine getting busier slows all alike,
each tool copies the whole tree into a new folder: ``mediasync copy`` (``--folder '{path}'``,
mirroring the tree as the others do; a fresh interpreter, ``bench/copy_phase.py``), ``cp -r``
and ``rclone copy`` when installed. Wall time is of the whole process; ``then sync`` adds the
``sync`` that makes the copy durable, which ``mediasync copy`` does file by file (``fsync``)
before it returns and the others leave to the kernel. Peak RSS is the process's own
``getrusage``. Finally ``mediasync copy`` runs again into its first folder: it must copy
nothing, open no file, and (at 10,000 files) take under a second; and ``mediasync sync`` of
the copy must find nothing changed.

Everything lives under ``--workdir`` and is deleted at the end unless ``--keep``. Destination
folders are deleted only at the end: on ext4, files created right after thousands were deleted
cost several times more (the inode allocator skips recently freed inodes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._proc import ROOT, run_measured, run_python
from bench._tree import make_media_tree, tree_stats

__all__ = ["main"]

RCLONE = shutil.which("rclone")


def make_big_tree(root: Path, count: int, size: int) -> None:
    """``count`` MP4-headed files of ``size`` bytes, each different, in folders of 25."""
    sys.path.insert(0, str(ROOT / "tests"))
    from media_factory import mp4_bytes

    block = os.urandom(1024 * 1024)
    for n in range(count):
        path = root / f"clips/{n // 25:02d}/clip{n:04d}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            head = mp4_bytes(4096, seed=n)
            out.write(head)
            left = size - len(head)
            while left > 0:
                out.write(block[: min(left, len(block))])
                left -= len(block)


def _seconds(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes, stdout) of a command run to its end."""
    measured = run_measured(command, env=env)
    return measured.wall, measured.max_rss, measured.stdout


def _then_sync(run: Callable[[], tuple[float, int, str]]) -> dict[str, Any]:
    os.sync()
    time.sleep(1)
    wall, rss, out = run()
    start = time.perf_counter()
    os.sync()
    return {"wall": wall, "durable": wall + time.perf_counter() - start, "rss": rss, "out": out}


def measure_tree(work: Path, label: str, tree: Path, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "MEDIASYNC_DATA_DIR": str(work / f"data-{label}")}
    db = f"sqlite:///{work / f'{label}.db'}"
    indexed = run_measured(
        [sys.executable, "-m", "mediasync", "--db", db, "sync", str(tree)], env=env
    )
    source = tree.name
    tools: dict[str, Callable[[Path], list[str]]] = {
        "cp -r": lambda dest: ["cp", "-r", str(tree), str(dest)],
    }
    if RCLONE:
        tools["rclone copy"] = lambda dest: [RCLONE, "copy", "-q", str(tree), str(dest)]
    runs: dict[str, list[dict[str, Any]]] = {"mediasync copy": [], **{t: [] for t in tools}}
    for rep in range(repeat):
        dest = work / f"{label}-mediasync-{rep}"
        dest.mkdir()
        phase = [
            "copy_phase.py", "--db", db, "--source", source,
            "--dest-root", str(dest), "--dest", f"copy{rep}",
        ]  # fmt: skip

        def mediasync_run(phase: list[str] = phase) -> tuple[float, int, str]:
            measured = run_python(*phase, env=env)
            return measured.wall, measured.json()["max_rss"], measured.stdout

        runs["mediasync copy"].append(_then_sync(mediasync_run))
        for name, command in tools.items():
            argv = command(work / f"{label}-{name.split()[0]}-{rep}")

            def tool_run(argv: list[str] = argv) -> tuple[float, int, str]:
                return _seconds(argv, env)

            runs[name].append(_then_sync(tool_run))
    first = json.loads(runs["mediasync copy"][0]["out"].splitlines()[-1])
    noop = run_python(
        "copy_phase.py", "--db", db, "--source", source,
        "--dest-root", str(work / f"{label}-mediasync-0"), "--dest", "copy0",
        env=env,
    )  # fmt: skip
    again = noop.json()
    resync = run_measured(
        [sys.executable, "-m", "mediasync", "--db", db, "sync", "copy0", "--json"], env=env
    )
    (resync_report,) = json.loads(resync.stdout)
    stats = tree_stats(tree)
    return {
        "label": label,
        "files": stats.files,
        "bytes": stats.bytes,
        "index_seconds": indexed.wall,
        "first_copy": first,
        "runs": runs,
        "noop": {**again, "wall": noop.wall},
        "resync_counts": resync_report["counts"],
    }


def _median(values: list[float]) -> float:
    return statistics.median(values)


def report(result: dict[str, Any]) -> None:
    runs = result["runs"]
    print(
        f"\n{result['label']}: {result['files']:,} files, {result['bytes'] / 1e6:,.0f} MB "
        f"(indexing the source first: {result['index_seconds']:.2f} s)"
    )
    print("| tool | wall | wall then sync | peak RSS | runs (wall) |\n|---|--:|--:|--:|---|")
    for name, samples in runs.items():
        walls = [s["wall"] for s in samples]
        print(
            f"| {name} | {_median(walls):.2f} s | {_median([s['durable'] for s in samples]):.2f} s"
            f" | {max(s['rss'] for s in samples) / 1e6:.0f} MB"
            f" | {' / '.join(f'{w:.2f}' for w in walls)} |"
        )
    ours = runs["mediasync copy"]
    for name in (n for n in runs if n != "mediasync copy"):
        wall = _median([s["wall"] for s in ours]) / _median([s["wall"] for s in runs[name]])
        durable = _median([s["durable"] for s in ours]) / _median(
            [s["durable"] for s in runs[name]]
        )
        print(f"mediasync copy ÷ {name}: {wall:.2f}x wall, {durable:.2f}x wall then sync")
    first, noop = result["first_copy"], result["noop"]
    print(
        f"first copy: {first['copied']:,} copied in {first['seconds']:.2f} s in process; "
        f"re-run: {noop['copied']} copied, {noop['skipped']:,} already there, "
        f"{noop['files_opened']} files opened, {noop['seconds']:.3f} s in process "
        f"({noop['wall']:.2f} s with start-up), peak RSS {noop['max_rss'] / 1e6:.0f} MB; "
        f"sync of the copy: {result['resync_counts']}"
    )


def check(result: dict[str, Any]) -> list[str]:
    """What the run must have shown; a failure fails the benchmark."""
    problems = []
    first, noop, counts = result["first_copy"], result["noop"], result["resync_counts"]
    if first["copied"] != result["files"] or first["failed"] or first["error"]:
        problems.append(f"{result['label']}: first copy {first}")
    if noop["copied"] or noop["files_opened"]:
        problems.append(f"{result['label']}: the re-run copied or opened files: {noop}")
    changed = {k: v for k, v in counts.items() if v and k != "unchanged"}
    if changed or counts["unchanged"] != result["files"]:
        problems.append(f"{result['label']}: sync of the copy changed something: {counts}")
    return problems


def _room(path: Path) -> int:
    return shutil.disk_usage(path).free


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--big-files", type=int, default=200)
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool, small files")
    parser.add_argument("--big-repeat", type=int, default=1, help="runs per tool, big files")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediasync-copy-bench"))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args(argv)

    work = args.workdir
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if RCLONE:
        version = subprocess.run([RCLONE, "version"], capture_output=True, text=True, check=True)
        print(f"rclone: {version.stdout.splitlines()[0]}")
    else:
        print("rclone: not installed, compared with cp only")
    results = []
    problems: list[str] = []
    try:
        if args.files:
            small = work / "small"
            make_media_tree(small, args.files, seed=11)
            results.append(measure_tree(work, "small", small, args.repeat))
            report(results[-1])
        if args.big_files:
            copies = 1 + args.big_repeat * (3 if RCLONE else 2)
            size = args.big_mb * 1_000_000
            fits = int(_room(work) * 0.9 // (size * copies))
            count = min(args.big_files, fits)
            if count < args.big_files:
                print(f"scaled: {count} big files, not {args.big_files} (disk room)")
            big = work / "big"
            make_big_tree(big, count, size)
            results.append(measure_tree(work, "big", big, args.big_repeat))
            report(results[-1])
        for result in results:
            problems += check(result)
    finally:
        if args.json is not None:
            for result in results:
                for samples in result["runs"].values():
                    for sample in samples:
                        sample.pop("out", None)
            args.json.write_text(json.dumps(results, indent=2))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if problems:
        sys.exit("\n".join(["checks failed:", *problems]))
