"""Hashing in worker processes gives what hashing in threads gives, errors included."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from indexing import Library, jpeg

from mediasync import MediaEntry
from mediasync._sync import hashing
from mediasync._sync.hashing import HashWorkers
from mediasync_local import LocalSettings, LocalSource


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_local_files_are_hashed_in_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "PROCESS_MIN_FILES", 3)
    monkeypatch.setattr(hashing, "PROCESS_MIN_BYTES", 0)
    files = [jpeg(tmp_path / f"d{i % 2}" / f"{i}.jpg", size=500 + i) for i in range(5)]
    source = LocalSource("test", str(tmp_path), LocalSettings())
    entries = sorted(source.list_entries(), key=lambda e: e.path)
    gone = MediaEntry(source_id="0:0", path="d0/vanished.jpg", size=1, mtime=entries[0].mtime)
    with HashWorkers(threads=2, processes=2) as workers:
        results = workers.start(source, [*entries, gone])()
        assert workers._processes is not None, "five local files: hashed in processes"
    by_path = {e.path: r for e, r in zip([*entries, gone], results, strict=True)}
    for path in files:
        assert by_path[path.relative_to(tmp_path).as_posix()].sha256 == sha(path)  # type: ignore[union-attr]
    assert isinstance(by_path["d0/vanished.jpg"], FileNotFoundError)


def test_few_files_stay_on_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashing, "PROCESS_MIN_BYTES", 0)
    jpeg(tmp_path / "a.jpg")
    source = LocalSource("test", str(tmp_path), LocalSettings())
    with HashWorkers(threads=1, processes=2) as workers:
        results = workers.start(source, list(source.list_entries()))()
        assert [r.sha256 for r in results] == [sha(tmp_path / "a.jpg")]  # type: ignore[union-attr]
        assert workers._processes is None


def test_sync_hashed_in_processes_stores_the_true_hashes(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "PROCESS_MIN_FILES", 2)
    monkeypatch.setattr(hashing, "PROCESS_MIN_BYTES", 0)
    files = [jpeg(library.root / "trip" / f"{i}.jpg") for i in range(6)]
    report = library.sync()
    assert report.run.counts.added == 6
    items = library.items()
    for path in files:
        assert items[path.relative_to(library.root).as_posix()].sha256 == sha(path)


def test_a_run_of_many_small_files_moves_to_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes alone would keep tiny files on threads for ever; their count moves them."""
    monkeypatch.setattr(hashing, "PROCESS_MIN_FILES", 2)
    monkeypatch.setattr(hashing, "PROCESS_AFTER_FILES", 4)
    for i in range(7):
        jpeg(tmp_path / f"{i}.jpg", size=300 + i)
    source = LocalSource("test", str(tmp_path), LocalSettings())
    entries = sorted(source.list_entries(), key=lambda e: e.path)
    with HashWorkers(threads=1, processes=2) as workers:
        first = workers.start(source, entries[:4])()
        on_processes = [workers._processes is not None]
        second = workers.start(source, entries[4:])()
        on_processes.append(workers._processes is not None)
    assert on_processes == [False, True], "threads first; past PROCESS_AFTER_FILES, processes"
    hashes = [r.sha256 for r in [*first, *second]]  # type: ignore[union-attr]
    assert hashes == [sha(tmp_path / e.path) for e in entries]
