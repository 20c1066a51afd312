"""Drive with one request in ten failing (429, 500, 503, a rate-limit 403, a dropped
connection, a slow answer; the token endpoint too), seeded: a first sync, a re-sync through
the change feed, a copy out of Drive and a copy into it end exactly as without faults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from fakes.drive import FakeDrive
from fakes.drive._faults import Fault
from media_factory import write_jpeg
from proofs.copies import visible_files
from proofs.drive_truth import drive_settings, drive_truth
from proofs.faults import SEEDS, RandomFaults, random_faults
from proofs.history import ItemState, item_states

from mediasync import RunStatus, Workspace

KINDS = [
    Fault("429", retry_after=0),
    Fault("500"),
    Fault("503"),
    Fault("403-rate"),
    Fault("drop"),
    Fault("slow", delay=0.05),
]
TOKEN_KINDS = [k for k in KINDS if k.kind != "403-rate"]
"""Google's token endpoint fails as any server does, never with a Drive API quota body."""


def kinds_for(endpoint: str) -> list[Fault]:
    return TOKEN_KINDS if endpoint == "token" else KINDS


@attrs.frozen
class Outcome:
    """What a run leaves: the Drive source's items, and both copies (files and index)."""

    photos: list[ItemState]
    backup: dict[str, str]
    drive_backup: dict[str, str]
    indexed_backups: tuple[dict[str, str | None], dict[str, str | None]]


def drive_story(drive: FakeDrive, key: dict[str, Any], folder: Path) -> Outcome:
    """Index a Drive tree, change it, sync again, copy it out, copy a folder in."""
    root = drive.folder(f"Photos {folder.name}")
    target = drive.folder(f"Backup {folder.name}")
    for shared in (root, target):
        drive.share(shared, key["client_email"], "writer")
    tree = drive.build_tree(root, files=40, folders=6, seed=3)
    for n in range(5):
        write_jpeg(folder / "camera" / f"IMG_{n}.jpg", 2000 + n, seed=n)
    (folder / "backup").mkdir()
    settings = drive_settings(drive, key)
    with Workspace.open(database_url=f"sqlite:///{folder / 'index.db'}") as workspace:
        workspace.add_source("photos", "gdrive", root=root, settings=settings)
        workspace.add_source("drive-backup", "gdrive", root=target, settings=settings)
        workspace.add_source("camera", "local", root=str(folder / "camera"), settings={})
        workspace.add_source("backup", "local", root=str(folder / "backup"), settings={})
        synced(workspace, "photos", "camera")
        drive.rename(tree.files[0], "renamed.jpg")
        drive.move(tree.files[1], tree.folders[2])
        drive.trash(tree.files[3])
        drive.write(tree.files[4], b"\xff\xd8 edited")
        drive.rename(tree.folders[0], "Renamed album")
        drive.move(tree.folders[1], drive.my_drive)
        drive.add_file("new/one.jpg", b"\xff\xd8 one", under=root)
        synced(workspace, "photos")
        for source, destination in [("photos", "backup"), ("camera", "drive-backup")]:
            report = workspace.copy(source, destination)
            assert (report.error, report.failed) == (None, 0), report
        return Outcome(
            item_states(workspace, "photos"),
            visible_files(folder / "backup"),
            {path: listed.sha256 for path, listed in drive_truth(drive, target).items()},
            (paths(workspace, "backup"), paths(workspace, "drive-backup")),
        )


def synced(workspace: Workspace, *names: str) -> None:
    for name in names:
        report = workspace.sync(name)
        assert report.run.status is RunStatus.OK, report.run.error


def paths(workspace: Workspace, source: str) -> dict[str, str | None]:
    return {item.path: item.sha256 for item in workspace.items(source=source)}


def run(
    tmp_path: Path, name: str, story: Callable[[Path], Outcome], injector: RandomFaults
) -> Outcome:
    folder = tmp_path / name
    folder.mkdir()
    with random_faults(injector):
        return story(folder)


def test_drive_with_one_request_in_ten_failing_ends_as_without_faults(
    tmp_path: Path, drive: FakeDrive, drive_key: dict[str, Any]
) -> None:
    def story(folder: Path) -> Outcome:
        return drive_story(drive, drive_key, folder)

    clean = RandomFaults(drive.faults, KINDS, seed=0, rate=0)
    expected = run(tmp_path, "clean", story, clean)
    for seed in SEEDS:
        faulted = RandomFaults(drive.faults, KINDS, seed=seed, kinds_for=kinds_for)
        assert run(tmp_path, f"seed-{seed}", story, faulted) == expected, f"seed {seed}"
        extra = faulted.requests - clean.requests
        print(
            f"drive, seed {seed}: {faulted.requests} requests ({extra:+d} on {clean.requests} "
            f"without faults), faults {dict(faulted.injected)}"
        )
