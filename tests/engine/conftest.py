from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from indexing import Library, open_library


@pytest.fixture
def library(tmp_path: Path, database_url: str) -> Iterator[Library]:
    with open_library(tmp_path, database_url) as opened:
        yield opened
