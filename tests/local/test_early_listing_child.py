"""The early listing in a forked child (``in_child_process``, what the console entry point asks).

A child cannot be forked from the test process (it has threads), so each case runs a small
driver in a fresh interpreter: it starts the listing in a child, optionally breaks the child,
and syncs through the workspace, printing what came out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from media_factory import write_jpeg

from mediasync import Workspace

DRIVER = """
import json, os, signal, sys, time
url, mode = sys.argv[1], sys.argv[2]
if mode == "unreadable":  # the first bytes of one file cannot be read (as root, chmod would not do)
    import mediasync_local._walk as walk
    def sniff_file(path):
        raise PermissionError(13, "Permission denied")
    walk.sniff_file = sniff_file
if mode == "unpicklable":  # a source whose folders' ``build`` does not pickle
    import mediasync_local._walk as walk
    FolderFacts = walk.FolderFacts
    walk.FolderFacts = lambda prefix, files: FolderFacts(prefix, files)
if mode == "kill":  # the child stops at its second folder and is killed there
    _scandir, calls = os.scandir, []
    def scandir(path):
        calls.append(path)
        if len(calls) == 2:
            time.sleep(60)
        return _scandir(path)
    os.scandir = scandir
from mediasync import Workspace
from mediasync._sync import early
assert Workspace.start_listing_early("photos", database_url=url, in_child_process=True)
child = early._pending.child
assert child is not None and child != os.getpid(), "no child process"
if mode == "kill":
    time.sleep(0.3)
    os.kill(child, signal.SIGKILL)
with Workspace.open(database_url=url) as workspace:
    try:
        report = workspace.sync("photos")
    except Exception as exc:
        print(json.dumps({"error": str(exc), "type": type(exc).__name__}))
        sys.exit(0)
    counts = {k: v for k, v in report.run.counts.as_dict().items() if v and k != "unchanged"}
    print(json.dumps({"counts": counts, "taken": early._pending is None,
                      "errors": list(report.errors), "failed": report.run.error}))
"""


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    for day in ("2024/01/01", "2024/01/02", "2024/01/03"):
        for n in range(3):
            write_jpeg(folder / day / f"IMG_{n}.jpg", 1024, seed=f"{day}:{n}")
    return folder


@pytest.fixture
def url(tmp_path: Path, photos: Path) -> str:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("photos", "local", root=str(photos), settings={})
    return url


def _drive(url: str, mode: str = "plain") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, url, mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _items(url: str) -> dict[str, str | None]:
    with Workspace.open(database_url=url) as workspace:
        return {item.path: item.sha256 for item in workspace.items(source="photos")}


def test_a_listing_made_in_a_child_indexes_every_change(url: str, photos: Path) -> None:
    assert _drive(url) == {"counts": {"added": 9}, "taken": True, "errors": [], "failed": None}
    os.rename(photos / "2024/01/01/IMG_0.jpg", photos / "2024/01/01/renamed.jpg")
    os.rename(photos / "2024/01/01/IMG_1.jpg", photos / "2024/01/02/moved.jpg")
    (photos / "2024/01/03/IMG_2.jpg").unlink()
    write_jpeg(photos / "2024/01/03/new.jpg", 2048, seed="new")
    assert _drive(url)["counts"] == {"renamed": 1, "moved": 1, "removed": 1, "added": 1}
    assert _drive(url)["counts"] == {}


def test_what_the_child_skipped_is_reported_and_kept(url: str, photos: Path) -> None:
    """The skipped files are state the listing leaves on the source: the child's copy of it is
    taken over, so an unreadable file is an error of the run and its item is not removed."""
    write_jpeg(photos / "2024/01/01/no_extension", 1024, seed="noext")
    assert _drive(url)["counts"] == {"added": 10}
    report = _drive(url, "unreadable")
    assert [error.split(":")[0] for error in report["errors"]] == ["2024/01/01/no_extension"]
    assert report["counts"].get("removed") is None
    assert "2024/01/01/no_extension" in _items(url)


def test_a_child_killed_mid_listing_fails_the_sync_in_one_line_and_changes_nothing(
    url: str, photos: Path
) -> None:
    assert _drive(url)["counts"] == {"added": 9}
    before = _items(url)
    (photos / "2024/01/02/IMG_0.jpg").unlink()
    outcome = _drive(url, "kill")
    assert "ended before it was complete" in outcome["failed"]
    assert "\n" not in outcome["failed"]
    assert _items(url) == before
    assert _drive(url)["counts"] == {"removed": 1}


def test_folders_whose_build_does_not_pickle_are_sent_built(url: str, photos: Path) -> None:
    assert _drive(url, "unpicklable")["counts"] == {"added": 9}
    os.rename(photos / "2024/01/02/IMG_0.jpg", photos / "2024/01/02/renamed.jpg")
    assert _drive(url, "unpicklable")["counts"] == {"renamed": 1}
