"""``copy`` between local folders: the copies a later sync finds unchanged, the manifest that
outlives the index, a full or read-only destination, and runs that stop half-way."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from media_factory import write_jpeg
from support import CliRun

from mediasync import CopiedItem, CopyReport, RunStatus, Workspace
from mediasync._sync.copies import CopyIndex
from mediasync_local import _upload

APRIL = datetime(2023, 4, 5, 12, 0, tzinfo=UTC).timestamp()


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the copy manifest, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".mediasync-copies.jsonl"
    }


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    for n, name in enumerate(("trip/a.jpg", "trip/b.jpg", "c.jpg", "old/d.jpg", "old/e.jpg")):
        os.utime(write_jpeg(folder / name, 3000 + n, seed=n), (APRIL, APRIL))
    return folder


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    folder = tmp_path / "backup"
    folder.mkdir()
    return folder


@pytest.fixture
def workspace(database_url: str, photos: Path, backup: Path) -> Iterator[Workspace]:
    with Workspace.open(database_url=database_url) as opened:
        opened.add_source("photos", "local", root=str(photos), settings={})
        opened.add_source("backup", "local", root=str(backup), settings={})
        assert opened.sync("photos").run.status is RunStatus.OK
        yield opened


def ids_by_path(workspace: Workspace, source: str) -> dict[str, int]:
    return {item.path: item.id for item in workspace.items(source=source)}


def test_copies_are_indexed_as_a_sync_would_index_them(
    workspace: Workspace, photos: Path, backup: Path
) -> None:
    heard: list[CopiedItem] = []
    report = workspace.copy("photos", "backup", on_item=heard.append)

    assert (report.copied, report.skipped, report.failed, report.error) == (5, 0, 0, None)
    assert files_under(backup) == {
        f"2023/04/{Path(path).name}": data for path, data in files_under(photos).items()
    }
    copied = ids_by_path(workspace, "backup")
    assert {item.new_item_id for item in heard} == set(copied.values())
    sync = workspace.sync("backup")
    assert sync.run.counts.changes == 0
    assert sync.run.counts.unchanged == 5
    assert ids_by_path(workspace, "backup") == copied, "the same items, kept by the sync"
    again = workspace.sync("backup")  # folders fingerprinted now: a no-op reads no item
    assert again.run.counts.unchanged == 5
    for item in workspace.items(source="backup"):
        assert item.provenance is not None
        assert (item.provenance.source_type, item.provenance.source) == ("local", "photos")


def test_a_rerun_opens_no_file_and_copies_nothing(
    workspace: Workspace, photos: Path, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.copy("photos", "backup")
    opened: list[str] = []
    real_open = os.open

    def spy(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(os.fsdecode(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    report = workspace.copy("photos", "backup")
    assert (report.copied, report.skipped) == (0, 5)
    assert [p for p in opened if p.startswith((str(photos), str(backup)))] == []


def test_a_lost_index_finds_the_copies_by_the_manifest(
    tmp_path: Path, workspace: Workspace, photos: Path, backup: Path
) -> None:
    workspace.copy("photos", "backup")
    before = files_under(backup)
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'new.db'}") as fresh:
        fresh.add_source("photos", "local", root=str(photos), settings={})
        fresh.add_source("backup", "local", root=str(backup), settings={})
        fresh.sync("photos")
        report = fresh.copy("photos", "backup")
        assert (report.copied, report.skipped, report.found) == (0, 5, 5)
        assert files_under(backup) == before
        assert fresh.sync("backup").run.counts.changes == 0


def test_without_index_or_manifest_the_same_bytes_are_not_written_twice(
    tmp_path: Path, workspace: Workspace, photos: Path, backup: Path
) -> None:
    workspace.copy("photos", "backup")
    before = files_under(backup)
    (backup / ".mediasync-copies.jsonl").unlink()
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'new.db'}") as fresh:
        fresh.add_source("photos", "local", root=str(photos), settings={})
        fresh.add_source("backup", "local", root=str(backup), settings={})
        fresh.sync("photos")
        fresh.sync("backup")
        report = fresh.copy("photos", "backup")
        assert report.copied == 5, "nothing told the copy they were there"
        assert files_under(backup) == before, "but the upload found each name with its bytes"
        assert fresh.sync("backup").run.counts.changes == 0
        assert all(item.provenance for item in fresh.items(source="backup"))


def test_a_run_stopped_before_its_index_write_resumes_from_the_markers(
    workspace: Workspace, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = CopyIndex.write

    def interrupted(self: CopyIndex, entries: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(CopyIndex, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        workspace.copy("photos", "backup")
    assert len(files_under(backup)) == 5, "written, but not indexed"
    assert ids_by_path(workspace, "backup") == {}
    monkeypatch.setattr(CopyIndex, "write", real_write)

    report = workspace.copy("photos", "backup")
    assert (report.copied, report.found) == (0, 5)
    assert len(files_under(backup)) == 5
    assert len(ids_by_path(workspace, "backup")) == 5


def test_a_run_stopped_half_way_resumes_where_it_stopped(
    workspace: Workspace, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediasync import _copy_run

    monkeypatch.setattr(_copy_run, "PAGE", 2)
    real_write = CopyIndex.write
    writes = 0

    def second_fails(self: CopyIndex, entries: Any) -> Any:
        nonlocal writes
        writes += 1
        if writes == 2:
            raise KeyboardInterrupt
        return real_write(self, entries)

    monkeypatch.setattr(CopyIndex, "write", second_fails)
    with pytest.raises(KeyboardInterrupt):
        workspace.copy("photos", "backup")
    assert (len(ids_by_path(workspace, "backup")), len(files_under(backup))) == (2, 4)
    monkeypatch.setattr(CopyIndex, "write", real_write)

    report = workspace.copy("photos", "backup")
    assert (report.copied, report.skipped, report.found) == (1, 4, 2)
    assert len(files_under(backup)) == 5
    assert workspace.sync("backup").run.counts.changes == 0


def test_a_read_only_destination_stops_the_copy_in_one_line(
    run: CliRun,
    database_url: str,
    workspace: Workspace,
    backup: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def read_only(*args: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(_upload, "_open_temporary", read_only)
    result = run(["--db", database_url, "copy", "photos", "backup"])
    assert result.exit_code == 1
    assert re.fullmatch(
        r"error: cannot write into 'backup': Read-only file system \(2023/04/\w\.jpg\)\n",
        result.stderr,
    )
    assert files_under(backup) == {}


def test_an_unreadable_item_fails_alone(
    run: CliRun, database_url: str, workspace: Workspace, photos: Path, backup: Path
) -> None:
    (photos / "c.jpg").unlink()  # gone since the last sync
    result = run(["--db", database_url, "copy", "photos", "backup", "--folder", "{path}"])
    assert result.exit_code == 1
    assert "4 copied" in result.stdout
    assert "1 failed" in result.stdout
    assert "  failed: c.jpg: cannot read it: No such file or directory\n" in result.stderr
    assert sorted(files_under(backup)) == ["old/d.jpg", "old/e.jpg", "trip/a.jpg", "trip/b.jpg"]


def test_two_items_with_the_same_bytes_and_name_become_one_file_once(
    workspace: Workspace, photos: Path, backup: Path
) -> None:
    twin = photos / "elsewhere" / "a.jpg"
    twin.parent.mkdir()
    twin.write_bytes((photos / "trip" / "a.jpg").read_bytes())
    workspace.sync("photos")
    first = workspace.copy("photos", "backup", folder_template="{name}")
    assert first.copied == 6
    assert sorted(files_under(backup)) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]
    for _ in range(2):
        again = workspace.copy("photos", "backup", folder_template="{name}")
        assert (again.copied, again.skipped) == (0, 6)
    assert len(files_under(backup)) == 5
    assert len(ids_by_path(workspace, "backup")) == 5


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[None]:
    """A tmpfs of ``size`` at ``path``, for as long as the block runs (root only)."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_full_disk_stops_the_copy_leaves_no_partial_file_and_the_rerun_finishes(
    tmp_path: Path, database_url: str, photos: Path
) -> None:
    for n in range(6):
        write_jpeg(photos / "big" / f"{n}.jpg", 200_000, seed=100 + n)
    disk = tmp_path / "small"
    with small_disk(disk, "600k"), Workspace.open(database_url=database_url) as workspace:
        workspace.add_source("photos", "local", root=str(photos), settings={})
        workspace.add_source("small", "local", root=str(disk), settings={})
        workspace.sync("photos")
        report = workspace.copy("photos", "small", kind="image", folder_template="{path}")
        assert report.error is not None
        assert re.fullmatch(
            r"cannot write into 'small': No space left on device \(.+\.jpg\)", report.error
        )
        written = files_under(disk)
        sources = files_under(photos)
        assert all(sources[path] == data for path, data in written.items()), "no partial file"
        assert not list(disk.rglob(".mediasync-*.tmp"))
        indexed = {item.path for item in workspace.items(source="small")}
        assert indexed == set(written), "what was copied before the disk filled is indexed"

        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        rest = workspace.copy("photos", "small", folder_template="{path}")
        assert (rest.error, rest.copied, rest.skipped) == (None, 11 - len(written), len(written))
        assert files_under(disk) == sources
        assert workspace.sync("small").run.counts.changes == 0


def report_line(report: CopyReport) -> str:
    return f"{report.copied}/{report.skipped}/{report.failed}"


def test_the_manifest_is_hidden_from_the_listing(workspace: Workspace, backup: Path) -> None:
    workspace.copy("photos", "backup")
    manifest = backup / ".mediasync-copies.jsonl"
    assert len(manifest.read_text().splitlines()) == 5
    assert ".mediasync-copies.jsonl" not in {item.path for item in workspace.items()}
    assert report_line(workspace.copy("photos", "backup")) == "0/5/0"
    name = f"torn-{uuid.uuid4().hex}"
    with manifest.open("a") as torn:  # a crash in the middle of a line
        torn.write('{"source_type":"local","source":"' + name)
    assert report_line(workspace.copy("photos", "backup")) == "0/5/0"
