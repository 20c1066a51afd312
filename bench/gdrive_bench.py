"""The Google Drive plugin against the loopback fake Drive: API calls and wall time.

    python bench/gdrive_bench.py [--files 100000] [--folders 2000] [--changes 1000]

On a fake Drive holding FILES files in FOLDERS nested folders, shared with a service account:

1. a cold index: Drive API calls against the target ceil(files/1000) + ceil(folders/50);
2. a re-sync with nothing changed (calls, wall time);
3. a re-sync after CHANGES changes, a quarter each renames, moves, deletions, additions;
4. a cold index of the same tree with 10% of requests failing with 429 or 500: the same final
   index as a clean one, and the extra calls the retries cost.

Everything runs in this process (the fake's server threads share the interpreter, so wall times
include the fake's own work); the index is SQLite in a temporary directory. Not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

SETTINGS = {"retry_initial_wait": "0.001", "retry_max_wait": "0.01", "timeout": "30"}


def _app(workdir: Path) -> Any:
    os.environ["XDG_DATA_HOME"] = str(workdir / "data")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    from mediasync._app import App
    from mediasync._config import load_config
    from mediasync._plugins import load_plugins

    url = f"sqlite:///{workdir / 'index.db'}"
    return App(load_config(overrides={"database_url": url}), load_plugins())


def _add(app: Any, name: str, root: str, key: dict[str, Any], endpoint: str) -> None:
    from mediasync import Workspace

    settings = {"credentials": json.dumps(key), "api_endpoint": endpoint, **SETTINGS}
    Workspace(app).add_source(name, "gdrive", root=root, settings=settings)


def _sync(app: Any, drive: Any, name: str) -> tuple[int, float, Any]:
    from mediasync._sync.index import SyncOptions
    from mediasync._sync.runner import sync_source

    drive.reset_counts()
    report = sync_source(app, name, options=SyncOptions(allow_mass_removal=True))
    if report.run.status.value != "ok":
        sys.exit(f"sync of {name} failed: {report.run.error}")
    return drive.api_calls(), report.duration, report.run.counts


def _index(app: Any, name: str) -> set[tuple[str, str]]:
    from sqlalchemy import select

    from mediasync._db.schema import media_items, sources

    query = (
        select(media_items.c.external_id, media_items.c.path)
        .join(sources, sources.c.id == media_items.c.source_id)
        .where(sources.c.name == name, media_items.c.active.is_(True))
    )
    with app.engine.connect() as connection:
        return {(row.external_id, row.path) for row in connection.execute(query)}


def _change(drive: Any, tree: Any, root: str, count: int, seed: int) -> None:
    """A quarter each: renames, moves, deletions, additions, on distinct random files."""
    rng = random.Random(seed)
    quarter = count // 4
    picked = rng.sample(tree.files, 3 * quarter)
    for number, file_id in enumerate(picked[:quarter]):
        drive.rename(file_id, f"renamed {number:05d}.jpg")
    for file_id in picked[quarter : 2 * quarter]:
        drive.move(file_id, rng.choice(tree.folders))
    for file_id in picked[2 * quarter :]:
        drive.delete(file_id)
    for number in range(count - 3 * quarter):
        drive.add_file(f"new {number:05d}.jpg", under=rng.choice(tree.folders))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=2_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--fail-rate", type=float, default=0.10)
    args = parser.parse_args(argv)

    from fakes.drive import FakeDrive

    rows: list[tuple[str, str, str, str]] = []
    target = math.ceil(args.files / 1000) + math.ceil(args.folders / 50)
    with tempfile.TemporaryDirectory() as tmp, FakeDrive() as drive:
        key = drive.service_account()
        root = drive.folder("Library")
        drive.share(root, key["client_email"], "writer")
        tree = drive.build_tree(root, files=args.files, folders=args.folders, seed=1)
        app = _app(Path(tmp))
        _add(app, "bench", root, key, drive.api_endpoint)

        calls, seconds, counts = _sync(app, drive, "bench")
        assert counts.added == args.files, counts
        rows.append(
            ("cold index", f"{calls}", f"{calls / target:.2f}x of {target}", f"{seconds:.2f}s")
        )

        calls, seconds, counts = _sync(app, drive, "bench")
        assert counts.changes == 0, counts
        rows.append(("no-change re-sync", f"{calls}", "target 1-2", f"{seconds:.3f}s"))

        _change(drive, tree, root, args.changes, seed=2)
        calls, seconds, counts = _sync(app, drive, "bench")
        seen = counts.renamed + counts.moved + counts.removed + counts.added
        detail = (
            f"{counts.renamed} renamed, {counts.moved} moved, {counts.removed} removed, "
            f"{counts.added} added"
        )
        rows.append((f"re-sync, {args.changes} changes", f"{calls}", detail, f"{seconds:.2f}s"))
        assert seen == args.changes, counts
        expected = _index(app, "bench")

        _add(app, "clean", root, key, drive.api_endpoint)
        clean_calls, _seconds, _ = _sync(app, drive, "clean")
        _add(app, "faulty", root, key, drive.api_endpoint)
        drive.faults.fail_rate(args.fail_rate, ("429", "500"), seed=3)
        calls, seconds, _ = _sync(app, drive, "faulty")
        drive.faults.clear()
        same = _index(app, "faulty") == _index(app, "clean") == expected
        injected = sum(drive.faults.injected.values())
        rows.append(
            (
                f"cold index, {args.fail_rate:.0%} failing",
                f"{calls}",
                f"+{calls - clean_calls} over {clean_calls} clean ({injected} faults); "
                f"same index: {'yes' if same else 'NO'}",
                f"{seconds:.2f}s",
            )
        )
        app.close()
    print(f"Google Drive plugin on the fake: {args.files:,} files in {args.folders:,} folders")
    widths = [
        max(len(row[i]) for row in [("case", "calls", "vs target", "wall"), *rows])
        for i in range(4)
    ]
    for row in [("case", "calls", "vs target", "wall"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if not same:
        sys.exit("the faulty run's index differs from the clean one")


if __name__ == "__main__":
    main()
