"""The walk floor: a plain ``os.scandir`` walk that stats every file, no hashing, no database.

    python bench/walk_floor.py ROOT [--read]

Prints one JSON line: ``seconds`` (the walk alone, interpreter start-up excluded), ``files``,
``bytes``. No sync of any kind can list a folder faster than this in Python. ``--read`` also
reads every file's bytes: not a baseline, only a way to load the tree into the page cache.
"""

from __future__ import annotations

import json
import os
import sys
import time

__all__ = ["walk"]


def walk(root: str, read: bool = False) -> tuple[int, int]:
    """(files, total bytes) under ``root``; one ``stat`` per file, folders from ``d_type``."""
    files = size = 0
    buffer = bytearray(1024 * 1024)
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as scanner:
            for item in scanner:
                if item.is_dir(follow_symlinks=False):
                    stack.append(item.path)
                    continue
                st = item.stat(follow_symlinks=False)
                files += 1
                size += st.st_size
                if read:
                    with open(item.path, "rb", buffering=0) as stream:
                        while stream.readinto(buffer):
                            pass
    return files, size


def main() -> None:
    start = time.perf_counter()
    files, size = walk(sys.argv[1], read="--read" in sys.argv[2:])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "files": files, "bytes": size}))


if __name__ == "__main__":
    main()
