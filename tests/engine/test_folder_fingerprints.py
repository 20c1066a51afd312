"""Folder fingerprints: unchanged folders are skipped, and skipping never hides a change.

Each test sets up the situation in which a stale or wrongly recorded fingerprint would make a
sync miss something, then checks that the index still converges to the folder's truth.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from indexing import Library, jpeg, refuse_hashing
from sqlalchemy import event, select

from mediasync import RunStatus
from mediasync._db.schema import source_folders
from mediasync._sync.folders import FolderScan


def fill(library: Library, folders: int, files: int) -> None:
    for f in range(folders):
        for i in range(files):
            jpeg(library.root / f"d{f}" / f"{i:03d}.jpg", size=600)


def fingerprints(library: Library) -> dict[str, str | None]:
    with library.app.engine.connect() as connection:
        rows = connection.execute(select(source_folders.c.folder, source_folders.c.fingerprint))
        return dict(rows.all())


def item_reads(library: Library) -> list[str]:
    """Statements that read rows of media_items, recorded from now on (a PostgreSQL run counts
    a small source's items for its statistics upkeep: that count is left out)."""
    reads: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        select = statement.lstrip().upper().startswith("SELECT")
        if select and "media_items" in statement and "count(*)" not in statement:
            reads.append(statement)

    event.listen(library.app.engine, "before_cursor_execute", before)
    return reads


def test_unchanged_tree_is_not_read_from_the_index(library: Library) -> None:
    fill(library, 3, 20)
    assert library.sync().run.counts.added == 60
    assert set(fingerprints(library)) == {"d0", "d1", "d2"}
    assert None not in fingerprints(library).values()
    reads = item_reads(library)
    report = library.sync()
    assert report.run.counts.unchanged == 60
    assert report.run.counts.changes == 0
    assert reads == []


def test_only_the_changed_folder_is_read(library: Library) -> None:
    fill(library, 3, 20)
    library.sync()
    (library.root / "d1" / "005.jpg").rename(library.root / "d1" / "five.jpg")
    reads = item_reads(library)
    report = library.sync()
    assert (report.run.counts.renamed, report.run.counts.unchanged) == (1, 59)
    assert reads, "the changed folder's rows were read"
    assert all("'d0'" not in statement for statement in reads)


def test_rename_undone_after_an_interrupted_run_is_seen(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that wrote a rename but died before recording fingerprints must not leave the old
    fingerprint standing: the folder, renamed back, would match it and the index keep the
    new name."""
    fill(library, 2, 5)
    library.sync()
    (library.root / "d0" / "000.jpg").rename(library.root / "d0" / "renamed.jpg")

    def crash(self: FolderScan, connection: Any) -> None:
        raise RuntimeError("killed before fingerprints were recorded")

    with monkeypatch.context() as patch:
        patch.setattr(FolderScan, "record", crash)
        with pytest.raises(RuntimeError):
            library.sync()
    assert "d0/renamed.jpg" in library.items()
    assert fingerprints(library)["d0"] is None
    (library.root / "d0" / "renamed.jpg").rename(library.root / "d0" / "000.jpg")
    report = library.sync()
    assert report.run.counts.renamed == 1
    assert "d0/000.jpg" in library.items()
    assert "d0/renamed.jpg" not in library.items()


def test_held_removals_are_held_again_then_applied(library: Library) -> None:
    fill(library, 2, 60)
    library.sync()
    for i in range(40):
        (library.root / "d0" / f"{i:03d}.jpg").unlink()
    first = library.sync()
    assert first.run.status is RunStatus.HELD
    again = library.sync()
    assert again.run.status is RunStatus.HELD, "a held folder must not be trusted as indexed"
    assert again.run.counts.held_removals == 40
    applied = library.sync(allow_mass_removal=True)
    assert applied.run.counts.removed == 40
    assert len(library.items()) == 80
    assert library.sync().run.counts.changes == 0


def test_file_whose_hash_failed_is_indexed_on_the_next_run(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(library, 2, 3)
    library.sync()
    before = fingerprints(library)["d1"]
    jpeg(library.root / "d1" / "new.jpg")
    with monkeypatch.context() as patch:
        refuse_hashing(library, patch, "d1/new.jpg")
        failed = library.sync()
    assert (failed.run.counts.errors, failed.run.counts.added) == (1, 0)
    assert fingerprints(library)["d1"] == before, "nothing written: the old one still holds"
    assert library.sync().run.counts.added == 1
    assert "d1/new.jpg" in library.items()


def test_unreadable_file_keeps_its_folder_unrecorded(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(library, 1, 3)
    library.sync()
    before = fingerprints(library)["d0"]
    (library.root / "d0" / "002.jpg").unlink()
    source_type = library.app.plugins.source_type("local")
    with monkeypatch.context() as patch:
        patch.setattr(
            source_type, "skipped_paths", lambda self: [("d0/002.jpg", "Permission denied")]
        )
        report = library.sync()
    assert (report.run.counts.removed, report.run.counts.errors) == (0, 1)
    assert fingerprints(library)["d0"] == before, "nothing written: the old one still holds"
    assert library.sync().run.counts.removed == 1


def test_vanished_folder_is_removed_and_forgotten(library: Library) -> None:
    fill(library, 3, 4)
    (library.root / "d2" / "deeper").mkdir()
    jpeg(library.root / "d2" / "deeper" / "x.jpg")
    library.sync()
    for path in sorted((library.root / "d2").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (library.root / "d2").rmdir()
    report = library.sync()
    assert report.run.counts.removed == 5
    assert set(fingerprints(library)) == {"d0", "d1"}
    assert library.sync().run.counts.changes == 0


def test_folder_emptied_of_media_is_removed(library: Library) -> None:
    fill(library, 2, 2)
    library.sync()
    for i in range(2):
        (library.root / "d1" / f"{i:03d}.jpg").unlink()
    (library.root / "d1" / "notes.txt").write_text("not media")
    assert library.sync().run.counts.removed == 2
    assert set(fingerprints(library)) == {"d0"}


def test_verify_reads_every_folder_and_finds_a_hidden_edit(library: Library) -> None:
    path = jpeg(library.root / "d0" / "p.jpg", size=3000, seed=1)
    library.sync()
    stat = path.stat()
    jpeg(path, size=3000, seed=2)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert library.sync().run.counts.modified == 0
    assert library.sync(verify=True).run.counts.modified == 1
    assert library.sync().run.counts.changes == 0


def test_dry_run_records_no_fingerprint(library: Library) -> None:
    fill(library, 1, 3)
    library.sync(dry_run=True)
    assert fingerprints(library) == {}
    assert library.sync().run.counts.added == 3


def test_move_between_folders_in_two_batches(library: Library) -> None:
    """The item leaves a folder read in an earlier batch: both folders' state stays true."""
    fill(library, 2, 3)
    library.sync()
    (library.root / "d0" / "001.jpg").rename(library.root / "d1" / "moved.jpg")
    report = library.sync(batch_size=2)
    assert (report.run.counts.moved, report.run.counts.removed) == (1, 0)
    assert library.sync().run.counts.changes == 0
    (library.root / "d1" / "moved.jpg").rename(library.root / "d0" / "001.jpg")
    assert library.sync().run.counts.moved == 1
    assert sorted(library.items()) == [f"d{f}/{i:03d}.jpg" for f in range(2) for i in range(3)]


def test_rename_over_a_file_during_a_held_run_leaves_one_item_per_path(library: Library) -> None:
    """The displaced item shares the path until its removal is released, then goes; the
    fingerprint recorded afterwards vouches only for a folder the index has right."""
    for i in range(1, 61):
        (library.root / f"f{i:02}.jpg").write_bytes(b"\xff\xd8\xff\xe0 %d" % i)
    (library.root / "old.jpg").write_bytes(b"\xff\xd8\xff\xe0old")
    library.sync()
    (library.root / "new.jpg").write_bytes(b"\xff\xd8\xff\xe0new")
    library.sync()
    new_id = library.items()["new.jpg"].id
    for i in range(1, 16):
        (library.root / f"f{i:02}.jpg").unlink()
    os.replace(library.root / "new.jpg", library.root / "old.jpg")

    held = library.sync()
    assert held.run.status is RunStatus.HELD
    assert held.run.counts.held_removals == 16
    released = library.sync(allow_mass_removal=True)
    assert released.run.counts.removed == 16
    with library.app.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id FROM media_items WHERE path = 'old.jpg' AND active"
        ).all()
    assert [row.id for row in rows] == [new_id]
    assert library.sync().run.counts.changes == 0
    assert library.sync(verify=True).run.counts.changes == 0
