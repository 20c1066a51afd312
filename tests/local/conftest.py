"""Fixtures for the local source: a root folder, sources over it, their listings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mediasync import MediaEntry
from mediasync_local import LocalSettings, LocalSource

MakeSource = Callable[..., LocalSource]
Listing = Callable[[LocalSource], dict[str, MediaEntry]]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def make_source(root: Path) -> MakeSource:
    """``make_source(include=["*.jpg"], …)``: a ``LocalSource`` over ``root`` with settings."""

    def make(path: Path | None = None, **settings: Any) -> LocalSource:
        return LocalSource("pics", str(path or root), LocalSettings(**settings))

    return make


@pytest.fixture
def listing() -> Listing:
    """The source's listing by path, checking on the way that every id appears once."""

    def list_by_path(source: LocalSource) -> dict[str, MediaEntry]:
        entries = list(source.list_entries())
        ids = [entry.source_id for entry in entries]
        assert len(ids) == len(set(ids)), f"an id appears twice in {entries}"
        by_path = {entry.path: entry for entry in entries}
        assert len(by_path) == len(entries)
        return by_path

    return list_by_path
