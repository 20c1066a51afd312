"""Every kind of change a sync detects, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import unicodedata

from indexing import Library, counts, jpeg

from mediasync import RunStatus


def test_cold_index_then_noop(library: Library) -> None:
    for i in range(5):
        jpeg(library.root / "trip" / f"img{i}.jpg")
    jpeg(library.root / "top.jpg")
    first = library.sync()
    assert first.run.status is RunStatus.OK
    assert counts(first) == {"added": 6}
    items = library.items()
    assert sorted(items) == ["top.jpg", *(f"trip/img{i}.jpg" for i in range(5))]
    row = items["top.jpg"]
    assert row.sha256 == hashlib.sha256((library.root / "top.jpg").read_bytes()).hexdigest()
    assert (row.kind, row.mime_type, row.name) == ("image", "image/jpeg", "top.jpg")
    second = library.sync()
    assert counts(second) == {}
    assert second.run.counts.unchanged == 6


def test_rename_move_modify_remove_restore_keep_item_ids(library: Library) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        jpeg(library.root / "x" / name)
    library.sync()
    before = {path: row.id for path, row in library.items().items()}

    (library.root / "x" / "a.jpg").rename(library.root / "x" / "a2.jpg")
    (library.root / "y").mkdir()
    (library.root / "x" / "b.jpg").rename(library.root / "y" / "b.jpg")
    jpeg(library.root / "x" / "c.jpg", size=4000)
    removed_bytes = (library.root / "x" / "d.jpg").read_bytes()
    (library.root / "x" / "d.jpg").unlink()
    jpeg(library.root / "new.jpg")
    report = library.sync()
    assert counts(report) == {"added": 1, "renamed": 1, "moved": 1, "modified": 1, "removed": 1}

    items = library.items()
    assert items["x/a2.jpg"].id == before["x/a.jpg"]
    assert items["y/b.jpg"].id == before["x/b.jpg"]
    assert items["x/c.jpg"].id == before["x/c.jpg"]
    removed = library.items(active=False)["x/d.jpg"]
    assert removed.id == before["x/d.jpg"]
    assert removed.removed_at is not None
    assert library.history(before["x/a.jpg"]) == [
        ("added", None, "x/a.jpg"),
        ("renamed", "x/a.jpg", "x/a2.jpg"),
    ]
    assert library.history(before["x/b.jpg"])[-1] == ("moved", "x/b.jpg", "y/b.jpg")

    (library.root / "x" / "d.jpg").write_bytes(removed_bytes)
    report = library.sync()
    assert counts(report) == {"restored": 1}
    restored = library.items()["x/d.jpg"]
    assert restored.id == before["x/d.jpg"]
    assert restored.removed_at is None
    assert [kind for kind, _, _ in library.history(restored.id)] == ["added", "removed", "restored"]


def test_rename_history_records_old_and_new_paths(library: Library) -> None:
    jpeg(library.root / "old name.jpg")
    library.sync()
    (library.root / "old name.jpg").rename(library.root / "new name.jpg")
    library.sync()
    item = library.items()["new name.jpg"]
    assert library.history(item.id) == [
        ("added", None, "old name.jpg"),
        ("renamed", "old name.jpg", "new name.jpg"),
    ]


def test_folder_rename_with_1000_files_is_1000_moves(library: Library) -> None:
    for i in range(1000):
        jpeg(library.root / "album" / f"{i:04}.jpg", size=64, seed=i)
    library.sync()
    (library.root / "album").rename(library.root / "album 2025")
    report = library.sync()
    assert counts(report) == {"moved": 1000}
    assert all(path.startswith("album 2025/") for path in library.items())


def test_duplicate_bytes_are_two_items_and_keep_their_identity(library: Library) -> None:
    jpeg(library.root / "one.jpg", seed=7)
    jpeg(library.root / "two.jpg", seed=7)
    library.sync()
    items = library.items()
    assert items["one.jpg"].sha256 == items["two.jpg"].sha256
    ids = {items["one.jpg"].id, items["two.jpg"].id}
    (library.root / "two.jpg").rename(library.root / "three.jpg")
    report = library.sync()
    assert counts(report) == {"renamed": 1}
    after = library.items()
    assert after["one.jpg"].id == items["one.jpg"].id
    assert after["three.jpg"].id == items["two.jpg"].id
    assert {after["one.jpg"].id, after["three.jpg"].id} == ids


def test_edit_in_place_with_preserved_mtime(library: Library) -> None:
    path = jpeg(library.root / "p.jpg", size=3000, seed=1)
    library.sync()
    stat = path.stat()
    jpeg(path, size=3000, seed=2)  # same size, different bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert counts(library.sync()) == {}, "same size and time: not opened without --verify"
    assert counts(library.sync(verify=True)) == {"modified": 1}
    jpeg(path, size=3100, seed=3)  # a different size is seen even with the time preserved
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert counts(library.sync()) == {"modified": 1}


def test_replaced_by_atomic_save_is_modified_not_removed_and_added(library: Library) -> None:
    path = jpeg(library.root / "edit.jpg", seed=1)
    library.sync()
    item_id = library.items()["edit.jpg"].id
    tmp = jpeg(library.root / ".edit.jpg.tmp", seed=2)
    os.replace(tmp, path)
    assert counts(library.sync()) == {"modified": 1}
    assert library.items()["edit.jpg"].id == item_id


def test_names_unicode_spaces_and_invalid_utf8(library: Library) -> None:
    nfc = unicodedata.normalize("NFC", "café.jpg")
    nfd = unicodedata.normalize("NFD", "café.jpg")
    jpeg(library.root / nfc, seed=1)
    jpeg(library.root / nfd, seed=2)
    jpeg(library.root / "with  two spaces .jpg")
    raw = os.fsencode(library.root) + b"/bad-\xff\xfe.jpg"
    with open(raw, "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0" + b"0" * 100)
    report = library.sync()
    assert counts(report) == {"added": 4}
    assert counts(library.sync()) == {}


def test_empty_file_is_indexed(library: Library) -> None:
    (library.root / "empty.jpg").write_bytes(b"")
    jpeg(library.root / "full.jpg")
    library.sync()
    assert library.items()["empty.jpg"].size == 0


def test_file_replaced_by_folder_of_same_name(library: Library) -> None:
    jpeg(library.root / "thing.jpg")
    jpeg(library.root / "keep.jpg")
    library.sync()
    (library.root / "thing.jpg").unlink()
    jpeg(library.root / "thing.jpg" / "inner.jpg")
    report = library.sync()
    assert counts(report) == {"added": 1, "removed": 1}
    assert "thing.jpg/inner.jpg" in library.items()


def test_dry_run_writes_nothing(library: Library) -> None:
    jpeg(library.root / "a.jpg")
    report = library.sync(dry_run=True)
    assert counts(report) == {"added": 1}
    assert library.items(active=None) == {}
    assert counts(library.sync()) == {"added": 1}
