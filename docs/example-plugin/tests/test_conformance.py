"""The mediasync conformance suite against ``ExampleFolderSource``."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_mediasync_plugin import ExampleFolderSettings, ExampleFolderSource

from mediasync.testing import SourceConformance


class TestExampleFolderSource(SourceConformance):
    @pytest.fixture
    def root_dir(self, tmp_path: Path) -> Path:
        return tmp_path / "root"

    @pytest.fixture
    def source(self, root_dir: Path, media_files: dict[str, bytes]) -> ExampleFolderSource:
        for path, data in media_files.items():
            (root_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (root_dir / path).write_bytes(data)
        return ExampleFolderSource("test", str(root_dir), ExampleFolderSettings())

    @pytest.fixture
    def missing_root_source(self, tmp_path: Path) -> ExampleFolderSource:
        return ExampleFolderSource("test", str(tmp_path / "missing"), ExampleFolderSettings())


def test_hidden_files_are_listed_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "thumb.jpg").write_bytes(b"x")
    (tmp_path / "photo.jpg").write_bytes(b"y")
    hidden = ExampleFolderSource("t", str(tmp_path), ExampleFolderSettings(include_hidden=True))
    plain = ExampleFolderSource("t", str(tmp_path), ExampleFolderSettings())
    assert sorted(e.path for e in hidden.list_entries()) == [".cache/thumb.jpg", "photo.jpg"]
    assert [e.path for e in plain.list_entries()] == ["photo.jpg"]
