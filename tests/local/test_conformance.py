"""The local source passes the conformance suite that ships in ``mediasync.testing``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasync.testing import SourceConformance
from mediasync_local import LocalSettings, LocalSource


class TestLocalSource(SourceConformance):
    @pytest.fixture
    def root_dir(self, tmp_path: Path) -> Path:
        folder = tmp_path / "library"
        folder.mkdir()
        return folder

    @pytest.fixture
    def source(self, root_dir: Path, media_files: dict[str, bytes]) -> LocalSource:
        for path, data in media_files.items():
            (root_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (root_dir / path).write_bytes(data)
        return LocalSource("conformance", str(root_dir), LocalSettings())

    @pytest.fixture
    def missing_root_source(self, tmp_path: Path) -> LocalSource:
        return LocalSource("conformance", str(tmp_path / "unmounted"), LocalSettings())
