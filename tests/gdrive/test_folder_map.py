"""The folder map kept between runs: calls in proportion to the changes, not to the tree.

Counts are the fake's recorded Drive API requests (the token endpoint not counted). Each test
ends by comparing the index with a fresh full listing of the same tree: the feed must leave
the paths a listing gives.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import SQLITE_ONLY, Mediasync, source_for


@pytest.fixture
def key(service_key: dict[str, Any]) -> dict[str, Any]:
    return service_key


def sync(mediasync: Mediasync, name: str, *flags: str) -> tuple[dict[str, Any], str]:
    """(the run's record, what it logged)."""
    result = mediasync("sync", name, *flags, "--json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)[0], result.stderr


def changed(run: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in run["counts"].items() if v and k != "unchanged"}


def index(mediasync: Mediasync, name: str) -> dict[str, str]:
    return {item["source_id"]: path for path, item in mediasync.items(name).items()}


def listing(drive: FakeDrive, root: str, key: dict[str, Any]) -> dict[str, str]:
    with source_for(drive, root, key) as source:
        return {entry.source_id: entry.path for entry in source.list_entries()}


def indexed(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any], files: int
) -> tuple[str, list[str]]:
    """A shared "Library" of ``files`` files in 30 nested albums, indexed as ``lib``: its id
    and the albums'."""
    root = drive.folder("Library")
    drive.share(root, key["client_email"], "writer")
    tree = drive.build_tree(root, files=files, folders=30, seed=5)
    assert mediasync.connect("lib", root).exit_code == 0
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"added": files}, run
    drive.reset_counts()
    return root, tree.folders


def test_a_fake_drive_move_reports_the_folder_only(drive: FakeDrive, key: dict[str, Any]) -> None:
    """As Drive does: the files below a moved folder are not in the change feed."""
    root = drive.folder("Photos")
    drive.share(root, key["client_email"])
    album = drive.folder("album", under=root)
    for number in range(3):
        drive.add_file(f"album/{number}.jpg", under=root)
    token = str(drive.store.next_token())
    drive.move(album, drive.my_drive)
    _status, body, _headers = drive.api.changes_list(
        key["client_email"], {"pageToken": token, "includeItemsFromAllDrives": "true"}
    )
    assert [(c["fileId"], c["removed"]) for c in body["changes"]] == [(album, True)]


@SQLITE_ONLY
def test_a_cold_index_of_a_twelve_level_chain_costs_what_a_flat_tree_does(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = drive.folder("Deep")
    drive.share(root, key["client_email"])
    parent, folders, files = root, 0, 0
    for level in range(12):
        folder = drive.folder(f"level {level}", under=parent)
        folders += 1
        for number in range(5):
            drive.add_file(f"{level}-{number}.jpg", under=folder)
            files += 1
        parent = folder
    assert mediasync.connect("deep", root).exit_code == 0
    drive.reset_counts()
    run, _log = sync(mediasync, "deep")
    assert changed(run) == {"added": files}
    target = math.ceil(files / 1000) + math.ceil(folders / 1000) + math.ceil(folders / 50) + 2
    assert drive.api_calls() <= target, dict(drive.calls)
    assert index(mediasync, "deep") == listing(drive, root, key)


@SQLITE_ONLY
def test_a_resync_after_file_changes_reads_the_feed_and_nothing_else(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root, albums = indexed(mediasync, drive, key, files=120)
    photos = sorted(index(mediasync, "lib"))
    for number, file_id in enumerate(photos[:10]):
        drive.rename(file_id, f"renamed {number}.jpg")
    for number, file_id in enumerate(photos[10:20]):
        drive.move(file_id, albums[number])
    for file_id in photos[20:25]:
        drive.trash(file_id)
    for file_id in photos[25:30]:
        drive.delete(file_id)
    for file_id in photos[30:35]:
        drive.write(file_id, b"\xff\xd8edited " + file_id.encode())
    for number in range(5):
        drive.add_file(f"new {number}.jpg", under=albums[number])
    drive.reset_counts()

    run, _log = sync(mediasync, "lib")

    assert changed(run) == {"renamed": 10, "moved": 10, "removed": 10, "modified": 5, "added": 5}
    assert drive.api_calls() <= math.ceil(45 / 1000) + 2, dict(drive.calls)
    assert drive.calls["files.list"] <= 1, "only the same-name check may list"
    assert index(mediasync, "lib") == listing(drive, root, key)


def test_a_renamed_folder_moves_every_item_below_in_three_calls(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = drive.folder("Library")
    drive.share(root, key["client_email"])
    album = drive.folder("2024/summer", under=root)
    for number in range(150):
        drive.add_file(f"IMG_{number:04}.jpg", under=album if number % 3 else root)
    drive.folder("2024/summer/beach", under=root)
    drive.add_file("2024/summer/beach/sand.jpg", under=root)
    assert mediasync.connect("lib", root).exit_code == 0
    sync(mediasync, "lib")
    before = {path: item["id"] for path, item in mediasync.items("lib").items()}
    drive.reset_counts()

    drive.rename(drive.folder("2024", under=root), "Twenty-four")
    run, _log = sync(mediasync, "lib")

    assert changed(run) == {"moved": 101}
    assert drive.api_calls() <= 3, dict(drive.calls)
    after = {item["id"]: path for path, item in mediasync.items("lib").items()}
    item = before["2024/summer/beach/sand.jpg"]
    assert after[item] == "Twenty-four/summer/beach/sand.jpg"
    assert mediasync.items("lib", "removed") == {}
    history = mediasync.json("items", "show", str(item))["events"]
    assert [e["kind"] for e in history] == ["added", "moved"]
    assert index(mediasync, "lib") == listing(drive, root, key)


def test_a_folder_moved_out_is_removed_behind_the_gate_and_comes_back_with_its_history(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = drive.folder("Library")
    drive.share(root, key["client_email"])
    album = drive.folder("album", under=root)
    for number in range(60):
        drive.add_file(f"album/{number % 3}/{number}.jpg", under=root)
    for number in range(40):
        drive.add_file(f"other/{number}.jpg", under=root)
    assert mediasync.connect("lib", root).exit_code == 0
    sync(mediasync, "lib")
    ids = {path: item["id"] for path, item in mediasync.items("lib").items()}
    drive.reset_counts()

    drive.move(album, drive.my_drive)  # not shared with the account: gone from its view
    held, _log = sync(mediasync, "lib")
    assert held["status"] == "held"
    assert held["counts"]["held_removals"] == 60
    assert len(mediasync.items("lib")) == 100
    assert drive.api_calls() <= 3, dict(drive.calls)

    drive.reset_counts()
    allowed, _log = sync(mediasync, "lib", "--allow-mass-removal")
    assert changed(allowed) == {"removed": 60}
    assert drive.api_calls() <= 3, dict(drive.calls)

    drive.reset_counts()
    drive.move(album, root)
    back, _log = sync(mediasync, "lib")
    assert changed(back) == {"restored": 60}
    subtree = 4  # the album and its three sub-folders: one level per call, at most
    assert drive.api_calls() <= 3 + subtree, dict(drive.calls)
    assert {path: item["id"] for path, item in mediasync.items("lib").items()} == ids
    history = mediasync.json("items", "show", str(ids["album/0/0.jpg"]))["events"]
    assert [e["kind"] for e in history] == ["added", "removed", "restored"]
    assert index(mediasync, "lib") == listing(drive, root, key)


@SQLITE_ONLY
def test_a_folder_moved_in_is_listed_alone(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root, _albums = indexed(mediasync, drive, key, files=50)
    outside = drive.folder("Outside")
    drive.share(outside, key["client_email"])
    for number in range(7):
        drive.add_file(f"Trip/day {number % 2}/{number}.jpg", under=outside)
    drive.reset_counts()
    drive.move(drive.folder("Trip", under=outside), root)
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"added": 7}
    assert drive.api_calls() <= 3 + 2, dict(drive.calls)
    assert index(mediasync, "lib") == listing(drive, root, key)


@SQLITE_ONLY
def test_a_swap_of_two_folder_names_and_a_nested_rename_come_out_right(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = drive.folder("Library")
    drive.share(root, key["client_email"])
    for path in ("a/x/1.jpg", "a/2.jpg", "b/3.jpg", "b/y/4.jpg", "c/5.jpg"):
        drive.add_file(path, under=root)
    assert mediasync.connect("lib", root).exit_code == 0
    sync(mediasync, "lib")
    a, b = drive.folder("a", under=root), drive.folder("b", under=root)
    drive.rename(a, "tmp")
    drive.rename(b, "a")
    drive.rename(a, "b")
    drive.rename(drive.folder("x", under=a), "x2")
    drive.move(drive.folder("c", under=root), b)
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"moved": 5}
    assert sorted(mediasync.items("lib")) == [
        "a/3.jpg",
        "a/c/5.jpg",
        "a/y/4.jpg",
        "b/2.jpg",
        "b/x2/1.jpg",
    ]
    assert index(mediasync, "lib") == listing(drive, root, key)


@SQLITE_ONLY
def test_trashed_and_deleted_folders_remove_what_they_held(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = drive.folder("Library")
    drive.share(root, key["client_email"])
    for path in ("keep/1.jpg", "bin/2.jpg", "bin/deep/3.jpg", "gone/4.jpg", "gone/in/5.jpg"):
        drive.add_file(path, under=root)
    assert mediasync.connect("lib", root).exit_code == 0
    sync(mediasync, "lib")
    drive.trash(drive.folder("bin", under=root))
    drive.delete(drive.folder("gone", under=root))
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"removed": 4}
    assert sorted(mediasync.items("lib")) == ["keep/1.jpg"]
    drive.untrash(drive.folder("bin", under=root))
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"restored": 2}


@SQLITE_ONLY
def test_a_shortcut_to_a_folder_brings_it_in_follows_it_and_takes_it_out(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root, _albums = indexed(mediasync, drive, key, files=20)
    elsewhere = drive.folder("Elsewhere")
    drive.share(elsewhere, key["client_email"])
    for path in ("a.jpg", "deep/b.jpg", "deep/er/c.jpg"):
        drive.add_file(path, under=elsewhere)
    shortcut = drive.add_shortcut("linked", elsewhere, under=root)
    assert changed(sync(mediasync, "lib")[0]) == {"added": 3}
    assert "linked/deep/er/c.jpg" in mediasync.items("lib")
    drive.rename(shortcut, "linked too")
    assert changed(sync(mediasync, "lib")[0]) == {"moved": 3}
    assert index(mediasync, "lib") == listing(drive, root, key)
    drive.add_file("deep/d.jpg", under=elsewhere)
    assert changed(sync(mediasync, "lib")[0]) == {"added": 1}
    assert "linked too/deep/d.jpg" in mediasync.items("lib")
    drive.trash(shortcut)
    assert changed(sync(mediasync, "lib")[0]) == {"removed": 4}
