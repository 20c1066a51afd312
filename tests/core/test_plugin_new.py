"""``mediasync plugin new NAME``: a plugin distribution that installs, loads, and passes its own
tests (the conformance suite) as generated; a bad name or a taken folder writes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import CliRun

from mediasync._plugin_new import core_requirement

TIMEOUT = 60


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
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def test_a_new_plugin_installs_loads_and_passes_its_conformance_tests(
    run: CliRun, tmp_path: Path
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    created = run(["plugin", "new", "photo_box", "--dir", str(folder)])
    assert created.exit_code == 0, created.stderr
    plugin = folder / "mediasync-photo-box"
    assert created.stdout.splitlines()[0] == f"created {plugin}"
    assert [p.name for p in folder.iterdir()] == ["mediasync-photo-box"]
    pyproject = (plugin / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.mediasync]\nphoto_box = "mediasync_photo_box.plugin"' in pyproject
    assert '"mediasync-core>=0.1,<0.2"' in pyproject
    source = (plugin / "src" / "mediasync_photo_box" / "source.py").read_text(encoding="utf-8")
    assert "class PhotoBoxSource(Source):" in source
    assert 'type_name = "photo-box"' in source

    site = tmp_path / "site"
    env = _environment(site, tmp_path / "home")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    installed = _run([*pip, "--no-index", "--target", str(site), str(plugin)], env, plugin)
    assert installed.returncode == 0, f"pip install failed (hatchling?):\n{installed.stderr}"
    tested = _run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"], env, plugin)

    assert tested.returncode == 0, tested.stdout + tested.stderr
    summary = tested.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed is not None, summary
    assert int(passed.group(1)) >= 20, summary
    for test in [
        "tests/test_plugin.py::test_the_plugin_loads_and_registers_its_source",
        "tests/test_plugin.py::test_settings_are_typed",
        "tests/test_conformance.py::TestPhotoBoxSource::test_listing_matches_media_files",
    ]:
        assert f"{test} PASSED" in tested.stdout, f"{test} did not pass:\n{tested.stdout}"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Dropbox", "plugin name 'Dropbox' is not a lowercase Python identifier"),
        ("drop-box", "(try 'drop_box')"),
        ("9lives", "is not a lowercase Python identifier"),
        ("class", "is not a lowercase Python identifier"),
        ("", "is not a lowercase Python identifier"),
        ("core", "plugin name 'core' is mediasync's own: choose another"),
    ],
)
def test_a_bad_name_is_one_line_and_writes_nothing(
    run: CliRun, tmp_path: Path, name: str, message: str
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    result = run(["plugin", "new", name, "--dir", str(folder)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert list(folder.iterdir()) == []


def test_a_folder_that_exists_is_left_alone(run: CliRun, tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    taken = folder / "mediasync-dropbox"
    taken.mkdir(parents=True)
    (taken / "mine.txt").write_text("keep me", encoding="utf-8")
    result = run(["plugin", "new", "dropbox", "--dir", str(folder)])
    missing = run(["plugin", "new", "dropbox", "--dir", str(folder / "nowhere")])

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {taken} already exists: remove it or choose another --dir\n"
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    assert [p.name for p in folder.iterdir()] == ["mediasync-dropbox"]
    assert missing.exit_code == 2
    assert "nowhere' does not exist" in missing.stderr


def test_the_core_requirement_keeps_to_the_releases_with_the_same_plugin_api() -> None:
    assert core_requirement("0.1.0") == "mediasync-core>=0.1,<0.2"
    assert core_requirement("0.12.3.dev1") == "mediasync-core>=0.12,<0.13"
    assert core_requirement("1.4.0") == "mediasync-core>=1.4,<2"


def test_help_lists_the_command_without_importing_it() -> None:
    probe = (
        "import sys\nfrom mediasync._cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if 'plugin_cmd' in m or 'plugin_new' in m))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "  plugin " in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
