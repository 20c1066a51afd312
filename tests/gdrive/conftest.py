"""Fixtures of the Google Drive plugin tests: a fake Drive, keys, and the CLI against both.

Every test gets its own ``FakeDrive`` on a loopback port; the plugin talks to it with the real
google-api-python-client and google-auth through the ``api_endpoint`` setting and the key's
``token_uri``. Back-off waits are shrunk with settings so fault tests take milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import LIBRARY, Library, Mediasync
from support import CliRun


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    with FakeDrive() as fake:
        yield fake


@pytest.fixture
def service_key(drive: FakeDrive) -> dict[str, Any]:
    return drive.service_account()


@pytest.fixture
def key_file(tmp_path: Path, service_key: dict[str, Any]) -> Path:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(service_key), encoding="utf-8")
    return path


@pytest.fixture
def mediasync(run: CliRun, database_url: str, drive: FakeDrive, key_file: Path) -> Mediasync:
    return Mediasync(run, database_url, drive, key_file)


@pytest.fixture
def library(drive: FakeDrive, service_key: dict[str, Any]) -> Library:
    root = drive.folder("Photos")
    drive.share(root, service_key["client_email"], "writer")
    ids = {path: drive.add_file(path, under=root) for path in LIBRARY}
    return Library(root, ids)
