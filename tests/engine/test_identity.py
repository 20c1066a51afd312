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


def test_copy_then_delete_is_a_move_of_the_same_item(library: Library) -> None:
    """A source without stable ids pairs a vanished item with a new file of its bytes."""
    write(library, "a/photo.jpg", b"the photo", "A")
    write(library, "keep.jpg", b"keep", "K")
    library.sync()
    item_id = library.items()["a/photo.jpg"].id
    write(library, "b/photo.jpg", b"the photo", "B")  # cp, then rm: another inode
    (library.root / "a" / "photo.jpg").unlink()
    assert counts(library.sync()) == {"moved": 1}
    assert library.items()["b/photo.jpg"].id == item_id
    assert library.history(item_id)[-1] == ("moved", "a/photo.jpg", "b/photo.jpg")
    assert counts(library.sync()) == {}


def test_ids_that_are_paths_still_track_renames_by_content(library: Library) -> None:
    """A source whose identifier is the path (an archive, a bucket) sees a rename as a new id."""
    write(library, "old name.jpg", b"bytes one", "old name.jpg")
    write(library, "other.jpg", b"bytes two", "other.jpg")
    library.sync()
    item_id = library.items()["old name.jpg"].id
    (library.root / "old name.jpg").rename(library.root / "new name.jpg")
    relabelled.label(library.root, library.root / "new name.jpg", "new name.jpg")
    assert counts(library.sync()) == {"renamed": 1}
    assert library.items()["new name.jpg"].id == item_id


def test_equal_twins_pair_by_name_then_path(library: Library) -> None:
    write(library, "x/dup.jpg", b"same", "X")
    write(library, "y/copy.jpg", b"same", "Y")
    write(library, "keep.jpg", b"keep", "K")
    library.sync()
    ids = {path: row.id for path, row in library.items().items()}
    (library.root / "x" / "dup.jpg").unlink()
    (library.root / "y" / "copy.jpg").unlink()
    write(library, "z/copy.jpg", b"same", "Z1")
    write(library, "z/other.jpg", b"same", "Z2")
    assert counts(library.sync()) == {"moved": 2}
    items = library.items()
    assert items["z/copy.jpg"].id == ids["y/copy.jpg"]  # the same name wins
    assert items["z/other.jpg"].id == ids["x/dup.jpg"]


def test_a_copy_beside_its_original_is_a_new_item(library: Library) -> None:
    write(library, "a.jpg", b"bytes", "A")
    write(library, "keep.jpg", b"keep", "K")
    library.sync()
    original = library.items()["a.jpg"].id
    write(library, "copy of a.jpg", b"bytes", "C")
    assert counts(library.sync()) == {"added": 1}
    assert library.items()["a.jpg"].id == original
