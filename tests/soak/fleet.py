"""The workers of the soak: ``mediasync run`` subprocesses, killed and restarted, their memory
sampled from ``/proc/PID/status``.

Each slot (``w1`` … ``w4``) is one worker at a time; a SIGKILL ends its current process and a new
one takes the slot at once. Every process is a ``Life``: when it started and ended, how, and its
resident memory (``VmRSS``) every few seconds of its age.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

__all__ = ["Fleet", "Life", "rss_kb"]


def rss_kb(pid: int) -> int | None:
    """The process's resident set size in kB, or ``None`` once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    return None


@attrs.define
class Life:
    """One process of a slot, from start to end."""

    slot: str
    process: subprocess.Popen[bytes]
    started: float  # time.monotonic()
    ended: float | None = None
    returncode: int | None = None
    killed: bool = False
    rss: list[tuple[float, int]] = attrs.field(factory=list)
    """(age in seconds, kB)"""

    @property
    def pid(self) -> int:
        return self.process.pid

    def age(self, now: float | None = None) -> float:
        end = self.ended if self.ended is not None else (now or time.monotonic())
        return end - self.started

    def level(self, start: float, end: float) -> float | None:
        """The mean RSS (kB) sampled between these ages, if any."""
        values = [kb for age, kb in self.rss if start <= age < end]
        return sum(values) / len(values) if values else None


class Fleet:
    """``slots`` workers on one database; ``extra`` arguments per slot (``--with-telegram``)."""

    def __init__(
        self,
        slots: Sequence[str],
        environment: Mapping[str, str],
        logs: Path,
        extra: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.slots = tuple(slots)
        self.environment = dict(environment)
        self.logs = logs
        self.extra = dict(extra or {})
        self.lives: list[Life] = []
        self.current: dict[str, Life] = {}
        self.unexpected: list[Life] = []
        """Processes that ended on their own while the soak ran (none should)."""
        self.lock = threading.Lock()
        self.stopping = False

    def start(self) -> None:
        for slot in self.slots:
            self._spawn(slot)

    def _spawn(self, slot: str) -> Life:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{slot}.log").open("ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mediasync",
                    "run",
                    "--log-format",
                    "json",
                    *self.extra.get(slot, ()),
                ],
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        life = Life(slot, process, time.monotonic())
        with self.lock:
            self.lives.append(life)
            self.current[slot] = life
        return life

    def kill(self, slot: str) -> Life:
        """SIGKILLs the slot's process and starts the next one; the dead one's ``Life``."""
        with self.lock:
            life = self.current[slot]
        life.killed = True
        life.process.send_signal(signal.SIGKILL)
        life.returncode = life.process.wait()
        life.ended = time.monotonic()
        self._spawn(slot)
        return life

    def sample(self) -> None:
        """Records every live process's RSS; restarts a slot whose process ended on its own."""
        now = time.monotonic()
        with self.lock:
            lives = list(self.current.values())
        for life in lives:
            if life.killed:
                continue
            code = life.process.poll()
            if code is not None:
                if self.stopping:
                    continue
                life.returncode, life.ended = code, now
                self.unexpected.append(life)
                self._spawn(life.slot)
                continue
            kb = rss_kb(life.pid)
            if kb is not None:
                life.rss.append((now - life.started, kb))

    def stop(self, timeout: float = 60.0) -> dict[str, int | None]:
        """SIGTERM to every live process; their exit codes (``None``: had to be killed)."""
        self.stopping = True
        with self.lock:
            lives = list(self.current.values())
        for life in lives:
            if life.process.poll() is None:
                life.process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        deadline = time.monotonic() + timeout
        for life in lives:
            try:
                life.returncode = life.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                life.process.kill()
                life.process.wait()
                life.returncode = None
            life.ended = life.ended or time.monotonic()
            codes[life.slot] = life.returncode
        return codes

    def kill_all(self) -> None:
        """Whatever still runs (a failed soak): SIGKILL, by process, never by name."""
        for life in self.lives:
            if life.process.poll() is None:
                os.kill(life.pid, signal.SIGKILL)
                life.process.wait()
