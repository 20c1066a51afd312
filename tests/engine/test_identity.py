"""Identity when inodes are reused and paths are shared: the cases a model-based test found.

The relabelled source (``tests/relabelled.py``) makes a new file carry the identifier a deleted
file had, which is what a filesystem that recycles inodes does when it feels like it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import relabelled
from indexing import Library, counts, open_library

from mediasync import RunStatus


@pytest.fixture(params=[1, 2000], ids=["batch1", "batch2000"])
def batch_size(request: pytest.FixtureRequest) -> int:
    """Runs spanning one batch, and a batch per file (decisions made across batches)."""
    size: int = request.param
    return size


@pytest.fixture
def library(tmp_path: Path, database_url: str) -> Iterator[Library]:
    with open_library(
        tmp_path, database_url, source_type="relabelled", builtins=[("relabelled", relabelled)]
    ) as opened:
        yield opened


def write(library: Library, name: str, body: bytes, as_identifier: str) -> Path:
    path = library.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0" + body)
    relabelled.label(library.root, path, as_identifier)
    return path


def test_returning_file_on_a_recycled_inode_restores_its_item(
    library: Library, batch_size: int
) -> None:
    write(library, "a.jpg", b"one", "A")
    write(library, "b.jpg", b"two", "B")
    library.sync(batch_size=batch_size)
    ids = {path: row.id for path, row in library.items().items()}
    (library.root / "b.jpg").unlink()
    assert counts(library.sync(batch_size=batch_size)) == {"removed": 1}

    (library.root / "a.jpg").unlink()
    write(library, "b.jpg", b"two", "A")  # b's bytes back at b's path, on a's inode
    report = library.sync(batch_size=batch_size)

    assert counts(report) == {"restored": 1, "removed": 1}
    assert library.items()["b.jpg"].id == ids["b.jpg"]
    assert library.items(active=False)["a.jpg"].id == ids["a.jpg"]
    assert [kind for kind, _, _ in library.history(ids["b.jpg"])] == [
        "added",
        "removed",
        "restored",
    ]
    assert counts(library.sync(batch_size=batch_size)) == {}


@pytest.mark.parametrize("new_name", ["0new.jpg", "znew.jpg"], ids=["listed-first", "listed-last"])
def test_atomic_save_while_a_new_file_takes_the_old_inode_is_one_modification(
    library: Library, batch_size: int, new_name: str
) -> None:
    photo = write(library, "photo.jpg", b"v1", "P")
    write(library, "keep.jpg", b"keep", "K")
    library.sync(batch_size=batch_size)
    photo_id = library.items()["photo.jpg"].id

    temporary = write(library, ".photo.jpg.tmp", b"version two", "N")
    os.replace(temporary, photo)
    write(library, new_name, b"new", "P")  # the editor's old inode, recycled
    report = library.sync(batch_size=batch_size)

    assert counts(report) == {"modified": 1, "added": 1}
    items = library.items()
    assert items["photo.jpg"].id == photo_id
    assert items["photo.jpg"].external_id == "N"
    assert items[new_name].external_id == "P"
    assert library.items(active=False) == {}
    assert [kind for kind, _, _ in library.history(photo_id)] == ["added", "modified"]
    assert counts(library.sync(batch_size=batch_size)) == {}


def test_moved_and_edited_file_is_not_taken_for_its_old_item(library: Library) -> None:
    """Same identifier at another path with other bytes: the rules by path decide."""
    write(library, "a.jpg", b"a", "A")
    library.sync()
    old_id = library.items()["a.jpg"].id
    (library.root / "a.jpg").unlink()
    write(library, "elsewhere.jpg", b"other bytes", "A")
    report = library.sync()
    assert counts(report) == {"added": 1, "removed": 1}
    assert library.items()["elsewhere.jpg"].id != old_id
    assert counts(library.sync()) == {}


def test_different_bytes_at_a_removed_items_path_are_a_new_item(library: Library) -> None:
    write(library, "x.jpg", b"first photo", "X1")
    write(library, "keep.jpg", b"keep", "K")
    library.sync()
    first = library.items()["x.jpg"].id
    (library.root / "x.jpg").unlink()
    library.sync()
    write(library, "x.jpg", b"a different photo", "X2")
    assert counts(library.sync()) == {"added": 1}
    assert library.items()["x.jpg"].id != first
    assert library.items(active=False)["x.jpg"].id == first
    assert [kind for kind, _, _ in library.history(first)] == ["added", "removed"]


def test_reused_identifier_while_removals_are_held_is_given_up(library: Library) -> None:
    """The item the identifier named stays active (held), so the new file needs it freed."""
    for i in range(60):
        write(library, f"f/{i:02}.jpg", f"file {i}".encode(), f"F{i}")
    library.sync()
    old_id = library.items()["f/00.jpg"].id
    for i in range(20):
        (library.root / "f" / f"{i:02}.jpg").unlink()
    write(library, "new.jpg", b"brand new", "F0")
    held = library.sync()
    assert held.run.status is RunStatus.HELD
    assert held.run.counts.added == 1
    items = library.items()
    assert items["new.jpg"].external_id == "F0"
    assert items["f/00.jpg"].id == old_id  # kept while held, its identifier given up
    assert items["f/00.jpg"].external_id == f"F0#{old_id}"
    released = library.sync(allow_mass_removal=True)
    assert counts(released) == {"removed": 20}
    assert counts(library.sync()) == {}
