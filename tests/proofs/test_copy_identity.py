"""``copy`` knows what it copied by the source's identifier of the file (``Provenance``), but the
index may give one identifier to two items in turn: the second item must be copied all the
same, once, and the first one's copy stays. Found by ``tests/engine/test_model_copy.py``.

On a local folder the identifier is ``device:inode``: a new file on the inode of a deleted one
(ext4 and tmpfs hand it out at once), or a file edited and moved before the next sync (the
engine cannot confirm it is the same file, so it indexes a new item on the same inode). A copy
is told to be of the item holding its identifier now by its time (made once the item was
indexed) or its bytes (the item's own); the markers carry the time too, for a lost index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import relabelled
from fakes.drive import FakeDrive
from media_factory import write_jpeg
from proofs.copies import visible_files
from proofs.drive_truth import drive_settings, drive_truth

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


@pytest.fixture
def drive_workspace(
    tmp_path: Path,
) -> Iterator[tuple[Workspace, FakeDrive, str, dict[str, Any]]]:
    """Photos in a relabelled folder, copied into a Drive folder (the fake) named ``backup``."""
    plugins = load_plugins(builtins=[("relabelled", relabelled)])
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with FakeDrive() as drive, Workspace.open(database_url=url, plugins=plugins) as opened:
        key = drive.service_account()
        root = drive.folder("backup")
        drive.share(root, key["client_email"], "writer")
        (tmp_path / "photos").mkdir()
        opened.add_source("photos", "relabelled", root=str(tmp_path / "photos"), settings={})
        settings = drive_settings(drive, key)
        opened.add_source("backup", "gdrive", root=root, settings=settings)
        yield opened, drive, root, settings


def synced_and_copied(workspace: Workspace) -> None:
    assert workspace.sync("photos").run.status is RunStatus.OK
    report = workspace.copy("photos", "backup")
    assert (report.error, report.failed) == (None, 0), report


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def test_a_file_replaced_at_its_path_on_the_inode_of_a_deleted_one_is_copied(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The replaced file stays its item (same path), which takes the identifier another item's
    copy names: that copy was made before the item held it, so it is not the item's."""
    photos = tmp_path / "photos"
    old = relabelled.identifier(write_jpeg(photos / "a.jpg", 3000, seed=1))
    write_jpeg(photos / "t.jpg", 3500, seed=3)
    synced_and_copied(workspace)
    before = {item.path: item.id for item in workspace.items(source="photos")}
    (photos / "a.jpg").unlink()
    (photos / "t.jpg").unlink()
    relabelled.label(photos, write_jpeg(photos / "t.jpg", 4000, seed=2), old)
    synced_and_copied(workspace)
    (item,) = workspace.items(source="photos")
    assert (item.id, item.source_id) == (before["t.jpg"], old), "the engine kept the item"
    assert sha256(photos / "t.jpg") in visible_files(tmp_path / "backup").values()
    assert len(visible_files(tmp_path / "backup")) == 3


def test_a_file_edited_in_place_after_its_copy_is_not_copied_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A copy is of the item: an edit after it is not copied again (the edit keeps the item)."""
    photos = tmp_path / "photos"
    write_jpeg(photos / "a.jpg", 3000, seed=1)
    synced_and_copied(workspace)
    first = visible_files(tmp_path / "backup")
    write_jpeg(photos / "a.jpg", 4000, seed=2)
    assert workspace.sync("photos").run.status is RunStatus.OK
    again = workspace.copy("photos", "backup")
    assert (again.copied, again.found, again.skipped) == (0, 0, 1), again
    assert visible_files(tmp_path / "backup") == first


def test_a_new_file_on_a_reused_inode_is_copied_once_when_the_index_was_lost(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The manifest holds the old item's copy under the identifier: its time tells it from a
    copy of the new item, before and after the new item's copy."""
    photos, backup = tmp_path / "photos", tmp_path / "backup"
    old = relabelled.identifier(write_jpeg(photos / "a.jpg", 3000, seed=1))
    first = sha256(photos / "a.jpg")
    synced_and_copied(workspace)
    (photos / "a.jpg").unlink()
    relabelled.label(photos, write_jpeg(photos / "b.jpg", 4000, seed=2), old)
    assert workspace.sync("photos").run.status is RunStatus.OK
    for _ in range(2):  # lost before the new item's copy, then after it
        workspace.remove_source("backup")
        workspace.add_source("backup", "local", root=str(backup), settings={})
        assert workspace.sync("backup").run.status is RunStatus.OK
        synced_and_copied(workspace)
        held = sorted(visible_files(backup).values())
        assert held == sorted([first, sha256(photos / "b.jpg")]), "each item once"
    again = workspace.copy("photos", "backup")
    assert (again.copied, again.found) == (0, 0), again


def test_a_new_file_on_a_reused_inode_is_copied_into_drive_beside_the_old_copy(
    drive_workspace: tuple[Workspace, FakeDrive, str, dict[str, Any]], tmp_path: Path
) -> None:
    """Both copies carry one marker, in one folder: the upload does not take the old item's
    copy for its own, and a lost index finds the new item's copy by its time."""
    workspace, drive, root, settings = drive_workspace
    photos = tmp_path / "photos"
    old = relabelled.identifier(write_jpeg(photos / "a.jpg", 3000, seed=1))
    synced_and_copied(workspace)
    (photos / "a.jpg").unlink()
    relabelled.label(photos, write_jpeg(photos / "b.jpg", 4000, seed=2), old)
    synced_and_copied(workspace)
    held = sorted(listed.sha256 for listed in drive_truth(drive, root).values())
    assert sha256(photos / "b.jpg") in held, held
    assert len(held) == 2, held
    workspace.remove_source("backup")
    workspace.add_source("backup", "gdrive", root=root, settings=settings)
    assert workspace.sync("backup").run.status is RunStatus.OK
    again = workspace.copy("photos", "backup")
    assert (again.error, again.copied, again.found) == (None, 0, 1), again
    assert sorted(listed.sha256 for listed in drive_truth(drive, root).values()) == held
