"""The conformance suite and fixtures for testing mediasync plugins.

Subclass ``SourceConformance`` in a test module, supply a ``source`` fixture, and the whole
suite runs against your source, each test selected by the capabilities it declares; subclass
``PublisherConformance`` and supply ``publisher`` and ``count_posts`` for a publisher. Load the
fixtures (``mediasync_cli`` and friends) with ``pytest_plugins = ["mediasync.testing.fixtures"]``
in your top-level ``conftest.py``. Needs pytest, which mediasync itself does not install.
"""

from __future__ import annotations

import pytest

# Before the suite's modules are imported, so failures show pytest's assertion introspection.
pytest.register_assert_rewrite(
    *(
        f"mediasync.testing.{name}"
        for name in (
            "_helpers",
            "_journals",
            "_publisher_base",
            "_publisher_suite",
            "_source_copies",
            "_source_feed",
            "_source_folders",
            "_source_read",
            "_source_write",
            "fixtures",
        )
    )
)

from mediasync.testing._helpers import (  # noqa: E402
    AddMedia,
    RemoveMedia,
    RenameMedia,
    by_id,
    drain_changes,
    list_all,
    path_problem,
    read_bytes,
    require,
    sha256_hex,
)
from mediasync.testing._journals import (  # noqa: E402
    InterruptingJournal,
    MemoryJournal,
    PublishInterrupted,
    TrackedStream,
    media_from_bytes,
)
from mediasync.testing._publisher_suite import PublisherConformance  # noqa: E402
from mediasync.testing._samples import (  # noqa: E402
    default_media_files,
    sample_jpeg,
    sample_mp4,
    sample_png,
)
from mediasync.testing._source_suite import SourceConformance  # noqa: E402
from mediasync.testing.fixtures import MediasyncCli  # noqa: E402

__all__ = [
    "AddMedia",
    "InterruptingJournal",
    "MediasyncCli",
    "MemoryJournal",
    "PublishInterrupted",
    "PublisherConformance",
    "RemoveMedia",
    "RenameMedia",
    "SourceConformance",
    "TrackedStream",
    "by_id",
    "default_media_files",
    "drain_changes",
    "list_all",
    "media_from_bytes",
    "path_problem",
    "read_bytes",
    "require",
    "sample_jpeg",
    "sample_mp4",
    "sample_png",
    "sha256_hex",
]
