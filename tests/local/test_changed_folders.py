"""A re-sync of a folder that changed builds entries for the files that changed alone.

The local source's folders give the engine ``FolderFiles``: the engine matches their keys
against the index and asks for the entries of the others. Each case counts the entries the
listing built, and checks the sync still reports and records exactly what changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from media_factory import write_jpeg

import mediasync_local._walk as walk
from mediasync import MediaEntry, Workspace

FILES = 20


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the entries the local listing builds from now on, in this process."""
    paths: list[str] = []
    make = walk._entry

    def counted(prefix: str, facts: walk.FileFacts) -> MediaEntry:
        entry = make(prefix, facts)
        paths.append(entry.path)
        return entry

    monkeypatch.setattr(walk, "_entry", counted)
    return paths


@pytest.fixture
def indexed(tmp_path: Path) -> Iterator[tuple[Workspace, Path]]:
    """Two folders of ``FILES`` photos each, indexed."""
    root = tmp_path / "pics"
    for folder in ("a", "b"):
        for n in range(FILES):
            write_jpeg(root / folder / f"IMG_{n}.jpg", 200, seed=hash((folder, n)) % 1000)
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        workspace.add_source("pics", "local", root=str(root), settings={})
        workspace.sync("pics")
        yield workspace, root


def test_only_the_changed_files_of_a_changed_folder_are_built(
    indexed: tuple[Workspace, Path], built: list[str]
) -> None:
    workspace, root = indexed
    (root / "a" / "IMG_1.jpg").rename(root / "a" / "renamed.jpg")
    write_jpeg(root / "a" / "new.jpg", 300, seed=999)
    (root / "a" / "IMG_2.jpg").unlink()
    edited = root / "a" / "IMG_3.jpg"
    write_jpeg(edited, 400, seed=998)
    os.utime(edited, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))

    report = workspace.sync("pics")

    assert sorted(built) == ["a/IMG_3.jpg", "a/new.jpg", "a/renamed.jpg"]
    counts = report.run.counts
    assert (counts.added, counts.renamed, counts.removed, counts.modified) == (1, 1, 1, 1)
    assert counts.unchanged == 2 * FILES - 3
    paths = {item.path for item in workspace.items(source="pics")}
    assert paths == {f"b/IMG_{n}.jpg" for n in range(FILES)} | {
        f"a/IMG_{n}.jpg" for n in range(FILES) if n not in (1, 2)
    } | {"a/renamed.jpg", "a/new.jpg"}


def test_a_verify_run_builds_every_entry(indexed: tuple[Workspace, Path], built: list[str]) -> None:
    workspace, _root = indexed
    report = workspace.sync("pics", verify=True)
    assert len(built) == 2 * FILES
    assert report.run.counts.unchanged == 2 * FILES
