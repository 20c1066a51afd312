"""Later syncs read Drive's change feed: each kind of change shows up as exactly that."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import Library, Mediasync


@pytest.fixture
def synced(mediasync: Mediasync, library: Library, drive: FakeDrive) -> Library:
    """``library`` connected as ``photos``, indexed, and the call counters reset."""
    assert mediasync.connect("photos", library.root).exit_code == 0
    run = mediasync.sync("photos")
    assert run["counts"]["added"] == 5, run
    drive.reset_counts()
    return library


def counts(run: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in run["counts"].items() if v and k != "unchanged"}


def test_a_sync_without_changes_costs_one_call(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    run = mediasync.sync("photos")
    assert run["status"] == "ok"
    assert counts(run) == {}
    assert dict(drive.calls) == {"token": 1, "changes.list": 1}


def test_rename_move_delete_trash_and_add_show_up_as_such(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.rename(synced.id("beach.jpg"), "shore.jpg")
    drive.move(synced.id("2023/old.jpg"), drive.folder("2024/winter", under=synced.root))
    drive.delete(synced.id("2024/summer/clip.mp4"))
    drive.trash(synced.id("2024/summer/sunset.png"))
    drive.add_file("2024/new.jpg", under=synced.root)

    run = mediasync.sync("photos")

    assert counts(run) == {"renamed": 1, "moved": 1, "removed": 2, "added": 1}
    assert sorted(mediasync.items("photos")) == [
        "2024/new.jpg",
        "2024/winter/old.jpg",
        "2024/winter/snow.jpg",
        "shore.jpg",
    ]
    assert mediasync.items("photos")["shore.jpg"]["source_id"] == synced.id("beach.jpg")
    assert drive.calls["changes.list"] == 1
    assert drive.api_calls() <= 8, dict(drive.calls)


def test_a_folder_rename_moves_every_item_below_and_adds_none(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.rename(drive.folder("2024", under=synced.root), "Twenty-four")
    run = mediasync.sync("photos")
    assert counts(run) == {"moved": 3}
    assert sorted(p for p in mediasync.items("photos") if p.startswith("Twenty-four/")) == [
        "Twenty-four/summer/clip.mp4",
        "Twenty-four/summer/sunset.png",
        "Twenty-four/winter/snow.jpg",
    ]


def test_a_folder_moved_out_of_the_tree_removes_its_items(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.move(drive.folder("2024", under=synced.root), drive.my_drive)  # not shared: gone
    run = mediasync.sync("photos")
    assert counts(run) == {"removed": 3}
    assert sorted(mediasync.items("photos")) == ["2023/old.jpg", "beach.jpg"]


def test_a_folder_moved_in_adds_its_items(
    mediasync: Mediasync, synced: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    outside = drive.folder("Outside")
    drive.share(outside, service_key["client_email"])
    drive.add_file("Trip/one.jpg", under=outside)
    drive.add_file("Trip/day 2/two.jpg", under=outside)
    drive.move(drive.folder("Trip", under=outside), synced.root)
    run = mediasync.sync("photos")
    assert counts(run) == {"added": 2}
    assert {"Trip/one.jpg", "Trip/day 2/two.jpg"} <= set(mediasync.items("photos"))


def test_a_file_moved_out_is_removed_and_moved_back_is_restored(
    mediasync: Mediasync, synced: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    outside = drive.folder("Outside")
    drive.share(outside, service_key["client_email"])
    drive.move(synced.id("beach.jpg"), outside)
    assert counts(mediasync.sync("photos")) == {"removed": 1}
    drive.move(synced.id("beach.jpg"), synced.root)
    assert counts(mediasync.sync("photos")) == {"restored": 1}


def test_a_trashed_folder_removes_everything_below_it(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.trash(drive.folder("2024", under=synced.root))
    run = mediasync.sync("photos")
    assert counts(run) == {"removed": 3}
    drive.untrash(drive.folder("2024", under=synced.root))
    assert counts(mediasync.sync("photos")) == {"restored": 3}


def test_a_same_name_file_added_later_gets_its_id_in_the_path(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    later = drive.add_file("beach.jpg", b"\xff\xd8another beach", under=synced.root)
    assert counts(mediasync.sync("photos")) == {"added": 1}
    items = mediasync.items("photos")
    assert items["beach.jpg"]["source_id"] == synced.id("beach.jpg")
    assert items[f"beach ({later}).jpg"]["source_id"] == later


def test_an_edited_file_is_modified(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.write(synced.id("beach.jpg"), b"\xff\xd8retouched")
    assert counts(mediasync.sync("photos")) == {"modified": 1}


def test_an_expired_token_falls_back_to_a_full_scan(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.rename(synced.id("beach.jpg"), "shore.jpg")
    drive.store.expire_tokens()
    run = mediasync.sync("photos")
    assert run["status"] == "ok"
    assert counts(run) == {"renamed": 1}
    assert drive.calls["files.list"] >= 1, "the fallback lists the tree"
    drive.reset_counts()
    assert counts(mediasync.sync("photos")) == {}
    assert drive.calls["changes.list"] == 1, "a fresh token was stored"


def test_the_root_folder_trashed_fails_the_run_and_removes_nothing(
    mediasync: Mediasync, synced: Library, drive: FakeDrive
) -> None:
    drive.trash(synced.root)
    run = mediasync.sync("photos")
    assert run["status"] == "failed"
    assert "was trashed, deleted or unshared; nothing was changed" in run["error"]
    assert len(mediasync.items("photos")) == 5


def test_changes_outside_the_tree_change_nothing(
    mediasync: Mediasync, synced: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    other = drive.folder("Other")
    drive.share(other, service_key["client_email"])
    drive.add_file("Other/elsewhere.jpg")
    assert counts(mediasync.sync("photos")) == {}
