"""Adding a local source: its root, its settings, its health check, its plugin registration."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from media_factory import write_jpeg
from support import CliRun, json_output

from mediasync import SettingsError, UsageError
from mediasync._plugins import load_plugins
from mediasync._settings import make_converter, parse_settings
from mediasync_local import LocalSettings, LocalSource

MakeSource = Callable[..., LocalSource]


def test_normalize_root_expands_home_and_makes_the_path_absolute(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(root.parent))
    monkeypatch.chdir(root.parent)

    assert LocalSource.normalize_root("~/root") == str(root)
    assert LocalSource.normalize_root("root/") == str(root)
    assert LocalSource.normalize_root(f"{root}/sub/..") == str(root)


@pytest.mark.parametrize(
    ("given", "message"),
    [(None, "needs --root"), ("", "needs --root"), ("missing", "does not exist")],
)
def test_normalize_root_refuses_what_is_not_an_existing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, message: str
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(UsageError, match=message):
        LocalSource.normalize_root(given)


def test_normalize_root_refuses_a_file(tmp_path: Path) -> None:
    write_jpeg(tmp_path / "a.jpg")

    with pytest.raises(UsageError, match="is not a folder"):
        LocalSource.normalize_root(str(tmp_path / "a.jpg"))


def test_check_is_healthy_for_a_readable_root(root: Path, make_source: MakeSource) -> None:
    health = make_source().check()

    assert health.ok
    assert str(root) in health.detail


def test_check_explains_a_missing_root(tmp_path: Path, make_source: MakeSource) -> None:
    health = make_source(tmp_path / "unmounted").check()

    assert not health.ok
    assert health.problem is not None
    assert "does not exist" in health.problem
    assert health.fix is not None
    assert "mount" in health.fix


def test_check_explains_a_missing_marker(make_source: MakeSource) -> None:
    health = make_source(marker_file="DISK_ID").check()

    assert not health.ok
    assert health.problem is not None
    assert "marker file DISK_ID" in health.problem


def test_check_explains_an_unlistable_root(
    root: Path, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Any) -> Any:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "scandir", refuse)

    health = make_source().check()

    assert not health.ok
    assert health.problem == f"cannot list root folder {root}: Permission denied"


def test_root_identity_is_device_and_inode_and_changes_when_the_root_is_replaced(
    root: Path, tmp_path: Path, make_source: MakeSource
) -> None:
    source = make_source()
    st = os.stat(root)
    assert source.root_identity() == f"{st.st_dev}:{st.st_ino}"

    root.rename(tmp_path / "moved")
    assert source.root_identity() is None

    root.mkdir()
    assert source.root_identity() not in (None, f"{st.st_dev}:{st.st_ino}")


def test_settings_accept_comma_separated_strings_and_lists() -> None:
    owner = "source 'pics' (local)"

    from_cli = parse_settings(
        LocalSettings,
        {"include": "*.jpg, 2024/**,", "exclude": "Trash", "follow_symlinks": "yes"},
        owner=owner,
    )
    stored = json.loads(json.dumps(make_converter().unstructure(from_cli)))
    from_storage = parse_settings(LocalSettings, stored, owner=owner)

    assert from_cli.include == ("*.jpg", "2024/**")
    assert from_cli.exclude == ("Trash",)
    assert from_cli.follow_symlinks is True
    assert stored["include"] == ["*.jpg", "2024/**"]
    assert from_storage == from_cli
    assert parse_settings(LocalSettings, {}, owner=owner) == LocalSettings()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"include": 3}, "setting 'include'"),
        ({"exclude": ["ok", 4]}, "setting 'exclude'"),
        ({"marker_file": "../elsewhere"}, "setting 'marker_file'"),
        ({"marker_file": "/etc/hostname"}, "setting 'marker_file'"),
        ({"follow_symlinks": "perhaps"}, "setting 'follow_symlinks'"),
        ({"recursive": "no"}, "unknown setting 'recursive'"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings(LocalSettings, raw, owner="source 'pics' (local)")


def test_the_plugin_registers_the_local_source_through_its_entry_point() -> None:
    plugins = load_plugins(environ={"MEDIASYNC_STRICT_PLUGINS": "1"})

    record = plugins.records["local"]
    assert (record.status, record.distribution) == ("ok", "mediasync-local")
    assert record.registered["sources"] == ["local"]
    assert plugins.source_type("local") is LocalSource


def test_sources_add_stores_normalized_root_and_split_globs(
    run: CliRun, root: Path, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'index.db'}"
    args = ["--db", database, "sources", "add", "pics", "--type", "local"]

    added = json_output(
        run([*args, "--root", f"{root}/", "--set", "include=*.jpg,*.png", "--json"])
    )

    assert added["root"] == str(root)
    assert added["settings"]["include"] == ["*.jpg", "*.png"]
    refused = run([*args, "--root", str(tmp_path / "nowhere")])
    assert refused.exit_code == 2
    assert "does not exist" in refused.stderr
