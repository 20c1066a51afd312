"""``copy`` knows what it copied by the source's identifier of the file (``Provenance``), but the
index may give one identifier to two items in turn: then the second item is never copied, and
a backup silently lacks a file. Found by ``tests/engine/test_model_copy.py``; product bugs, not
fixed yet: each test is a strict ``xfail`` that fails the day the bug is fixed.

On a local folder the identifier is ``device:inode``: a new file on the inode of a deleted one
(ext4 and tmpfs hand it out at once), or a file edited and moved before the next sync (the
engine cannot confirm it is the same file, so it indexes a new item on the same inode).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import relabelled
from media_factory import write_jpeg
from proofs.copies import visible_files

from mediasync import RunStatus, Workspace
from mediasync._plugins import load_plugins


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    plugins = load_plugins(builtins=[("relabelled", relabelled)])
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url, plugins=plugins) as opened:
        (tmp_path / "photos").mkdir()
        (tmp_path / "backup").mkdir()
        opened.add_source("photos", "relabelled", root=str(tmp_path / "photos"), settings={})
        opened.add_source("backup", "local", root=str(tmp_path / "backup"), settings={})
        yield opened


def synced_and_copied(workspace: Workspace) -> None:
    assert workspace.sync("photos").run.status is RunStatus.OK
    report = workspace.copy("photos", "backup")
    assert (report.error, report.failed) == (None, 0), report


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.xfail(strict=True, reason="copy skips a new item whose identifier was copied")
def test_a_new_file_on_the_inode_of_a_deleted_one_is_copied(
    workspace: Workspace, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    old = relabelled.identifier(write_jpeg(photos / "a.jpg", 3000, seed=1))
    synced_and_copied(workspace)
    (photos / "a.jpg").unlink()
    relabelled.label(photos, write_jpeg(photos / "b.jpg", 4000, seed=2), old)
    synced_and_copied(workspace)
    new = next(workspace.items(source="photos"))
    assert (new.path, new.source_id) == ("b.jpg", old), "the engine saw an inode reuse"
    assert sha256(photos / "b.jpg") in visible_files(tmp_path / "backup").values()


@pytest.mark.xfail(strict=True, reason="copy skips a new item whose identifier was copied")
def test_a_file_edited_and_moved_before_the_next_sync_is_copied(
    workspace: Workspace, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    write_jpeg(photos / "a.jpg", 3000, seed=1)
    synced_and_copied(workspace)
    (photos / "trip").mkdir()
    (photos / "a.jpg").rename(photos / "trip" / "a.jpg")
    write_jpeg(photos / "trip" / "a.jpg", 4000, seed=2)  # in place: the same inode
    synced_and_copied(workspace)
    items = list(workspace.items(source="photos", active=None))
    assert len(items) == 2, "the engine indexed a new item on the old inode"
    assert sha256(photos / "trip" / "a.jpg") in visible_files(tmp_path / "backup").values()
