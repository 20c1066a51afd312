"""Media facts: what reading them costs a cold index, against exiftool; ``items list`` by date
and ``duplicates`` at a million items.

    python bench/run.py facts [--photos 5000] [--videos 60] [--items 1000000] [--pg URL]

Side by side in one run, page cache warm (the tree is read once first), each index in a fresh
process: a cold index of the tree with the facts read while hashing, and without (the same
code with ``hash_file`` replaced by a plain SHA-256 through ``sitecustomize``, in the engine's
worker processes too); the no-op re-sync after each; ``items refresh-metadata`` (headers only)
against ``exiftool -fast2 -json -r`` reading the same facts (skipped with a note when exiftool
is not installed: ``apt-get install libimage-exiftool-perl``). Then an index of ``--items``
rows on SQLite and on PostgreSQL (``--pg`` or ``MEDIASYNC_TEST_POSTGRES_URL``): ``items list``
over one month of one source, its query plan, and ``duplicates``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._facts_tree import fill_index, make_facts_tree
from bench._pg import postgres_schema
from bench._proc import ROOT, run_measured

__all__ = ["main"]

NO_FACTS = """\
import mediasync._filehash as filehash
import mediasync._source as source
from mediasync._facts.model import HashedContent
filehash.hash_file = source.hash_file = lambda path: HashedContent(filehash.file_sha256(path))
"""
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
        start = time.perf_counter()
        report = workspace.sync("tree")
        cold = time.perf_counter() - start
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
        "added": report.run.counts.added,
        "noop": noop_seconds,
        "noop_changes": noop.run.counts.changes,
        "refresh": refresh_seconds,
        "refreshed": refresh.read,
    }


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


def _finding(database: str, items: int) -> dict[str, Any]:
    from sqlalchemy import text

    from mediasync import Workspace
    from mediasync._db.items import items_query

    with Workspace.open(database_url=database) as workspace:
        for name in ("laptop", "drive", "phone"):
            workspace.add_source(name, "local", root=str(ROOT), settings={})
        start = time.perf_counter()
        fill_index(workspace.app.engine, items)
        fill = time.perf_counter() - start
        since, until = datetime(2023, 5, 1), datetime(2023, 6, 1)
        timings, count = [], 0
        for _ in range(3):
            start = time.perf_counter()
            listed = workspace.items(
                source="drive", taken_since=since, taken_until=until, limit=None
            )
            count = sum(1 for _ in listed)
            timings.append(time.perf_counter() - start)
        plan = ""
        if workspace.app.engine.dialect.name == "postgresql":
            query = items_query(source_id=2, taken_since=since, taken_until=until)
            sql = query.compile(workspace.app.engine, compile_kwargs={"literal_binds": True})
            with workspace.app.engine.connect() as connection:
                plan = "\n".join(r[0] for r in connection.execute(text(f"EXPLAIN {sql}")))
        start = time.perf_counter()
        groups = sum(1 for _ in workspace.duplicates())
        duplicates = time.perf_counter() - start
    return {
        "fill": fill, "list_month": min(timings), "listed": count, "plan": plan,
        "duplicates": duplicates, "groups": groups,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--videos", type=int, default=60)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("MEDIASYNC_TEST_POSTGRES_URL"))
    parser.add_argument("--phase", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_phase_index(*args.phase)))
        return
    with tempfile.TemporaryDirectory(prefix="facts-bench-") as temporary:
        work = Path(temporary)
        root = work / "tree"
        size = make_facts_tree(root, args.photos, args.videos)
        print(f"tree: {args.photos:,} JPEGs, {args.videos} MP4s, {size / 1e9:.2f} GB")
        for path in root.rglob("*"):  # warm the page cache: both variants read from memory
            if path.is_file():
                path.read_bytes()
        runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        for run in range(2):
            for facts in (False, True):
                runs[facts].append(_index(root, work, facts, run))
        best = {f: min(runs[f], key=lambda r: r["cold"]) for f in runs}
        with_, without = best[True], best[False]
        print(f"cold index without facts: {without['cold']:.2f} s ({without['added']:,} items)")
        print(f"cold index with facts:    {with_['cold']:.2f} s "
              f"({with_['cold'] / without['cold']:.3f}x; target <= 1.15x)")  # fmt: skip
        print(f"no-op re-sync: {without['noop']:.3f} s without, {with_['noop']:.3f} s with "
              f"({with_['noop_changes']} changes)")  # fmt: skip
        print(f"items refresh-metadata (headers only): {with_['refresh']:.2f} s "
              f"({with_['refreshed']:,} items)")  # fmt: skip
        exiftool = _exiftool(root)
        if exiftool is None:
            print("exiftool: not installed (apt-get install libimage-exiftool-perl): skipped")
        else:
            print(f"exiftool -fast2 -json -r, same facts: {exiftool:.2f} s; refresh-metadata is "
                  f"{with_['refresh'] / exiftool:.3f}x of it (target <= 0.5x)")  # fmt: skip
    databases = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
    for name, url in databases:
        with tempfile.TemporaryDirectory(prefix="facts-index-") as temporary:
            if url is None:
                found = _finding(f"sqlite:///{Path(temporary) / 'big.db'}", args.items)
            else:
                with postgres_schema(url, "facts") as schema_url:
                    found = _finding(schema_url, args.items)
        print(f"{name}, {args.items:,} items (filled in {found['fill']:.0f} s): items list, one "
              f"source, one month: {found['list_month']:.3f} s for {found['listed']:,} items "
              f"(target < 0.2 s); duplicates: {found['duplicates']:.2f} s, "
              f"{found['groups']:,} groups")  # fmt: skip
        if found["plan"]:
            seq = "Seq Scan on media_items" in found["plan"]
            print(f"  plan: {'SEQUENTIAL SCAN' if seq else 'index, no sequential scan'}")
            print("    " + found["plan"].replace("\n", "\n    "))


if __name__ == "__main__":
    main()
