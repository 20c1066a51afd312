"""``mediasync sync NAME`` lists a local folder while the process starts (``_sync.early``).

The listing begun early must index exactly what a listing begun later would, and must never be
used when another sync of the source ran (or is running) since it began.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from media_factory import write_jpeg

from mediasync import Workspace
from mediasync._sync import early


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    for day in ("2024/01/01", "2024/01/02"):
        for n in range(3):
            write_jpeg(folder / day / f"IMG_{n}.jpg", 1024, seed=f"{day}:{n}")
    return folder


@pytest.fixture
def url(tmp_path: Path, photos: Path) -> str:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with Workspace.open(database_url=url) as workspace:
        workspace.add_source("photos", "local", root=str(photos), settings={})
    return url


def _sync(url: str) -> dict[str, int]:
    with Workspace.open(database_url=url) as workspace:
        report = workspace.sync("photos")
    return {k: v for k, v in report.run.counts.as_dict().items() if v and k != "unchanged"}


def test_a_sync_takes_over_the_listing_begun_at_start_up_and_sees_every_change(
    url: str, photos: Path
) -> None:
    assert Workspace.start_listing_early("photos", database_url=url)
    assert _sync(url) == {"added": 6}
    assert early._pending is None, "the sync listed the folder itself"
    os.rename(photos / "2024/01/01/IMG_0.jpg", photos / "2024/01/01/renamed.jpg")
    os.rename(photos / "2024/01/01/IMG_1.jpg", photos / "2024/01/02/moved.jpg")
    (photos / "2024/01/02/IMG_2.jpg").unlink()
    assert Workspace.start_listing_early(str(photos), database_url=url)  # by its folder
    assert _sync(url) == {"renamed": 1, "moved": 1, "removed": 1}
    assert early._pending is None


def test_a_listing_begun_before_another_sync_finished_or_while_one_runs_is_not_used(
    url: str,
) -> None:
    from mediasync._app import App
    from mediasync._config import load_config
    from mediasync._db.sources import get_source
    from mediasync._plugins import load_plugins

    assert Workspace.start_listing_early("photos", database_url=url)
    pending = early._pending
    assert pending is not None
    app = App(load_config(overrides={"database_url": url}), load_plugins())
    try:
        with app.engine.connect() as connection:
            record = get_source(connection, "photos")
        local = app.plugins.source_type("local")
        later = attrs.evolve(record, updated_at=datetime.now(UTC) + timedelta(seconds=1))
        held = attrs.evolve(record, lease_owner="someone-else")
        other_root = attrs.evolve(record, root="/elsewhere")
        for stale in (later, held, other_root):
            assert early.claim(stale, local) is None
        assert early._pending is pending
        assert early.claim(record, local) is pending.source
        assert early._pending is None
    finally:
        app.close()


def test_nothing_is_listed_early_for_an_unknown_source_or_another_database(
    url: str, tmp_path: Path
) -> None:
    assert not Workspace.start_listing_early("nope", database_url=url)
    assert not Workspace.start_listing_early("photos", database_url="postgresql://x@h/db")
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    assert not Workspace.start_listing_early("photos", database_url=missing)
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.postgres
def test_a_listing_begun_early_from_postgresql_is_taken_over(
    postgres_url: str, photos: Path
) -> None:
    with Workspace.open(database_url=postgres_url) as workspace:
        workspace.add_source("photos", "local", root=str(photos), settings={})
    assert Workspace.start_listing_early("photos", database_url=postgres_url)
    assert _sync(postgres_url) == {"added": 6}
    assert early._pending is None, "the sync listed the folder itself"
    (photos / "2024/01/02/IMG_2.jpg").unlink()
    assert Workspace.start_listing_early(str(photos), database_url=postgres_url)
    assert _sync(postgres_url) == {"removed": 1}
    assert early._pending is None


@pytest.mark.postgres
def test_an_unreachable_or_refusing_postgresql_starts_nothing_early(
    postgres_url: str, photos: Path
) -> None:
    from sqlalchemy.engine import make_url

    refused = make_url(postgres_url).set(username="nobody_here", password="wrong")
    closed = make_url(postgres_url).set(port=1)  # nothing listens there
    for url in (refused, closed):
        shown = url.render_as_string(hide_password=False)
        assert not Workspace.start_listing_early("photos", database_url=shown)
        assert early._pending is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////abs/index.db", ("sqlite", "/abs/index.db")),
        ("sqlite:///rel/index.db?timeout=5", ("sqlite", "rel/index.db")),
        ("sqlite://", None),
        ("sqlite:///", None),
        (
            "postgresql+psycopg://u:p@h:5432/db?options=-csearch_path%3Ds",
            ("postgresql", "postgresql://u:p@h:5432/db?options=-csearch_path%3Ds"),
        ),
        ("postgres://u@h/db", ("postgresql", "postgresql://u@h/db")),
        ("mysql://u@h/db", None),
    ],
)
def test_the_index_is_found_from_the_url_as_the_command_will_open_it(
    url: str, expected: tuple[str, str] | None
) -> None:
    assert early._index(url, None, {}) == expected
