"""``SourceConformance``: the whole source suite in one base class."""

from __future__ import annotations

from mediasync.testing._source_copies import CopyMarkerTests
from mediasync.testing._source_feed import MetadataTests, NewestFirstTests
from mediasync.testing._source_folders import FolderListingTests
from mediasync.testing._source_read import (
    DeclarationTests,
    DownloadTests,
    ListingTests,
    StableIdTests,
)
from mediasync.testing._source_write import ChangeFeedTests, UploadTests

__all__ = ["SourceConformance"]


class SourceConformance(  # pytest collects the last base first: declarations run first
    NewestFirstTests,
    MetadataTests,
    FolderListingTests,
    ChangeFeedTests,
    CopyMarkerTests,
    UploadTests,
    StableIdTests,
    DownloadTests,
    ListingTests,
    DeclarationTests,
):
    """The conformance suite every source passes; subclass it as ``TestMySource``.

    Supply a ``source`` fixture returning your ``Source`` over a root that holds exactly the
    ``media_files`` fixture (path → bytes; override ``media_files`` to hold other files). Each
    test runs only for the capabilities the source declares and is skipped otherwise. Optional
    fixtures unlock more tests: ``missing_root_source``, ``rename_media`` (STABLE_IDS),
    ``add_media`` and ``remove_media`` (CHANGE_FEED), ``root_dir`` (a local folder's path).

    Example::

        class TestFolderSource(SourceConformance):
            @pytest.fixture
            def source(self, tmp_path, media_files):
                for path, data in media_files.items():
                    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
                    (tmp_path / path).write_bytes(data)
                return FolderSource("test", str(tmp_path), FolderSource.Settings())
    """
