"""Where a sync's time goes: py-spy samples of every thread, folded into per-function shares.

``py-spy record --threads --idle --format raw`` writes one line per distinct stack, outermost
frame first, with its sample count. The main thread's samples under ``sync_source`` are the
run's wall time; a function's *inclusive* share is the part of those samples with it on the
stack, its *self* share the part with it on top (C calls such as ``stat`` or a database driver's
``execute`` count as the Python function that made them). Hashing runs in worker threads: their
busy samples (a ``sha256`` frame on the stack) are reported beside, as a share of the same wall
time per thread.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import attrs

__all__ = ["Profile", "fold"]

_LINE = re.compile(r":\d+\)$")
ROOT_FRAME = "sync_source "


@attrs.frozen(slots=True)
class Profile:
    samples: int
    """Main-thread samples under ``sync_source`` (the run's wall time)."""
    inclusive: tuple[tuple[str, float], ...]
    self_time: tuple[tuple[str, float], ...]
    hashing_threads: float
    """Samples of hash worker threads busy hashing, over ``samples`` (summed over threads)."""


def _frame(raw: str) -> str:
    """``func (path/to/pkg/mod.py:12)`` → ``func (pkg/mod.py)``; sites are shortened."""
    text = _LINE.sub(")", raw.strip())
    name, _, where = text.partition(" (")
    parts = where.rstrip(")").split("/")
    for anchor in ("site-packages", "src", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    short = "/".join(parts[-3:])
    return f"{name} ({short})" if where else name


def fold(raw_file: Path, top: int = 40) -> Profile:
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = hashing = 0
    for line in raw_file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        starts = [i for i, frame in enumerate(frames) if frame.startswith(ROOT_FRAME)]
        if not starts:
            if any("sha256" in frame for frame in frames):
                hashing += count
            continue
        total += count
        mine = [_frame(frame) for frame in frames[starts[0] :]]
        for name in set(mine):
            inclusive[name] += count
        self_time[mine[-1]] += count
    if total == 0:
        return Profile(0, (), (), 0.0)

    def shares(counter: Counter[str]) -> tuple[tuple[str, float], ...]:
        return tuple((name, n / total) for name, n in counter.most_common(top))

    return Profile(total, shares(inclusive), shares(self_time), hashing / total)
