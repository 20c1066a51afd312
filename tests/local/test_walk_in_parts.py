"""The walk in parts (``_parts``): helper processes list subtrees to the one-process walk's result.

Helpers are forked, which the test process (it has threads) must not do, so each case runs a
driver in a fresh interpreter: it walks the tree in one process, then in parts with the share
sizes made small enough that even these trees are split, and prints both results. Trees are
random (seeded): nested folders, names of every kind the walk treats apart (case of the
extension, none at all, hidden, junk, not media), hard links within a folder and across
subtrees, links to files and folders, files that cannot be read, excluded globs.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from media_factory import jpeg_bytes, write_jpeg

from mediasync import Workspace

DRIVER = r"""
import json, os, sys
from mediasync import _source
import mediasync_local._parts as parts
import mediasync_local._walk as walk
from mediasync_local._globs import PathFilter

root, processes, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parts.SHARES_PER_PROCESS, parts.TOP_FOLDERS = 2, 3
if mode == "backup":  # so few held files allowed that this tree of links passes the limit
    parts.HELD_FILES = 4
path_filter = PathFilter.from_globs(exclude=["*/skip*"] if mode == "exclude" else [])
if mode == "unreadable":  # the first bytes of extension-less files cannot be read
    def sniff_file(path):
        raise PermissionError(13, "Permission denied")
    walk.sniff_file = sniff_file
if mode == "unlistable":  # a folder deep in the tree cannot be listed (as root, chmod would not do)
    _scandir = os.scandir
    def scandir(path):
        if path.endswith("d5/sub"):
            raise PermissionError(13, "Permission denied")
        return _scandir(path)
    os.scandir = scandir
if mode == "killed":  # a helper dies (SIGKILL) at one folder; the walk in one process is spared
    import signal
    _scandir, walker = os.scandir, os.getpid()
    def scandir(path):
        if path.endswith("d7/sub") and os.getpid() != walker:
            os.kill(os.getpid(), signal.SIGKILL)
        return _scandir(path)
    os.scandir = scandir
if mode.startswith("nofork"):  # the system refuses processes: at once, or after the first
    _fork, allowed = os.fork, int(mode[-1])
    def fork():
        global allowed
        if allowed <= 0:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        allowed -= 1
        return _fork()
    os.fork = fork
pids = os.environ["PIDS"]
def note_scandir(event, args):
    if event == "os.scandir":
        fd = os.open(pids, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)

def walked(count):
    _source._listing_processes = count
    skipped, folders = [], {}
    try:
        for folder in walk.walk_folders(root, path_filter=path_filter, follow_symlinks=False,
                                        skipped=skipped):
            assert folder.path not in folders, f"{folder.path} twice"
            entries = [(e.path, e.source_id, e.size, e.mime_type) for e in folder.entries()]
            folders[folder.path] = [folder.fingerprint, folder.count, entries]
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"folders": folders, "skipped": sorted(str(s) for s in skipped)}

one = walked(1)
sys.addaudithook(note_scandir)
in_parts = walked(processes)
print(json.dumps({"one": one, "parts": in_parts, "processes": processes, "pid": os.getpid()}))
"""


def _drive(root: Path, tmp_path: Path, processes: int = 2, mode: str = "plain") -> dict[str, Any]:
    pids = tmp_path / f"pids-{processes}-{mode}"
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), str(processes), mode],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PIDS": str(pids)},
    )
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    listed = pids.read_text().split() if pids.exists() else []
    out["scandir_pids"] = set(listed)
    out["scandirs"] = {pid: listed.count(pid) for pid in set(listed)}
    return out


def _random_tree(root: Path, seed: int) -> Path:
    rng = random.Random(seed)
    folders = [root]
    root.mkdir(parents=True)
    for _ in range(rng.randint(12, 30)):
        parent = rng.choice(folders)
        if len(parent.relative_to(root).parts) >= 4:
            continue
        name = rng.choice(["2024", "01", "trip", "skip", "Été", "a b", ".cache", "x"])
        child = parent / f"{name}{rng.randint(0, 99)}"
        child.mkdir(exist_ok=True)
        folders.append(child)
    files: list[Path] = []
    for folder in folders:
        for n in range(rng.randint(0, 6)):
            kind = rng.choice(["jpg", "JPG", "Jpg", "jPg", "mov", "none", "hidden", "junk", "txt"])
            name = {
                "none": f"scan{n}",
                "hidden": f".IMG_{n}.jpg",
                "junk": "Thumbs.db",
                "txt": f"notes{n}.txt",
            }.get(kind, f"IMG_{n}.{kind}")
            path = folder / name
            path.write_bytes(jpeg_bytes(200 + n, seed=f"{seed}:{folder.name}:{n}"))
            files.append(path)
    for _ in range(rng.randint(0, 8)):  # hard links: in the same folder or anywhere else
        target = rng.choice(files)
        where = rng.choice(folders)
        link = where / f"link{rng.randint(0, 999)}.jpg"
        if not link.exists():
            os.link(target, link)
    for n in range(rng.randint(0, 3)):  # symbolic links are not followed
        where = rng.choice(folders)
        (where / f"sym{n}.jpg").symlink_to(rng.choice(files))
        (where / f"symdir{n}").symlink_to(rng.choice(folders), target_is_directory=True)
    return root


@pytest.mark.parametrize("seed", range(8))
def test_the_parts_list_what_one_process_lists(tmp_path: Path, seed: int) -> None:
    root = _random_tree(tmp_path / "tree", seed)
    for processes in (2, 3):
        out = _drive(root, tmp_path, processes)
        assert "error" not in out["one"], out["one"]
        assert out["parts"] == out["one"]


def test_helpers_do_the_walking(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for year in range(2015, 2025):
        for month in range(1, 4):
            write_jpeg(root / str(year) / f"{month:02}" / "IMG_1.jpg", 200, seed=f"{year}{month}")
    out = _drive(root, tmp_path, 3)
    assert out["parts"] == out["one"]
    assert len(out["one"]["folders"]) == 30
    # The walk itself listed the top (3 folders at most, here), helpers all the rest; a quick
    # helper may leave nothing to the others.
    by_pid = out["scandirs"]
    assert sum(by_pid.values()) == 1 + 10 + 30
    assert by_pid.pop(str(out["pid"])) <= 3
    assert by_pid, "no helper listed anything"


def test_a_file_linked_across_subtrees_stays_where_one_process_lists_it(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for n in range(8):
        write_jpeg(root / f"f{n}" / "inner" / "own.jpg", 200, seed=n)
    shared = write_jpeg(root / "f0" / "inner" / "shared.jpg", 300, seed="shared")
    for n in range(1, 8):
        os.link(shared, root / f"f{n}" / "inner" / "shared.jpg")
        os.link(shared, root / f"f{n}" / f"again{n}.jpg")
    out = _drive(root, tmp_path, 2)
    assert out["parts"] == out["one"]
    paths = [e[0] for f in out["one"]["folders"].values() for e in f[2]]
    assert sum(p.endswith(("shared.jpg",)) or "again" in p for p in paths) == 1


def test_unreadable_files_and_excluded_folders_alike(tmp_path: Path) -> None:
    root = _random_tree(tmp_path / "tree", 99)
    (root / "skip7").mkdir()
    write_jpeg(root / "skip7" / "IMG_1.jpg", 200)
    (root / "plain").mkdir()
    (root / "plain" / "scan").write_bytes(jpeg_bytes(200))
    for mode in ("unreadable", "exclude"):
        out = _drive(root, tmp_path, 2, mode)
        assert out["parts"] == out["one"]
    assert any("Permission denied" in s for s in out["one"]["skipped"]) or mode == "exclude"


def test_a_folder_that_cannot_be_listed_fails_the_parts_as_it_fails_one_walk(
    tmp_path: Path,
) -> None:
    root = tmp_path / "tree"
    for n in range(12):
        write_jpeg(root / f"d{n}" / "sub" / "IMG.jpg", 200, seed=n)
    out = _drive(root, tmp_path, 2, "unlistable")
    assert out["one"]["error"].startswith("SourceUnreachable: cannot list folder 'd5/sub'")
    assert out["parts"] == out["one"]
    assert len(out["scandir_pids"]) >= 2  # it was a helper that failed


def test_a_helper_that_dies_fails_the_walk_in_one_line(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for n in range(12):
        write_jpeg(root / f"d{n}" / "sub" / "IMG.jpg", 200, seed=n)
    out = _drive(root, tmp_path, 2, "killed")
    assert "error" not in out["one"]
    assert out["parts"] == {
        "error": "SourceUnreachable: a helper process of the listing ended before it was "
        "complete (EOFError); nothing was changed: sync again"
    }


@pytest.mark.parametrize("allowed", [0, 1])
def test_when_no_helper_can_be_started_the_walk_does_their_part(
    tmp_path: Path, allowed: int
) -> None:
    root = _random_tree(tmp_path / "tree", 5)
    for n in range(12):
        write_jpeg(root / f"d{n}" / "sub" / "IMG.jpg", 200, seed=n)
    out = _drive(root, tmp_path, 3, f"nofork{allowed}")
    assert out["parts"] == out["one"]
    assert len(out["scandir_pids"]) == 1 + allowed


def test_a_tree_of_links_past_the_limit_is_walked_again_in_one_process(tmp_path: Path) -> None:
    """A backup made of hard links holds back too many folders: the walk starts over in one
    process, which streams them, and passes on nothing twice."""
    root = tmp_path / "tree"
    for n in range(10):
        write_jpeg(root / f"d{n}" / "own.jpg", 200, seed=n)
    for snapshot in ("daily.0", "daily.1"):
        for n in range(10):
            folder = root / snapshot / f"d{n}"
            folder.mkdir(parents=True)
            os.link(root / f"d{n}" / "own.jpg", folder / "own.jpg")
    out = _drive(root, tmp_path, 2, "backup")
    assert out["parts"] == out["one"]
    assert len(out["one"]["folders"]) == 10  # each file listed once, where the walk met it
    assert len(out["scandir_pids"]) >= 2


def test_cli_sync_in_parts_agrees_with_the_walk_in_one_process(tmp_path: Path) -> None:
    """A sync from the command line (helpers), then one through the library (one process):
    the second finds nothing changed, so both listed the same files at the same paths."""
    root = _random_tree(tmp_path / "tree", 7)
    for n in range(40):  # enough subtrees to share out at the default sizes
        write_jpeg(root / f"day{n}" / "IMG_1.jpg", 200, seed=n)
    shared = write_jpeg(root / "zz" / "shared.jpg", 300, seed="shared")
    os.link(shared, root / "linked.jpg")
    os.link(shared, root / "day39" / "linked.jpg")
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("tree", "local", root=str(root), settings={})
    command = Path(sys.executable).with_name("mediasync")
    done = subprocess.run(
        [str(command), "--db", url, "sync", "--json", "tree"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["counts"]["added"] > 40
    with Workspace.open(database_url=url) as workspace:
        report = workspace.sync("tree")
    changed = {k: v for k, v in report.run.counts.as_dict().items() if v and k != "unchanged"}
    assert changed == {}
