"""Fixtures for testing mediasync plugins; opt in with ``pytest_plugins``.

In your top-level ``conftest.py``::

    pytest_plugins = ["mediasync.testing.fixtures"]

then ask for ``mediasync_cli`` to run ``mediasync`` commands in-process against the installed
plugins (yours included), in an environment of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from mediasync._cli.main import build_cli
from mediasync._plugins import load_plugins

__all__ = ["MediasyncCli", "mediasync_builtins", "mediasync_cli", "mediasync_environment"]

_OUR_VARIABLES = ("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_")


@attrs.define
class MediasyncCli:
    """Runs ``mediasync ARGS`` in-process with a freshly built command line, like the script.

    Plugins come from the installed ``mediasync`` entry points plus ``builtins`` (name, plugin
    object) pairs, loaded the same way; ``MEDIASYNC_STRICT_PLUGINS`` is set, so a plugin that
    fails to load fails the test.
    """

    builtins: list[tuple[str, object]] = attrs.field(factory=list)

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        """Runs one command; exceptions that are not ``MediasyncError`` propagate."""
        environ = {**os.environ, **(env or {})}
        plugins = load_plugins(environ=environ, builtins=self.builtins)
        runner = CliRunner()
        return runner.invoke(
            build_cli(plugins), list(args), input=input, env=env, catch_exceptions=False
        )

    def json(self, *args: str, env: Mapping[str, str] | None = None) -> Any:
        """Runs ``mediasync ARGS --json``, asserts it succeeded, returns the parsed output."""
        result = self(*args, "--json", env=env)
        assert result.exit_code == 0, f"mediasync {' '.join(args)}: exit {result.exit_code}: " + (
            result.stderr or result.stdout
        )
        return json.loads(result.stdout)


@pytest.fixture
def mediasync_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own: no ``MEDIASYNC_*`` variable from the shell, data and config under
    ``tmp_path``, strict plugin loading. Returns the directory holding ``data/`` and
    ``config/``."""
    for name in list(os.environ):
        if name.startswith(_OUR_VARIABLES):
            monkeypatch.delenv(name)
    home = tmp_path / "mediasync-home"
    config = home / "config" / "mediasync.toml"
    config.parent.mkdir(parents=True)
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.setenv("MEDIASYNC_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("MEDIASYNC_CONFIG", str(config))
    monkeypatch.setenv("MEDIASYNC_STRICT_PLUGINS", "1")
    return home


@pytest.fixture
def mediasync_builtins() -> list[tuple[str, object]]:
    """Plugins not installed as distributions that ``mediasync_cli`` loads too: append
    ``(name, module_or_object)`` pairs before running a command."""
    return []


@pytest.fixture
def mediasync_cli(
    mediasync_environment: Path, mediasync_builtins: list[tuple[str, object]]
) -> MediasyncCli:
    """Runs ``mediasync`` commands in-process: ``mediasync_cli("plugins", "--json")`` returns
    click's ``Result``; ``mediasync_cli.json("plugins")`` the parsed output."""
    return MediasyncCli(mediasync_builtins)
