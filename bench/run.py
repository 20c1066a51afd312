"""The benchmarks' single entry point (what ``nox -s bench -- SUITE ...`` runs).

    python bench/run.py sync [--files 10000,100000] [...]   # local source + sync engine
    python bench/run.py startup [--runs 30] [...]           # mediasync --help start-up time
    python bench/run.py workers [--workers 1,2,4] [...]     # mediasync run workers on PostgreSQL
    python bench/run.py gdrive [--previous HEAD] [...]      # Drive source against the fake
    python bench/run.py copy [--files 10000] [...]          # mediasync copy against cp, rclone
    python bench/run.py instagram [--posts 5000] [...]      # Instagram backfill on the fake
    python bench/run.py instagram-publish [--reel-mb 300]   # publishing: Drive story, big reel
    python bench/run.py facts [--photos 5000] [...]         # media facts cost, exiftool, 1M finds

Each suite has its own ``--help``. ``python bench/run.py`` alone lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

__all__ = ["SUITES", "main"]


def _sync(argv: list[str]) -> None:
    from bench import sync_suite

    sync_suite.main(argv)


def _workers(argv: list[str]) -> None:
    from bench import worker_scale

    worker_scale.main(argv)


def _gdrive(argv: list[str]) -> None:
    from bench import gdrive_bench

    gdrive_bench.main(argv)


def _copy(argv: list[str]) -> None:
    from bench import copy_bench

    copy_bench.main(argv)


def _instagram(argv: list[str]) -> None:
    from bench import instagram_bench

    instagram_bench.main(argv)


def _instagram_publish(argv: list[str]) -> None:
    from bench import instagram_publish_bench

    instagram_publish_bench.main(argv)


def _facts(argv: list[str]) -> None:
    from bench import media_facts_bench

    media_facts_bench.main(argv)


def _startup(argv: list[str]) -> None:
    from bench import startup

    startup.main(argv)


SUITES: dict[str, tuple[Callable[[list[str]], None], str]] = {
    "sync": (_sync, "cold index, no-op and 1% churn re-syncs against a walk floor and rclone"),
    "workers": (_workers, "many `mediasync run` workers on one PostgreSQL, one SIGKILLed"),
    "gdrive": (
        _gdrive,
        "Google Drive source on the loopback fake: calls and time, cold, re-syncs, folder moves",
    ),
    "copy": (_copy, "mediasync copy local -> local against cp -r and rclone copy"),
    "instagram": (_instagram, "Instagram backfill on the loopback Graph fake: calls, time, memory"),
    "instagram-publish": (
        _instagram_publish,
        "Instagram publishing on the fakes: a story from Drive, a 300 MB reel's memory",
    ),
    "facts": (_facts, "media facts in a cold index vs without and vs exiftool; 1M-item finds"),
    "startup": (_startup, "how long `mediasync --help` takes against a bare interpreter"),
}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"} or args[0] not in SUITES:
        if args and args[0] not in {"-h", "--help"}:
            print(f"unknown suite '{args[0]}'\n", file=sys.stderr)
        print("usage: python bench/run.py SUITE [ARGS...]\n\nsuites:")
        for name, (_run, summary) in SUITES.items():
            print(f"  {name:<8} {summary}")
        sys.exit(0 if not args or args[0] in {"-h", "--help"} else 2)
    run, _summary = SUITES[args[0]]
    run(args[1:])


if __name__ == "__main__":
    main()
