"""How long ``mediasync --help`` takes to start, against a bare interpreter in the same run.

    python bench/startup.py [--runs 30] [--python PATH]

Runs ``python -c pass`` (the floor), ``python -m mediasync --help`` and, when it sits next to the
interpreter, the ``mediasync`` console script, interleaved so that a machine getting busier
slows all three alike. Prints the median and quartiles of the wall time of each, and each one's
median over the floor's. Every installed plugin is loaded, as a user would have it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]


def wall_time(command: list[str]) -> float:
    """Seconds from start to exit of one run; a failing run stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr.decode()}")
    return elapsed


def commands(python: str) -> dict[str, list[str]]:
    found = {
        "python -c pass": [python, "-c", "pass"],
        "python -m mediasync --help": [python, "-m", "mediasync", "--help"],
    }
    script = Path(python).with_name("mediasync.exe" if os.name == "nt" else "mediasync")
    if script.exists():
        found["mediasync --help (console script)"] = [str(script), "--help"]
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    args = parser.parse_args(argv)

    todo = commands(args.python)
    for _ in range(args.warmup):
        for command in todo.values():
            wall_time(command)
    times: dict[str, list[float]] = {label: [] for label in todo}
    for _ in range(args.runs):
        for label, command in todo.items():
            times[label].append(wall_time(command))

    floor = statistics.median(times["python -c pass"])
    print(f"{args.runs} runs each, {args.python}")
    print(f"{'command':<36} {'median':>9} {'q1':>9} {'q3':>9} {'x floor':>8}")
    for label, samples in times.items():
        median = statistics.median(samples)
        q1, _, q3 = statistics.quantiles(samples, n=4) if len(samples) > 1 else [median] * 3
        print(
            f"{label:<36} {median * 1000:>7.1f}ms {q1 * 1000:>7.1f}ms {q3 * 1000:>7.1f}ms "
            f"{median / floor:>7.2f}x"
        )
    script_label = "python -m mediasync --help"
    print(
        f"mediasync --help costs {(statistics.median(times[script_label]) - floor) * 1000:.1f}ms "
        "over a bare interpreter"
    )


if __name__ == "__main__":
    main()
