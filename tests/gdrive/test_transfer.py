"""Downloads stream in ranges and resume; uploads reach the endpoint, resumable, never twice."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import Library, source_for

from mediasync import AuthError, Provenance
from mediasync_gdrive._copies import copy_marker

KIB = 1024
IG_17 = Provenance("instagram", "insta", "17")
IG_9 = Provenance("instagram", "insta", "9")


def test_download_streams_in_ranges(drive: FakeDrive, library: Library, service_key: Any) -> None:
    data = os.urandom(5000)
    file_id = drive.add_file("big.jpg", data, under=library.root)
    source = source_for(drive, library.root, service_key, download_chunk_size=KIB)
    entry = next(e for e in source.list_entries() if e.source_id == file_id)
    with source.open(entry) as stream:
        assert stream.read(10) == data[:10]
        assert stream.read() == data[10:]
    ranges = [r.range for r in drive.requests if r.endpoint == "files.media"]
    assert ranges == [f"bytes={n}-{min(n + KIB, 5000) - 1}" for n in range(0, 5000, KIB)]


def test_a_dropped_download_resumes_where_it_stopped(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    data = os.urandom(4 * KIB)
    file_id = drive.add_file("big.jpg", data, under=library.root)
    source = source_for(drive, library.root, service_key, download_chunk_size=KIB)
    entry = next(e for e in source.list_entries() if e.source_id == file_id)
    with source.open(entry) as stream:
        assert stream.read(2 * KIB) == data[: 2 * KIB]
        drive.faults.next(3, "drop", endpoints={"files.media"})
        assert stream.read() == data[2 * KIB :]
    ranges = [r.range for r in drive.requests if r.endpoint == "files.media"]
    assert ranges[2:5] == ["bytes=2048-3071"] * 3, "the same range again, not from the start"
    assert "bytes=0-1023" not in ranges[2:]


def test_sha256_of_a_shortcut_reads_its_target(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    shortcut = drive.add_shortcut("link.jpg", library.id("beach.jpg"), under=library.root)
    source = source_for(drive, library.root, service_key)
    entry = next(e for e in source.list_entries() if e.source_id == shortcut)
    assert source.sha256(entry) == entry.sha256


def test_an_upload_reaches_the_endpoint_in_resumable_chunks(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    data = os.urandom(600 * KIB)
    source = source_for(drive, library.root, service_key, upload_chunk_size=256 * KIB)
    entry = source.upload(io.BytesIO(data), "reel.mp4", folder="Instagram/2024", provenance=IG_17)
    assert entry.path == "Instagram/2024/reel.mp4"
    assert entry.size == len(data)
    assert entry.provenance == IG_17
    stored = drive.get(entry.source_id)
    assert stored.data == data
    assert stored.app_properties == {"mediasyncCopy": copy_marker(IG_17)}
    uploads = [r.method for r in drive.requests if r.endpoint == "files.create.upload"]
    assert uploads == ["POST", "PUT", "PUT", "PUT"]
    assert entry.path in {e.path for e in source.list_entries()}


def test_uploading_the_same_origin_again_finds_the_first_file(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    source = source_for(drive, library.root, service_key)
    first = source.upload(io.BytesIO(b"\xff\xd8one"), "post.jpg", folder="ig", provenance=IG_9)
    drive.reset_counts()
    again = source.upload(io.BytesIO(b"\xff\xd8one"), "post.jpg", folder="ig", provenance=IG_9)
    assert again.source_id == first.source_id
    assert again.path == first.path
    assert drive.calls["files.create.upload"] == 0


def test_an_interrupted_upload_resumes(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    data = os.urandom(600 * KIB)
    source = source_for(drive, library.root, service_key, upload_chunk_size=256 * KIB)
    drive.faults.next(1, "503", endpoints={"files.create.upload"})
    drive.faults.next(1, "drop", endpoints={"files.create.upload"})
    entry = source.upload(io.BytesIO(data), "clip.mp4")
    assert drive.get(entry.source_id).data == data
    assert [f.name for f in drive.children(library.root)].count("clip.mp4") == 1
    assert drive.faults.injected == {"503": 1, "drop": 1}


def test_a_taken_name_gets_a_number(drive: FakeDrive, library: Library, service_key: Any) -> None:
    source = source_for(drive, library.root, service_key)
    entry = source.upload(io.BytesIO(b"\xff\xd8x"), "beach.jpg")
    assert entry.path == "beach (1).jpg"


def test_uploading_into_a_read_only_folder_says_it_cannot_write(
    drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    folder = drive.folder("Read only")
    drive.share(folder, service_key["client_email"], "reader")
    source = source_for(drive, folder, service_key)
    with pytest.raises(AuthError, match=r"cannot write into the Drive folder .* may only read it"):
        source.upload(io.BytesIO(b"\xff\xd8x"), "x.jpg")
