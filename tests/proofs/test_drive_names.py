"""Paths in a Drive index that a full listing would not give. Two ways a change-feed sync
left them, found by ``tests/engine/test_model_drive.py`` (a name freed by the older of two
siblings, and two names that are one once made safe), and parallel uploads of one name: all
three fixed, each test failing without its fix.

The rule (``mediasync_gdrive._names``): among siblings whose names are one once made safe, the
oldest keeps the name and each later one is ``name (FILEID).ext``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from media_factory import write_jpeg
from proofs.drive_truth import drive_settings, drive_truth, indexed

from mediasync import RunStatus, Workspace


def jpeg(tag: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + str(tag).encode()


def tree(drive: FakeDrive, key: dict[str, Any], workspace: Workspace) -> str:
    root = drive.folder("Photos")
    drive.share(root, key["client_email"], "writer")
    workspace.add_source("photos", "gdrive", root=root, settings=drive_settings(drive, key))
    return root


def synced(workspace: Workspace, source: str = "photos") -> None:
    assert workspace.sync(source).run.status is RunStatus.OK


@pytest.mark.parametrize("leaves", ["renamed", "moved", "trashed"])
def test_a_name_freed_by_the_older_sibling_goes_to_the_younger_at_the_next_sync(
    drive: FakeDrive, drive_key: dict[str, Any], workspace: Workspace, leaves: str
) -> None:
    root = tree(drive, drive_key, workspace)
    older = drive.store.add("beach.jpg", root, "image/jpeg", data=jpeg(1)).id
    drive.store.add("beach.jpg", root, "image/jpeg", data=jpeg(2))
    synced(workspace)
    if leaves == "renamed":
        drive.rename(older, "shore.jpg")
    elif leaves == "moved":
        drive.move(older, drive.folder("Elsewhere", under=root))
    else:
        drive.trash(older)
    synced(workspace)
    assert indexed(workspace, "photos") == drive_truth(drive, root)


def test_names_that_are_one_once_made_safe_never_share_a_path(
    drive: FakeDrive, drive_key: dict[str, Any], workspace: Workspace
) -> None:
    root = tree(drive, drive_key, workspace)
    drive.store.add("a_b.jpg", root, "image/jpeg", data=jpeg(1))
    synced(workspace)
    drive.store.add("a/b.jpg", root, "image/jpeg", data=jpeg(2))
    synced(workspace)
    assert indexed(workspace, "photos") == drive_truth(drive, root)


def test_a_full_sync_gives_every_name_as_the_rule_says(
    drive: FakeDrive, drive_key: dict[str, Any], workspace: Workspace
) -> None:
    """The control: the same histories end right after a full reconcile."""
    root = tree(drive, drive_key, workspace)
    older = drive.store.add("beach.jpg", root, "image/jpeg", data=jpeg(1)).id
    drive.store.add("beach.jpg", root, "image/jpeg", data=jpeg(2))
    drive.store.add("a_b.jpg", root, "image/jpeg", data=jpeg(3))
    synced(workspace)
    drive.rename(older, "shore.jpg")
    drive.store.add("a/b.jpg", root, "image/jpeg", data=jpeg(4))
    assert workspace.sync("photos", full=True).run.status is RunStatus.OK
    assert indexed(workspace, "photos") == drive_truth(drive, root)


def test_files_of_one_name_copied_into_drive_at_once_get_names_of_their_own(
    drive: FakeDrive, drive_key: dict[str, Any], workspace: Workspace, tmp_path: Path
) -> None:
    """``copy`` uploads in parallel: each upload must see the names the others are taking
    (found by ``tests/engine/test_model_copy.py``: two ``a.jpg`` in one Drive folder)."""
    root = tree(drive, drive_key, workspace)
    for n in range(8):
        write_jpeg(tmp_path / "camera" / f"day {n}" / "a.jpg", 2000 + n, seed=n)
    workspace.add_source("camera", "local", root=str(tmp_path / "camera"), settings={})
    synced(workspace, "camera")
    report = workspace.copy("camera", "photos", folder_template="{name}")
    assert (report.copied, report.failed) == (8, 0), report
    names = sorted(f.name for f in drive.children(root))
    assert names == sorted(["a.jpg", *(f"a ({n}).jpg" for n in range(1, 8))])
    assert indexed(workspace, "photos") == drive_truth(drive, root)
