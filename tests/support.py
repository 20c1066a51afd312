"""Small helpers shared by test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import Result

CliRun = Callable[..., Result]


def json_output(result: Result) -> Any:
    """The command's stdout parsed as JSON, failing with its stderr when it did not succeed."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)
