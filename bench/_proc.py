"""Child processes measured one by one: wall time and the peak RSS of that child alone.

Every measured phase runs in a fresh process. Its peak RSS comes from GNU ``time -f %M`` wrapped
around it, not from our own ``wait4``: Linux carries the parent's high-water mark into a child
across ``fork``/``vfork`` and ``exec``, so a child of this (large) orchestrator would report at
least the orchestrator's RSS. ``/usr/bin/time`` is small, so the floor it adds is a megabyte or
two. Without it the ``wait4`` figure is used and flagged as an upper bound.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

__all__ = ["ROOT", "TIME", "Measured", "drop_caches", "run_measured", "run_python"]

TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
ROOT = Path(__file__).resolve().parent.parent
"""The repository's root: ``bench/`` and ``tests/`` sit right under it."""


@attrs.frozen(slots=True)
class Measured:
    """One child process: how long it ran, its peak RSS, what it printed."""

    command: tuple[str, ...]
    wall: float
    """Seconds from spawn to exit, interpreter start-up included."""
    max_rss: int
    """Peak resident set size of the child, bytes."""
    stdout: str
    stderr: str
    returncode: int

    def json(self) -> dict[str, Any]:
        """The child's last JSON line, parsed (a wrapper such as py-spy may print around it)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"{' '.join(self.command)} printed nothing:\n{self.stderr}")
        value = json.loads(lines[-1])
        assert isinstance(value, dict)
        return value


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdout_path: Path | None = None,
    check: bool = True,
) -> Measured:
    """Runs ``command`` to its end; ``stdout_path`` sends its output to a file instead of memory."""
    # Output goes to files, not pipes: the child never blocks, and wait4 can reap it.
    with (
        stdout_path.open("w+b") if stdout_path is not None else tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as rss_file,
    ):
        wrapped = list(command)
        if TIME is not None:
            wrapped = [TIME, "-f", "%M", "-o", rss_file.name, *wrapped]
        start = time.perf_counter()
        process = subprocess.Popen(
            wrapped, stdout=out, stderr=err, env=dict(env) if env is not None else None
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        max_rss = usage.ru_maxrss * 1024  # kilobytes on Linux; an upper bound, see above
        if TIME is not None:
            reported = rss_file.read().split()
            if reported and reported[-1].isdigit():
                max_rss = int(reported[-1]) * 1024
        out_bytes = b""
        if stdout_path is None:
            out.seek(0)
            out_bytes = out.read()
        err.seek(0)
        err_bytes = err.read()
    result = Measured(
        command=tuple(command),
        wall=wall,
        max_rss=max_rss,
        stdout=out_bytes.decode(errors="replace"),
        stderr=err_bytes.decode(errors="replace"),
        returncode=process.returncode,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-4000:]}"
        )
    return result


def run_python(
    script: str, *args: str, env: Mapping[str, str] | None = None, check: bool = True
) -> Measured:
    """Runs ``bench/SCRIPT`` under this interpreter in a fresh process."""
    return run_measured([sys.executable, str(ROOT / "bench" / script), *args], env=env, check=check)


def drop_caches() -> bool:
    """Writes dirty pages back and empties the page, dentry and inode caches; False if refused."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
    except OSError:
        return False
    return True
