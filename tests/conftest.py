"""Fixtures shared by every test: an isolated user environment and the index databases.

Every test runs with its own data and config directories and no ``MEDIASYNC_*`` variable from
the developer's shell. Database tests take ``database_url``, which runs them on SQLite and on
PostgreSQL (a fresh schema per test on ``MEDIASYNC_TEST_POSTGRES_URL``); in CI a missing
PostgreSQL fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result

from mediasync._cli.main import build_cli
from mediasync._plugins import load_plugins

if TYPE_CHECKING:
    from fakes.cloudinary import FakeCloudinary

POSTGRES_ENV = "MEDIASYNC_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def isolated_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if (name.startswith(("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_"))) and (
            name != POSTGRES_ENV
        ):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("MEDIASYNC_STRICT_PLUGINS", "1")
    return home


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
    pytest.skip(f"{POSTGRES_ENV} is not set")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped after the test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(_postgres_base_url()).set(drivername="postgresql+psycopg")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


CliRun = Callable[..., Result]


@pytest.fixture
def cli_builtins() -> list[tuple[str, object]]:
    """In-process plugins a test adds to the CLI (append to this list before calling ``run``)."""
    return []


@pytest.fixture
def run(cli_builtins: list[tuple[str, object]]) -> CliRun:
    """Runs ``mediasync ARGS`` in-process with a freshly built CLI, like the console script."""

    def invoke(args: Sequence[str], input: str | None = None, **env: Any) -> Result:
        plugins = load_plugins(builtins=cli_builtins)
        runner = CliRunner()
        return runner.invoke(
            build_cli(plugins), list(args), input=input, env=env or None, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCloudinary]:
    """The fake Cloudinary; no ``CLOUDINARY_*`` variable from the shell reaches the SDK, and
    the fake itself never failed on what it was sent."""
    from fakes.cloudinary import FakeCloudinary

    for name in [n for n in os.environ if n.startswith("CLOUDINARY_")]:
        monkeypatch.delenv(name)
    with FakeCloudinary() as fake:
        yield fake
        assert fake.internal_errors == []
