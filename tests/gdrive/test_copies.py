"""Copies into Drive: the ``appProperties`` marker, found again in the tree, never twice."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
from fakes.drive import FakeDrive
from gdrive.helpers import Library, Mediasync, source_for
from media_factory import write_jpeg

from mediasync import Provenance
from mediasync_gdrive._copies import COPY_KEY, copy_marker


def copy_of(n: int, source: str = "photos") -> Provenance:
    return Provenance("local", source, f"2049:{n}")


def test_the_marker_is_a_digest_of_source_and_identifier_within_drives_limit() -> None:
    long_id = "x" * 500
    marker = copy_marker(Provenance("instagram", "insta", long_id))
    assert len(COPY_KEY.encode()) + len(marker.encode()) <= 124
    assert marker != copy_marker(Provenance("instagram", "other", long_id))
    assert marker == copy_marker(Provenance("local", "insta", long_id)), "the key, not the type"


def test_find_copies_asks_40_markers_a_query_and_finds_only_what_was_uploaded(
    drive: FakeDrive, library: Library, service_key: dict[str, Any]
) -> None:
    source = source_for(drive, library.root, service_key)
    uploaded = {
        n: source.upload(
            io.BytesIO(b"\xff\xd8%d" % n), f"{n}.jpg", folder="copies", provenance=copy_of(n)
        )
        for n in (3, 50, 84)
    }
    drive.reset_counts()
    found = source_for(drive, library.root, service_key).find_copies(
        [copy_of(n) for n in range(85)]
    )
    assert set(found) == {copy_of(n).key for n in uploaded}
    for n, entry in uploaded.items():
        assert (found[copy_of(n).key].source_id, found[copy_of(n).key].path) == (
            entry.source_id,
            f"copies/{n}.jpg",
        )
    marker_queries = [
        r for r in drive.requests if r.endpoint == "files.list" and "appProperties" in r.params["q"]
    ]
    assert len(marker_queries) == math.ceil(85 / 40)


def test_a_copy_is_found_where_it_went_and_not_once_it_left_the_tree(
    drive: FakeDrive, library: Library, service_key: dict[str, Any]
) -> None:
    source = source_for(drive, library.root, service_key)
    kept, moved, trashed, gone = (
        source.upload(io.BytesIO(b"\xff\xd8%d" % n), f"{n}.jpg", provenance=copy_of(n))
        for n in range(4)
    )
    drive.rename(kept.source_id, "renamed.jpg")
    drive.move(kept.source_id, drive.folder("2024/summer", under=library.root))
    drive.move(moved.source_id, drive.folder("Elsewhere"))
    drive.trash(trashed.source_id)
    drive.delete(gone.source_id)
    found = source_for(drive, library.root, service_key).find_copies([copy_of(n) for n in range(4)])
    assert list(found) == [copy_of(0).key]
    assert found[copy_of(0).key].path == "2024/summer/renamed.jpg"
    carried = found[copy_of(0).key].provenance
    assert carried is not None
    assert carried.key == copy_of(0).key
    assert carried.copied_at is not None, "a marker without a time: its file's creation"


def test_one_identifier_copied_twice_is_found_by_its_latest_copy_and_an_upload_is_tried_again(
    drive: FakeDrive, library: Library, service_key: dict[str, Any]
) -> None:
    """An identifier passed from one item to another (an inode reused) leaves one marker on
    two copies: each carries its time, the later one is found, and an upload tried again
    with the same provenance finds its own file, not the earlier item's."""
    source = source_for(drive, library.root, service_key)
    earlier = attrs.evolve(copy_of(1), copied_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    later = attrs.evolve(earlier, copied_at=datetime(2024, 6, 1, 12, tzinfo=UTC))
    first = source.upload(io.BytesIO(b"\xff\xd8one"), "a.jpg", folder="c", provenance=earlier)
    second = source.upload(io.BytesIO(b"\xff\xd8two"), "b.jpg", folder="c", provenance=later)
    assert first.source_id != second.source_id, "the later item's copy took the earlier's file"
    retried = source.upload(io.BytesIO(b"\xff\xd8two"), "b.jpg", folder="c", provenance=later)
    assert retried.source_id == second.source_id, "an upload tried again wrote twice"
    found = source_for(drive, library.root, service_key).find_copies([copy_of(1)])
    assert found[copy_of(1).key].source_id == second.source_id
    assert found[copy_of(1).key].provenance == later


def test_copies_in_a_shared_drive_are_found_in_that_drive(
    drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    team = drive.shared_drive("Team", {service_key["client_email"]: "writer"})
    folder = drive.folder("Archive", under=team)
    entry = source_for(drive, folder, service_key).upload(
        io.BytesIO(b"\xff\xd8x"), "x.jpg", provenance=copy_of(1)
    )
    drive.reset_counts()
    found = source_for(drive, folder, service_key).find_copies([copy_of(1)])
    assert found[copy_of(1).key].source_id == entry.source_id
    queries = [
        r for r in drive.requests if r.endpoint == "files.list" and "appProperties" in r.params["q"]
    ]
    assert {(r.params.get("corpora"), r.params.get("driveId")) for r in queries} == {
        ("drive", team)
    }


def test_copy_from_a_folder_into_drive_and_again_after_the_index_is_lost(
    mediasync: Mediasync, drive: FakeDrive, library: Library, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    for n in range(3):
        write_jpeg(photos / f"trip/{n}.jpg", 2000 + n, seed=n)
    assert mediasync("sync", str(photos)).exit_code == 0
    assert mediasync.connect("drive", library.root).exit_code == 0
    assert mediasync.sync("drive")["counts"]["added"] == len(library.ids)

    report = mediasync.json("copy", "photos", "drive", "--folder", "backup/{path}")
    assert (report["copied"], report["failed"], report["error"]) == (3, 0, None)
    items = mediasync.items("drive")
    assert {f"backup/trip/{n}.jpg" for n in range(3)} <= set(items)
    synced = mediasync.sync("drive")
    assert {k: v for k, v in synced["counts"].items() if v and k != "unchanged"} == {}

    assert mediasync("sources", "remove", "drive", "--yes").exit_code == 0
    assert mediasync.connect("drive", library.root).exit_code == 0
    uploads = drive.calls["files.create.upload"]
    again = mediasync.json("copy", "photos", "drive", "--folder", "backup/{path}")
    assert (again["copied"], again["found"]) == (0, 3)
    assert drive.calls["files.create.upload"] == uploads, "nothing uploaded twice"
    assert {f"backup/trip/{n}.jpg" for n in range(3)} <= set(mediasync.items("drive"))
