"""``mediasync ARGS...`` exactly as the console script runs it, noting when the walk begins.

    BENCH_TREE=PATH python bench/first_scandir.py --db URL sync NAME

``os.scandir`` is wrapped before anything of mediasync is imported; its first call on a folder
under ``$BENCH_TREE`` writes ``first-scandir <unix time>`` to stderr (the parent subtracts the
moment it spawned us: the interpreter's start-up counts, as it does for a user). Nothing else
changes: the command runs to its end and exits with its own code.
"""

from __future__ import annotations

import os
import sys
import time

_scandir = os.scandir
_TREE = os.environ.get("BENCH_TREE", "/")


def _first_scandir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(path, str | os.PathLike) and os.fspath(path).startswith(_TREE):
        os.scandir = _scandir
        sys.stderr.write(f"first-scandir {time.time():.6f}\n")
    return _scandir(path, *args, **kwargs)


os.scandir = _first_scandir

from mediasync._cli.main import main  # noqa: E402  (after the hook, as the point of it)

if __name__ == "__main__":
    main(sys.argv[1:])
