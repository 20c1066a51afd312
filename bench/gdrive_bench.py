"""The Google Drive plugin against the loopback fake Drive: API calls and wall time.

    python bench/run.py gdrive [--files 100000] [--folders 2000] [--changes 1000]
    python bench/run.py gdrive --previous HEAD      # the same cases with the plugin of HEAD too

On a fake Drive holding FILES files in FOLDERS nested folders (random depth), plus an album of
ALBUM files in four sub-folders, shared with a service account:

1. a cold index, against ceil(files/1000) + ceil(folders/1000) + ceil(folders/50) + 2;
2. a cold index of a chain of 12 nested folders (another source, an account that sees only it),
   against the same formula; then as seen by the first account, which sees the 2,000 folders of
   the first tree too: the first page of the folder query holds none of the chain, so the chain
   is walked level by level (about its depth in calls);
3. a re-sync with nothing changed;
4. a re-sync after CHANGES file changes, a sixth each renamed, moved within the tree, trashed,
   deleted, edited, added, against ceil(changes/1000) + 2, paths checked against a listing;
5. the album renamed (<= 3 calls, every file moved, none added or removed);
6. the album moved out of the tree (<= 3 calls, its files removed) and 7. back in (<= 3 + the
   album's listing: its files restored with their history);
8. a cold index with FAIL_RATE of requests failing with 429 or 500: the same index as a clean one.

``--previous REV`` runs cases 1-7 again in a child process with the plugin as it was at git
revision REV (read with ``git show``) and prints both. Everything runs in one process per plugin
(the fake's threads share the interpreter: wall times include the fake's work); the index is
SQLite in a temporary directory. Not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench import gdrive_cases as cases  # noqa: E402

Row = tuple[str, int, str, str, float]
"""(case, calls, target, detail, seconds)."""


def cold_target(files: int, folders: int) -> int:
    return math.ceil(files / 1000) + math.ceil(folders / 1000) + math.ceil(folders / 50) + 2


def run_cases(args: argparse.Namespace) -> tuple[list[Row], bool]:
    from fakes.drive import FakeDrive

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, FakeDrive() as drive:
        key = drive.service_account()
        root = drive.folder("Library")
        drive.share(root, key["client_email"], "writer")
        tree = drive.build_tree(root, files=args.files, folders=args.folders, seed=1)
        album = cases.album(drive, root, args.album)
        deep = drive.folder("Deep")
        alone = drive.service_account("deep@fake-project.iam.gserviceaccount.com")
        drive.share(deep, alone["client_email"])
        drive.share(deep, key["client_email"])
        levels, chain_files = cases.chain(drive, deep, 12, 50)
        app = cases.open_app(Path(tmp))
        cases.add_source(app, "bench", root, key, drive.api_endpoint)
        cases.add_source(app, "deep", deep, alone, drive.api_endpoint)
        cases.add_source(app, "deep-crowded", deep, key, drive.api_endpoint)

        files, folders = args.files + args.album, args.folders + 5
        done = cases.sync(app, drive, "bench")
        rows.append(_row("cold index", done, f"<= {cold_target(files, folders)}", done.counts))
        done = cases.sync(app, drive, "deep")
        limit = cold_target(chain_files, levels)
        rows.append(_row("cold index, 12-level chain", done, f"<= {limit}", done.counts))
        done = cases.sync(app, drive, "deep-crowded")
        case = f"the chain, its account seeing {folders:,} folders more"
        rows.append(_row(case, done, "1 probe + the walk", done.counts))
        done = cases.sync(app, drive, "bench")
        rows.append(_row("no-change re-sync", done, "1", done.counts))

        made = cases.file_changes(drive, tree, args.changes, seed=2)
        done = cases.sync(app, drive, "bench")
        right = cases.index(app, "bench") == cases.listing(drive, root, key)
        target = f"<= {math.ceil(args.changes / 1000) + 2}"
        calls = ", ".join(f"{k} {v}" for k, v in sorted(done.by_endpoint.items()))
        detail = f"{_counts(done.counts)} ({calls}); paths {'right' if right else 'WRONG'}"
        case = f"re-sync, {args.changes} file changes"
        rows.append((case, done.calls, target, detail, done.seconds))
        ok = right and sum(made.values()) == args.changes

        drive.rename(album, "Big album (renamed)")
        done = cases.sync(app, drive, "bench")
        rows.append(_row(f"album of {args.album} renamed", done, "<= 3", done.counts))
        drive.move(album, drive.my_drive)
        done = cases.sync(app, drive, "bench")
        rows.append(_row("album moved out", done, "<= 3", done.counts))
        drive.move(album, root)
        done = cases.sync(app, drive, "bench")
        rows.append(_row("album moved back in", done, "<= 3 + its listing", done.counts))
        right = cases.index(app, "bench") == cases.listing(drive, root, key)
        ok = ok and right

        if args.fail_rate > 0:
            expected = cases.index(app, "bench")
            cases.add_source(app, "faulty", root, key, drive.api_endpoint)
            drive.faults.fail_rate(args.fail_rate, ("429", "500"), seed=3)
            done = cases.sync(app, drive, "faulty")
            drive.faults.clear()
            same = cases.index(app, "faulty") == expected
            injected = sum(drive.faults.injected.values())
            detail = f"{injected} faults retried; same index: {'yes' if same else 'NO'}"
            rows.append(
                (f"cold index, {args.fail_rate:.0%} failing", done.calls, "", detail, done.seconds)
            )
            ok = ok and same
        app.close()
    return rows, ok


def _counts(counts: Any) -> str:
    names = ("added", "modified", "renamed", "moved", "removed", "restored")
    return ", ".join(f"{getattr(counts, n)} {n}" for n in names if getattr(counts, n)) or "-"


def _row(case: str, done: cases.Synced, target: str, counts: Any) -> Row:
    calls = ", ".join(f"{k} {v}" for k, v in sorted(done.by_endpoint.items()))
    return (case, done.calls, target, f"{_counts(counts)} ({calls})", done.seconds)


def previous_rows(revision: str, argv: list[str]) -> list[Row]:
    """The cases with the plugin of ``revision``, in a child process (``git show`` only)."""
    package = "mediasync-gdrive/src/mediasync_gdrive"
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{revision}:{package}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "mediasync_gdrive"
        target.mkdir()
        for name in names:
            data = subprocess.run(
                ["git", "show", f"{revision}:{package}/{name}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            ).stdout
            (target / name).write_bytes(data)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tmp, os.environ.get("PYTHONPATH", "")])}
        out = subprocess.run(
            [sys.executable, __file__, *argv, "--fail-rate", "0", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return [(str(c), int(n), str(t), str(d), float(w)) for c, n, t, d, w in json.loads(out)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=2_000)
    parser.add_argument("--album", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--fail-rate", type=float, default=0.10)
    parser.add_argument("--previous", metavar="REV", help="also run the plugin of git REV")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    rows, ok = run_cases(args)
    if args.json:
        print(json.dumps(rows))
        return
    before: dict[str, Row] = {}
    if args.previous:
        shared = [a for a in argv if a not in ("--previous", args.previous)]
        before = {row[0]: row for row in previous_rows(args.previous, shared)}
    print(
        f"Google Drive plugin on the fake: {args.files:,} files in {args.folders:,} folders, "
        f"an album of {args.album:,}"
    )
    header = ("case", "calls", "target", *(("before",) if before else ()), "wall", "detail")
    table = [header]
    for case, calls, target, detail, seconds in rows:
        old = (f"{before[case][1]} ({before[case][4]:.2f}s)",) if case in before else ()
        if before and not old:
            old = ("",)
        table.append((case, str(calls), target, *old, f"{seconds:.2f}s", detail))
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    for case, _calls, _target, detail, _seconds in before.values():
        print(f"  before, {case}: {detail}")
    if not ok:
        sys.exit("the index disagrees with a listing, or the faulty run's index differs")


if __name__ == "__main__":
    main()
