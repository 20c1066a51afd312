"""Helpers of the Google Drive plugin tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import Result
from fakes.drive import FakeDrive
from support import CliRun, json_output

from mediasync import Secret
from mediasync_gdrive import GDriveSettings, GDriveSource

FAST = (
    "--set",
    "retry_initial_wait=0.001",
    "--set",
    "retry_max_wait=0.05",
    "--set",
    "timeout=5",
)
"""Settings that keep retries fast: back-off in milliseconds, a short socket timeout."""

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For tests of the plugin's own logic: what the database does with it is tested on both
backends elsewhere (``tests/engine``), so these need not run twice."""


def source_for(
    drive: FakeDrive, root: str, credentials: dict[str, Any], **settings: Any
) -> GDriveSource:
    """A source used directly (no index), with fast retries."""
    values: dict[str, Any] = {
        "retry_initial_wait": 0.001,
        "retry_max_wait": 0.05,
        "timeout": 5.0,
        **settings,
    }
    return GDriveSource(
        "test",
        root,
        GDriveSettings(
            credentials=Secret(json.dumps(credentials)), api_endpoint=drive.api_endpoint, **values
        ),
    )


@attrs.define
class Mediasync:
    """``mediasync`` against one index database and one fake Drive."""

    run: CliRun
    database_url: str
    drive: FakeDrive
    key_file: Path

    def __call__(self, *args: str) -> Result:
        return self.run(["--db", self.database_url, *args])

    def json(self, *args: str) -> Any:
        """Runs ``mediasync ARGS --json``, asserting success; the parsed output."""
        return json_output(self(*args, "--json"))

    def connect(self, name: str, folder: str, *extra: str) -> Result:
        return self(
            "gdrive",
            "connect",
            name,
            "--folder",
            folder,
            "--service-account",
            str(self.key_file),
            "--api-endpoint",
            self.drive.api_endpoint,
            *FAST,
            *extra,
        )

    def sync(self, name: str) -> dict[str, Any]:
        """Runs ``mediasync sync NAME --json``; the run's record (status, counts, error)."""
        result = self("sync", name, "--json")
        assert result.exit_code in (0, 1), result.stderr
        runs: list[dict[str, Any]] = json.loads(result.stdout)
        return runs[0]

    def items(self, name: str, which: str = "active") -> dict[str, dict[str, Any]]:
        """path → item of source ``name``."""
        flag = {"active": [], "removed": ["--removed"], "all": ["--all"]}[which]
        rows = json_output(
            self("items", "list", "--source", name, "--limit", "100000", "--json", *flag)
        )
        return {row["path"]: row for row in rows}


@attrs.frozen
class Library:
    """A shared "Photos" folder with a few albums, as most tests start from."""

    root: str
    ids: dict[str, str]

    def id(self, path: str) -> str:
        return self.ids[path]


LIBRARY = (
    "beach.jpg",
    "2024/summer/sunset.png",
    "2024/summer/clip.mp4",
    "2024/winter/snow.jpg",
    "2023/old.jpg",
)
