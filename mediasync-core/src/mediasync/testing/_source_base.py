"""The fixtures and settings every part of ``SourceConformance`` shares.

An author overrides ``source`` (required) and, where the source can do it, the optional
fixtures below; each optional one skips the tests that need it until it is supplied.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from mediasync._models import Capability
from mediasync._source import Source
from mediasync.testing._helpers import AddMedia, RemoveMedia, RenameMedia, require
from mediasync.testing._samples import default_media_files, sample_jpeg

__all__ = ["SourceSuiteBase"]


class SourceSuiteBase:
    """Fixtures and class attributes of the source conformance suite."""

    paths_are_kept: ClassVar[bool] = True
    """The source lists each file at the path it was stored at; set ``False`` for a source that
    makes up its own paths (an Instagram feed): the suite then compares sizes and bytes only."""

    upload_name: ClassVar[str] = "uploaded.jpg"
    """The name the upload tests write ``upload_bytes`` under; its extension is reused below."""

    hostile_names: ClassVar[tuple[tuple[str, str], ...]] = (
        ("", "../../etc/passwd"),
        ("", "../../escape{ext}"),
        ("", "/absolute/evil{ext}"),
        ("", "a/b\x00c{ext}"),
        ("", "..\\..\\windows{ext}"),
        ("", ".."),
        ("../outside", "folder-escape{ext}"),
        ("/abs/folder", "abs-folder{ext}"),
    )
    """``(folder, name)`` pairs handed to ``upload`` (``{ext}`` is ``upload_name``'s extension);
    each must land inside the root under a safe name."""

    invalid_cursor: ClassVar[str] = "mediasync-conformance-not-a-cursor"
    """A cursor the source never issued: ``changes`` must refuse it with ``CursorInvalid``."""

    @pytest.fixture
    def media_files(self) -> dict[str, bytes]:
        """What the ``source`` fixture's root must hold: path relative to the root → bytes.

        The default holds images and a video in nested folders; override it if the source can
        hold only some kinds of media or only some names.
        """
        return default_media_files()

    @pytest.fixture
    def source(self) -> Source:
        """A ``Source`` whose root holds exactly ``media_files``: override this."""
        pytest.fail(
            "SourceConformance needs a `source` fixture: define `@pytest.fixture def "
            "source(self, media_files)` in your subclass, returning your Source over a root "
            "that holds exactly `media_files`"
        )

    @pytest.fixture
    def missing_root_source(self) -> Source:
        """A ``Source`` of the same type whose root does not exist (optional)."""
        pytest.skip("supply a `missing_root_source` fixture to test a missing root")

    @pytest.fixture
    def add_media(self, source: Source) -> AddMedia:
        """Adds a file under ``source``'s root without going through the source (optional)."""
        require(source, Capability.CHANGE_FEED)
        pytest.skip("supply an `add_media(path, data)` fixture to test the change feed")

    @pytest.fixture
    def remove_media(self, source: Source) -> RemoveMedia:
        """Deletes the file behind an entry without going through the source (optional)."""
        require(source, Capability.CHANGE_FEED)
        pytest.skip("supply a `remove_media(entry)` fixture to test removals in the change feed")

    @pytest.fixture
    def rename_media(self, source: Source) -> RenameMedia:
        """Renames or moves the file behind an entry to a new path (optional)."""
        require(source, Capability.STABLE_IDS)
        pytest.skip("supply a `rename_media(entry, new_path)` fixture to test stable ids")

    @pytest.fixture
    def root_dir(self) -> Path | None:
        """For a source over a local folder, that folder (optional): the hostile-name test then
        also checks that nothing was written outside it."""
        return None

    @pytest.fixture
    def upload_bytes(self) -> Callable[[int], bytes]:
        """Makes distinct, valid files for ``upload_name`` from a seed (default: JPEG)."""
        return sample_jpeg
