"""One ``Workspace.copy`` from a local source into a local folder, in a fresh interpreter.

    python bench/copy_phase.py --db URL --source NAME --dest-root DIR [--dest NAME]

The destination is registered (if new) before the clock starts; the clock covers the copy
only. Prints one JSON line: ``seconds``, the report's counts (``copied``, ``skipped``,
``found``, ``failed``, ``bytes``, ``error``), ``max_rss`` (this process's peak resident size,
from ``resource.getrusage``, bytes) and ``files_opened``: how many files under either root the
copy opened, counted by an audit hook on ``open`` (a re-run with nothing to copy must open
none).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import Any

from mediasync import Workspace

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--source", required=True, help="the source to copy (indexed already)")
    parser.add_argument("--dest-root", required=True, help="the folder to copy into")
    parser.add_argument("--dest", default="copy", help="destination source name (default copy)")
    parser.add_argument("--folder", default="{path}", help="folder template (default {path})")
    parser.add_argument("--workers", type=int, help="uploads at once (default: the core's)")
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="diagnostic: make os.fsync a no-op, to see what durability costs (not durable!)",
    )
    args = parser.parse_args(argv)
    if args.workers:
        from mediasync import _copy_run

        _copy_run.WORKERS = args.workers
    if args.no_fsync:
        os.fsync = lambda fd: None

    with Workspace.open(database_url=args.db) as workspace:
        if args.dest not in {info.name for info in workspace.sources()}:
            workspace.add_source(args.dest, "local", root=args.dest_root, settings={})
        roots = tuple(
            os.path.realpath(workspace.source(name).root or "") for name in (args.source, args.dest)
        )
        opened = 0

        def count_opens(event: str, hook_args: tuple[Any, ...]) -> None:
            nonlocal opened
            if event == "open" and isinstance(hook_args[0], str | bytes):
                path = os.fsdecode(hook_args[0])
                if path.startswith(roots):
                    opened += 1

        sys.addaudithook(count_opens)
        start = time.perf_counter()
        report = workspace.copy(args.source, args.dest, folder_template=args.folder)
        seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "copied": report.copied,
                "skipped": report.skipped,
                "found": report.found,
                "failed": report.failed,
                "bytes": report.bytes,
                "error": report.error,
                "max_rss": usage.ru_maxrss * 1024,
                "files_opened": opened,
            }
        )
    )


if __name__ == "__main__":
    main()
