"""The example plugin of docs/plugins.md, built and installed for real, works as documented.

It is installed with pip into a directory of its own (``--target``), found through
``PYTHONPATH`` by the real console entry point, and its own tests (the conformance suite) run
against the installed copy: what a third-party author would do, end to end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-plugin"
TIMEOUT = 120
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "build", "dist", "*.egg-info")


def _environment(site: Path, home: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_", "PYTEST_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")])),
        PYTHONDONTWRITEBYTECODE="1",
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        MEDIASYNC_DATA_DIR=str(home / "mediasync"),
        MEDIASYNC_STRICT_PLUGINS="1",
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(copy of the example's source tree, directory it was pip-installed into)."""
    source = tmp_path_factory.mktemp("example") / "example-plugin"
    shutil.copytree(EXAMPLE, source, ignore=IGNORED)
    site = tmp_path_factory.mktemp("site")
    result = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ],
        env=_environment(site, tmp_path_factory.mktemp("home")),
        cwd=source,
    )
    assert result.returncode == 0, f"pip install failed (is hatchling installed?):\n{result.stderr}"
    assert list(site.glob("example_mediasync_plugin-*.dist-info/entry_points.txt"))
    return source, site


def test_installed_example_plugin_loads_through_the_console_script(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _source, site = installed
    env = _environment(site, tmp_path)
    env["MEDIASYNC_LOAD_PLUGINS"] = "example"
    result = _run([sys.executable, "-m", "mediasync", "plugins", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    records = {record["name"]: record for record in json.loads(result.stdout)}
    example = records["example"]
    assert example["status"] == "ok", example["error"]
    assert example["distribution"] == "example-mediasync-plugin"
    assert example["version"] == "0.1.0"
    assert example["registered"]["sources"] == ["example-folder"]
    assert example["registered"]["publishers"] == ["example-outbox"]
    assert records["core"]["status"] == "ok"
    assert result.stderr == ""


def test_example_plugin_passes_its_own_conformance_tests(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    source, site = installed
    result = _run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
        _environment(site, tmp_path),
        source,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed is not None, summary
    assert int(passed.group(1)) >= 20, summary
    for test in [
        "tests/test_plugin.py::test_plugin_loads_and_registers_its_source",
        "tests/test_conformance.py::TestExampleFolderSource::test_listing_matches_media_files",
        "tests/test_conformance.py::TestExampleFolderSource::test_hostile_names_stay_inside_the_root",
        "tests/test_publisher.py::TestExampleOutboxPublisher::"
        "test_interrupted_after_any_step_then_resumed_posts_once",
        "tests/test_publisher.py::TestExampleOutboxPublisher::test_invalid_settings_are_refused",
    ]:
        assert f"{test} PASSED" in result.stdout, f"{test} did not pass:\n{result.stdout}"


def test_the_publisher_on_the_plugin_page_is_the_example_plugins() -> None:
    """docs/plugins.md shows the example's publisher and its tests whole: what a reader copies
    is what these tests install and run."""
    page = (EXAMPLE.parent / "plugins.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    for path in ("src/example_mediasync_plugin/publisher.py", "tests/test_publisher.py"):
        assert (EXAMPLE / path).read_text(encoding="utf-8") in blocks, f"{path} differs"
