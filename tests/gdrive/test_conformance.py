"""The core's source conformance suite against ``GDriveSource`` on the fake Drive."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import source_for

from mediasync import MediaEntry
from mediasync.testing import AddMedia, RemoveMedia, RenameMedia, SourceConformance
from mediasync_gdrive import GDriveSource


class TestGDriveSource(SourceConformance):
    @pytest.fixture
    def root(self, drive: FakeDrive, service_key: dict[str, Any]) -> str:
        root = drive.folder("Conformance")
        drive.share(root, service_key["client_email"], "writer")
        return root

    @pytest.fixture
    def source(
        self,
        drive: FakeDrive,
        root: str,
        service_key: dict[str, Any],
        media_files: dict[str, bytes],
    ) -> GDriveSource:
        for path, data in media_files.items():
            drive.add_file(path, data, under=root)
        return source_for(drive, root, service_key)

    @pytest.fixture
    def missing_root_source(self, drive: FakeDrive, service_key: dict[str, Any]) -> GDriveSource:
        return source_for(drive, "1ThisFolderDoesNotExist000000000", service_key)

    @pytest.fixture
    def add_media(self, drive: FakeDrive, root: str) -> AddMedia:
        def add(path: str, data: bytes) -> None:
            drive.add_file(path, data, under=root)

        return add

    @pytest.fixture
    def remove_media(self, drive: FakeDrive) -> RemoveMedia:
        return lambda entry: drive.delete(entry.source_id)

    @pytest.fixture
    def rename_media(self, drive: FakeDrive, root: str) -> RenameMedia:
        def rename(entry: MediaEntry, new_path: str) -> None:
            folder, name = posixpath.split(new_path)
            drive.rename(entry.source_id, name)
            if folder != entry.folder:
                drive.move(entry.source_id, drive.folder(folder, under=root))

        return rename

    @pytest.fixture
    def upload_bytes(self) -> Callable[[int], bytes]:
        from mediasync.testing import sample_jpeg

        return sample_jpeg
