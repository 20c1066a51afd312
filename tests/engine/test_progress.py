"""What a running sync reports as it goes: files listed, files and bytes hashed, rate, time left."""

from __future__ import annotations

from pathlib import Path

from indexing import Library, jpeg

from mediasync import SyncProgress
from mediasync._cli.sync_cmd import progress_line
from mediasync._sync.index import SyncOptions
from mediasync._sync.runner import sync_source


def test_progress_counts_listed_and_hashed_files_and_bytes(library: Library) -> None:
    for i in range(30):
        jpeg(library.root / f"d{i % 3}" / f"{i:02}.jpg", size=1000)
    seen: list[SyncProgress] = []
    sync_source(
        library.app, library.name, options=SyncOptions(batch_size=7), on_progress=seen.append
    )
    last = seen[-1]
    assert last.listed == 30
    assert (last.to_hash, last.hashed) == (30, 30)
    assert (last.bytes_to_hash, last.bytes_hashed) == (30_000, 30_000)
    assert [p.hashed for p in seen] == sorted(p.hashed for p in seen)
    assert all(p.hashed <= p.to_hash for p in seen)
    again: list[SyncProgress] = []
    sync_source(library.app, library.name, on_progress=again.append)
    assert (again[-1].listed, again[-1].to_hash) == (30, 0)


def test_progress_line_reads_like_the_summary_line(tmp_path: Path) -> None:
    midway = SyncProgress(
        listed=12_345, to_hash=300, hashed=120, bytes_to_hash=3_400_000, bytes_hashed=1_200_000,
        seconds=2.0,
    )  # fmt: skip
    assert progress_line("photos", midway) == (
        "photos: 12,345 listed; hashed 120 of 300 files, 1.2 MB of 3.4 MB, 600.0 KB/s, 0:03 left"
    )
    listing = SyncProgress(
        listed=5, to_hash=0, hashed=0, bytes_to_hash=0, bytes_hashed=0, seconds=0.1
    )
    assert progress_line("photos", listing) == "photos: 5 listed"
