"""Hashing new and changed files: in threads, or for many local files in worker processes.

The engine starts a batch's hashes and writes the batch before it while they run. On a first
index the main thread (listing, planning, writing) and the hashing each want about a core, but
threads share the GIL: every ``read`` and ``update`` of a hashing thread gives it up and must win
it back from the main thread, so on two cores the two halves mostly took turns (a 100k-file
first index: 9 s with threads, 6.3 s with one worker process, same machine and run). Files a
source can name on this machine (``Source.local_path``) are therefore hashed in worker
processes once a batch brings enough of them to be worth a process's start; everything else
(small batches, remote sources) stays on threads.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from mediasync._errors import SourceError, SourceUnreachable
from mediasync._facts.model import HashedContent
from mediasync._filehash import hash_file
from mediasync._models import MediaEntry
from mediasync._source import Source

__all__ = ["HashResults", "HashWorkers", "default_processes"]

HASH_GROUP = 32
"""At most this many files per task handed to a thread or process."""
TASKS_PER_CALL = 64
"""About this many tasks per batch keep every worker busy to the end of the batch."""
PROCESS_MIN_FILES = 256
PROCESS_MIN_BYTES = 64 * 1024 * 1024
"""A batch with fewer local files, or fewer bytes, to hash stays on threads: starting the
worker processes costs about 0.3 s, what a thread takes to hash some 100 MB..."""
PROCESS_AFTER_FILES = 2048
"""...unless the run has already hashed this many files on threads. Small files cost threads
their count, not their bytes: each open, read and close hands the GIL over, and with the main
thread writing, every hand-over is a futex wait (35 per file measured on a first index of
tiny photos; CPU 22 s on threads against 12 s in processes for 100k files of ~1 KB). At about
0.1 ms of CPU saved per file, a run past a couple of thousand files pays the start back."""

HashResults = Callable[[], list[HashedContent | BaseException]]
"""Waits for the hashes; one per entry, in order: the SHA-256 with the media facts read in
the same pass, or why it failed."""


def _hash_paths(paths: Sequence[str]) -> list[HashedContent | OSError]:
    """Runs in a worker process: only paths go in, hashes and facts (or errors) come out."""
    results: list[HashedContent | OSError] = []
    for path in paths:
        try:
            results.append(hash_file(path))
        except OSError as exc:
            results.append(exc)
    return results


def _hash_entries(
    source: Source, entries: Sequence[MediaEntry]
) -> list[HashedContent | BaseException]:
    """Runs in a thread. A file's own failure is returned as its result; ``SourceUnreachable``
    (the whole source gone) and the remote service's refusals (``AuthError``, ``RateLimited``
    once its retries are spent) are not a file's: they fail the sync."""
    results: list[HashedContent | BaseException] = []
    for entry in entries:
        try:
            results.append(source.hash_content(entry))
        except (OSError, SourceError) as exc:
            if isinstance(exc, SourceUnreachable):
                raise
            results.append(exc)
    return results


class HashWorkers:
    """The threads, and the worker processes started at first need, of one sync run."""

    def __init__(self, threads: int, processes: int) -> None:
        self.threads = ThreadPoolExecutor(threads, "mediasync-hash")
        self.process_count = processes
        self._processes: ProcessPoolExecutor | None = None
        self._files_on_threads = 0

    def _process_pool(self) -> ProcessPoolExecutor:
        if self._processes is None:
            # forkserver: children forked from a clean server, not from this process with its
            # threads and open database connections; it preloads only this module.
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload([__name__])
            self._processes = ProcessPoolExecutor(self.process_count, mp_context=context)
        return self._processes

    def _local_paths(self, source: Source, entries: Sequence[MediaEntry]) -> list[str] | None:
        if self.process_count < 1 or len(entries) < PROCESS_MIN_FILES:
            return None
        if (
            self._processes is None
            and self._files_on_threads < PROCESS_AFTER_FILES
            and sum(e.size or 0 for e in entries) < PROCESS_MIN_BYTES
        ):
            return None
        paths: list[str] = []
        for entry in entries:
            path = source.local_path(entry)
            if path is None:
                return None
            paths.append(path)
        return paths

    def start(self, source: Source, entries: Sequence[MediaEntry]) -> HashResults:
        """Submits the hashing of ``entries``; the returned callable waits for the results."""
        size = max(1, min(HASH_GROUP, -(-len(entries) // TASKS_PER_CALL)))
        paths = self._local_paths(source, entries)
        futures: list[Future[Any]]
        if paths is not None:
            pool: Executor = self._process_pool()
            futures = [
                pool.submit(_hash_paths, paths[start : start + size])
                for start in range(0, len(paths), size)
            ]
        else:
            self._files_on_threads += len(entries)
            futures = [
                self.threads.submit(_hash_entries, source, entries[start : start + size])
                for start in range(0, len(entries), size)
            ]

        def results() -> list[HashedContent | BaseException]:
            collected: list[HashedContent | BaseException] = []
            for future in futures:
                collected.extend(future.result())
            return collected

        return results

    def close(self) -> None:
        self.threads.shutdown(wait=True, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> HashWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def default_processes(hash_workers: int) -> int:
    """Worker processes for a machine: no more than its CPUs, nor than ``sync.hash_workers``."""
    return max(1, min(hash_workers, os.cpu_count() or 1))
