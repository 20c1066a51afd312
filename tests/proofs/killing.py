"""Kill -9 at chosen points of a ``mediasync`` command run in a subprocess.

Three kinds of kill points, all deterministic:

- ``commit N``: the process kills itself at its Nth database commit, before the commit lands
  (``die.py``, a SQLAlchemy listener: no hook in product code);
- ``after module:function N``: it kills itself as the Nth call of that function returns (a file
  placed under its name, a line appended to a manifest), ``die.py`` wrapping the function;
- ``request N before`` / ``request N after``: a fake (running in the test's process) kills the
  client when its Nth request arrives, then drops the request unanswered (``before``: the
  service did nothing) or serves it in full to a dead client (``after``: the service acted,
  the client never heard).

A count run (no kill) says how many points a scenario has; ``points`` gives them all with
``MEDIASYNC_PROOFS=all`` (``nox -s proofs``), else an evenly spread sample.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

__all__ = [
    "ALL_POINTS",
    "Fake",
    "KillPoint",
    "Ran",
    "RequestKiller",
    "database",
    "mediasync",
    "points",
    "prove",
]

DIE = Path(__file__).with_name("die.py")
ALL_POINTS = os.environ.get("MEDIASYNC_PROOFS") == "all"
SAMPLE = 6
"""Kill points per scenario in the default (CI) run, spread over all of its points."""

Kind = Literal["commit", "after", "request before", "request after"]


@attrs.frozen
class KillPoint:
    kind: Kind
    number: int
    function: str = ""
    """For ``after``: ``module:Qual.name``."""

    def __str__(self) -> str:
        name = self.function.rpartition(":")[2]
        return f"{self.kind} {name} {self.number}" if name else f"{self.kind} {self.number}"


@attrs.frozen
class Ran:
    """A finished (or killed) subprocess: its exit code, output, commits and calls counted."""

    returncode: int
    stdout: str
    stderr: str
    commits: int = 0
    calls: dict[str, int] = attrs.field(factory=dict)

    @property
    def killed(self) -> bool:
        return self.returncode == -9


def points(ran: Ran, requests: int = 0) -> list[KillPoint]:
    """Every kill point of a scenario whose count run is ``ran`` (commits, calls of the
    functions watched, requests killed before and after being served), or ``SAMPLE`` of them
    spread evenly from the first to the last."""
    every = [KillPoint("commit", n) for n in range(1, ran.commits + 1)]
    for function, calls in ran.calls.items():
        every += [KillPoint("after", n, function) for n in range(1, calls + 1)]
    kinds: tuple[Kind, ...] = ("request before", "request after")
    for kind in kinds:
        every += [KillPoint(kind, n) for n in range(1, requests + 1)]
    if ALL_POINTS or len(every) <= SAMPLE:
        return every
    step = (len(every) - 1) / (SAMPLE - 1)
    return [every[i] for i in sorted({round(i * step) for i in range(SAMPLE)})]


# -- the fakes' side ------------------------------------------------------------------------


@attrs.frozen
class Fake:
    """A fake's fault picker to watch, and the fault with which it drops a request."""

    faults: Any
    drop: Any


def _dead(pid: int, timeout: float = 5.0) -> None:
    """Waits until ``pid`` is a zombie (or gone): it runs no more code after this."""
    deadline = time.monotonic() + timeout
    stat = Path(f"/proc/{pid}/stat")
    while time.monotonic() < deadline:
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] in {"Z", "X"}:
                return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.001)
    raise AssertionError(f"process {pid} did not die")


class RequestKiller:
    """Counts the requests the fakes receive while it is attached; kills the client at one."""

    def __init__(self, fakes: Sequence[Fake]) -> None:
        self.fakes = fakes
        self.count = 0
        self.target: KillPoint | None = None
        self.pid: int | None = None
        self.lock = threading.Lock()
        self.ready = threading.Event()

    @contextlib.contextmanager
    def attached(self, target: KillPoint | None) -> Iterator[RequestKiller]:
        self.count, self.target, self.pid = 0, target, None
        self.ready.clear()
        for fake in self.fakes:
            fake.faults.pick = self._picker(fake.faults.pick, fake.drop)
        try:
            yield self
        finally:
            for fake in self.fakes:
                del fake.faults.pick  # the class's own method again

    def started(self, pid: int) -> None:
        self.pid = pid
        self.ready.set()

    def _picker(self, real: Callable[..., Any], drop: Any) -> Callable[..., Any]:
        def pick(endpoint: str, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.count += 1
                hit = self.target is not None and self.count == self.target.number
            if not hit:
                return real(endpoint, *args, **kwargs)
            assert self.ready.wait(10), "the process never started"
            assert self.target is not None
            assert self.pid is not None
            os.kill(self.pid, 9)
            _dead(self.pid)
            return drop if self.target.kind == "request before" else None

        return pick


# -- the process ----------------------------------------------------------------------------


def mediasync(
    args: Sequence[str],
    *,
    kill: KillPoint | None = None,
    killer: RequestKiller | None = None,
    watch: Sequence[str] = (),
    count_file: Path | None = None,
    timeout: float = 120,
) -> Ran:
    """Runs ``mediasync ARGS`` through ``die.py``, killed at ``kill``: a commit, a call of a
    function in ``watch``, or (with ``killer``) a request; ``killer`` counts the requests."""
    environment = {**os.environ, "PROOF_WATCH": ",".join(watch)}
    if kill is not None and kill.kind == "commit":
        environment["PROOF_KILL_AT_COMMIT"] = str(kill.number)
    if kill is not None and kill.kind == "after":
        environment["PROOF_KILL_AFTER"] = f"{kill.function}:{kill.number}"
    if count_file is not None:
        environment["PROOF_COMMITS"] = str(count_file)
        count_file.unlink(missing_ok=True)
    target = kill if kill is not None and kill.kind.startswith("request") else None
    with contextlib.ExitStack() as stack:
        if killer is not None:
            stack.enter_context(killer.attached(target))
        process = subprocess.Popen(
            [sys.executable, str(DIE), *args],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if killer is not None:
            killer.started(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    counted: dict[str, Any] = {}
    if count_file is not None and count_file.exists():
        counted = json.loads(count_file.read_text())
    return Ran(
        process.returncode, stdout, stderr, counted.get("commits", 0), counted.get("calls", {})
    )


def database(folder: Path) -> str:
    """The SQLite index of one kill point's world."""
    return f"sqlite:///{folder / 'index.db'}"


def prove(
    tmp_path: Path,
    prepare: Callable[[Path], None],
    command: Sequence[str] | Callable[[Path], Sequence[str]],
    check: Callable[[Path], None],
    *,
    killer: RequestKiller | None = None,
    watch: Sequence[str] = (),
) -> str:
    """Counts the kill points of ``mediasync COMMAND`` on a prepared world (its index is
    ``database(folder)``), then for each point in a fresh folder: ``prepare``, run it killed
    there, and ``check`` (which finishes the work in this process and asserts). A point the run
    did not reach (a lease renewal that timing skipped) is a finished run: checked too.
    ``command`` may depend on the point's folder (a caption naming it)."""

    def args(folder: Path) -> list[str]:
        return ["--db", database(folder), *(command(folder) if callable(command) else command)]

    reference = tmp_path / "count"
    reference.mkdir()
    prepare(reference)
    count = mediasync(
        args(reference),
        killer=killer,
        watch=watch,
        count_file=reference / "counts.json",
    )
    assert count.returncode == 0, count.stderr
    check(reference)
    requests = killer.count if killer is not None else 0
    kill_points = points(count, requests)
    started, killed = time.monotonic(), 0
    for point in kill_points:
        folder = tmp_path / str(point).replace(" ", "-")
        folder.mkdir()
        prepare(folder)
        ran = mediasync(args(folder), kill=point, killer=killer, watch=watch)
        assert ran.killed or ran.returncode == 0, f"{point}: exit {ran.returncode}: {ran.stderr}"
        killed += ran.killed
        try:
            check(folder)
        except AssertionError as exc:
            raise AssertionError(f"killed at {point}: {exc}") from exc
    assert killed >= len(kill_points) - 1, f"only {killed} of {len(kill_points)} points reached"
    counted = {"commits": count.commits, **count.calls, "requests": requests}
    return (
        f"{killed} of {len(kill_points)} kill points killed and checked in "
        f"{time.monotonic() - started:.1f}s (a run counts {counted}; a request is killed "
        "before and after it is served)"
    )
