"""A cold ``mediasync sync`` of a Drive folder: the whole tree, every oddity Drive allows."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from fakes.drive import FOLDER, FakeDrive
from gdrive.helpers import Mediasync

HEIC = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 100


def test_cold_sync_indexes_the_whole_tree_with_every_oddity(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    email = service_key["client_email"]
    root = drive.folder("Photos")
    drive.share(root, email)
    drive.add_file("beach.jpg", b"\xff\xd8beach", under=root)
    drive.add_file("2024/summer/sunset.png", under=root)
    drive.add_file(
        "2024/summer/clip.mp4", VIDEO, under=root, width=1920, height=1080, duration_ms=12500
    )
    drive.add_file("2024/IMG_0001.HEIC", HEIC, under=root, mime_type="application/octet-stream")
    drive.add_file("2024/sticker.webp", under=root, mime_type="image/webp")
    drive.add_file("2024/notes", under=root, mime_type="application/vnd.google-apps.document")
    drive.add_file("2024/report.pdf", under=root)
    first = drive.add_file("dup.jpg", b"\xff\xd8one", under=root)
    second = drive.add_file("dup.jpg", b"\xff\xd8two", under=root)
    odd = drive.folder("odd", under=root)
    drive.store.add("a/b: c.jpg", odd, "image/jpeg", data=b"\xff\xd8slash")  # "/" in a name
    drive.trash(drive.add_file("binned.jpg", under=root))
    elsewhere = drive.folder("Elsewhere")
    drive.share(elsewhere, email)
    favourite = drive.add_file("fav.jpg", b"\xff\xd8fav", under=elsewhere)
    drive.add_shortcut("fav shortcut.jpg", favourite, under=root)
    team = drive.shared_drive("Team", {email: "reader"})
    shoot = drive.folder("Shoot", under=team)
    drive.add_file("shoot1.jpg", under=shoot)
    drive.add_shortcut("Team shoot", shoot, under=root)
    drive.add_shortcut("2024/loop", root, under=root)  # back to the top: followed once, no loop
    assert mediasync.connect("photos", root).exit_code == 0

    run = mediasync.sync("photos")

    assert run["status"] == "ok", run["error"]
    items = mediasync.items("photos")
    assert sorted(items) == sorted(
        [
            "2024/IMG_0001.HEIC",
            "2024/sticker.webp",
            "2024/summer/clip.mp4",
            "2024/summer/sunset.png",
            "Team shoot/shoot1.jpg",
            "beach.jpg",
            "dup.jpg",
            f"dup ({second}).jpg",
            "fav shortcut.jpg",
            "odd/a_b: c.jpg",
        ]
    )
    assert run["counts"]["added"] == 10
    assert items["dup.jpg"]["source_id"] == first
    beach = items["beach.jpg"]
    assert beach["sha256"] == hashlib.sha256(b"\xff\xd8beach").hexdigest()
    assert beach["native_hash"] == hashlib.md5(b"\xff\xd8beach").hexdigest()
    clip = items["2024/summer/clip.mp4"]
    assert (clip["kind"], clip["width"], clip["height"], clip["duration"]) == (
        "video",
        1920,
        1080,
        12.5,
    )
    assert items["2024/IMG_0001.HEIC"]["mime_type"] == "image/heic"
    shortcut = items["fav shortcut.jpg"]
    assert shortcut["sha256"] == hashlib.sha256(b"\xff\xd8fav").hexdigest()
    assert drive.calls["files.media"] == 0, "indexing must not download anything"


def test_cold_sync_asks_for_many_folders_per_query(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    root = drive.folder("Library")
    drive.share(root, service_key["client_email"])
    tree = drive.build_tree(root, files=3000, folders=150, seed=7)
    assert mediasync.connect("library", root).exit_code == 0
    drive.reset_counts()

    run = mediasync.sync("library")

    assert run["status"] == "ok", run["error"]
    assert run["counts"]["added"] == len(tree.files)
    listing = [r for r in drive.requests if r.endpoint == "files.list"]
    assert all(r.params["pageSize"] == "1000" for r in listing)
    assert all("trashed = false" in r.params["q"] for r in listing)
    folders, files = listing[0], [r for r in listing if " in parents" in r.params["q"]]
    assert "in parents" not in folders.params["q"], "every folder in one paged query first"
    assert "sha256Checksum" not in folders.params["fields"]
    assert 20 <= max(r.params["q"].count(" in parents") for r in files) <= 50
    assert all("sha256Checksum" in r.params["fields"] for r in files)
    target = (
        math.ceil(len(tree.files) / 1000)
        + math.ceil(len(tree.folders) / 1000)
        + math.ceil(len(tree.folders) / 50)
        + 2
    )
    assert drive.api_calls() <= target, dict(drive.calls)


def test_a_folder_in_a_shared_drive_is_listed_in_that_drive(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    team = drive.shared_drive("Team", {service_key["client_email"]: "writer"})
    folder = drive.folder("Campaign/2024", under=team)
    drive.add_file("hero.jpg", under=folder)
    drive.add_file("cuts/teaser.mp4", under=folder)
    result = mediasync.connect("campaign", folder)
    assert result.exit_code == 0, result.stderr
    assert "'Team/Campaign/2024'" in result.stdout

    assert mediasync.sync("campaign")["counts"]["added"] == 2

    listing = [r for r in drive.requests if r.endpoint == "files.list"]
    assert {(r.params.get("corpora"), r.params.get("driveId")) for r in listing} == {
        ("drive", team)
    }
    assert sorted(mediasync.items("campaign")) == ["cuts/teaser.mp4", "hero.jpg"]


def test_an_empty_folder_indexes_nothing(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    root = drive.folder("Empty")
    drive.store.add("sub", root, FOLDER)
    drive.share(root, service_key["client_email"])
    assert mediasync.connect("empty", root).exit_code == 0
    run = mediasync.sync("empty")
    assert run["status"] == "ok"
    assert mediasync.items("empty") == {}
