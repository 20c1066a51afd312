"""``mediasync publishers``: accounts checked and sealed like sources; ``doctor`` checks them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from core import folder_publisher
from core.publishing import Scene, publishing_scene
from sqlalchemy import create_engine, select
from support import CliRun

from mediasync._db.schema import publisher_accounts


@pytest.fixture
def scene(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> Iterator[Scene]:
    yield from publishing_scene(run, cli_builtins, database_url, tmp_path)


def stored_settings(database_url: str, name: str) -> dict[str, Any]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            query = select(publisher_accounts.c.settings).where(publisher_accounts.c.name == name)
            return dict(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_add_show_list_set_remove(scene: Scene, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    args = ["publishers", "add", "ig", "--type", "folder", "--set", f"path={elsewhere}"]
    added = scene.json(*args, "--set", "token=s3cret-token")
    assert added["settings"] == {"path": str(elsewhere), "token": "********"}
    assert (added["type"], added["kinds"], added["default_kind"]) == (
        "folder",
        ["album", "post"],
        "post",
    )
    stored = stored_settings(scene.database_url, "ig")
    assert set(stored["token"]) == {"$encrypted"}
    assert "s3cret-token" not in str(stored)
    shown = scene("publishers", "show", "ig")
    assert "s3cret-token" not in shown.stdout
    assert "token: ********" in shown.stdout
    assert [p["name"] for p in scene.json("publishers", "list")] == ["ig", "out"]

    changed = scene.json("publishers", "set", "ig", f"path={tmp_path}", "token=")
    assert changed["settings"] == {"path": str(tmp_path), "token": None}

    refused = scene("publishers", "remove", "ig", input="n\n")
    assert refused.exit_code == 1
    assert "Remove publisher account 'ig' (folder)?" in refused.stderr
    assert [p["name"] for p in scene.json("publishers", "list")] == ["ig", "out"]
    assert scene.json("publishers", "remove", "ig", "--yes") == {"name": "ig"}
    assert [p["name"] for p in scene.json("publishers", "list")] == ["out"]


def test_a_secret_reference_is_stored_as_the_reference(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLDER_TOKEN", "from-the-environment")
    args = ["publishers", "set", "out", "token=$env:FOLDER_TOKEN"]
    assert scene.json(*args)["settings"]["token"] == "$env:FOLDER_TOKEN"
    assert stored_settings(scene.database_url, "out")["token"] == {"$env": "FOLDER_TOKEN"}
    (scene.folder / ".token").write_text("from-the-environment")
    assert scene("publish", str(scene.ids["a.jpg"]), "--to", "out").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "folder"], "publisher account 'x' (folder): setting 'path': required key"),
        (
            ["--type", "folder", "--set", "path=/p", "--set", "colour=red"],
            "unknown setting 'colour' (known: path, token)",
        ),
        (
            ["--type", "folder", "--set", "path=/p", "--set", "token=$env:NOT_SET_ANYWHERE"],
            "environment variable NOT_SET_ANYWHERE is not set",
        ),
        (["--type", "folder", "--set", "path"], "expected key=value, got 'path'"),
        (
            ["--type", "mastodon"],
            "unknown publisher type 'mastodon' (installed publisher types: folder",
        ),
    ],
    ids=["missing", "unknown-key", "unset-reference", "not-key-value", "unknown-type"],
)
def test_bad_settings_are_refused_and_nothing_is_stored(
    scene: Scene, args: list[str], message: str
) -> None:
    result = scene("publishers", "add", "x", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert [p["name"] for p in scene.json("publishers", "list")] == ["out"]


def test_names_are_checked_and_unique(scene: Scene) -> None:
    bad = scene("publishers", "add", "no good", "--type", "folder", "--set", "path=/p")
    assert bad.exit_code == 2
    assert "invalid publisher account name 'no good'" in bad.stderr
    taken = scene("publishers", "add", "out", "--type", "folder", "--set", "path=/p")
    assert taken.exit_code == 2
    assert "a publisher account named 'out' already exists" in taken.stderr
    missing = scene("publishers", "show", "nope")
    assert missing.exit_code == 2
    assert "no publisher account named 'nope' (accounts: out)" in missing.stderr


def test_a_bad_value_at_set_changes_nothing(scene: Scene) -> None:
    before = scene.json("publishers", "show", "out")
    result = scene("publishers", "set", "out", "colour=red")
    assert result.exit_code == 2
    assert "unknown setting 'colour'" in result.stderr
    assert scene.json("publishers", "show", "out") == before
    assert "nothing to change" in scene("publishers", "set", "out").stderr


def test_doctor_runs_every_accounts_check(scene: Scene, tmp_path: Path) -> None:
    healthy = scene("doctor")
    assert "ok    publisher out: 0 posts" in healthy.stdout
    (scene.folder / ".token").write_text("right")
    result = scene("doctor", "--json")
    assert result.exit_code == 1  # the findings are printed all the same
    finding = next(f for f in json.loads(result.stdout) if f["check"] == "publisher out")
    assert finding["status"] == "error"
    assert finding["message"] == f"folder {scene.folder} refused the token"
    assert finding["fix"] == "set the right token"
    assert scene.posts() == 0, "doctor must not publish"


def test_doctor_names_an_account_whose_type_is_not_installed(
    scene: Scene, cli_builtins: list[tuple[str, object]]
) -> None:
    cli_builtins.remove(("folder", folder_publisher))
    result = scene("doctor")
    assert result.exit_code == 1
    assert "FAIL  publisher out: publisher type 'folder' is not installed" in result.stdout
    shown = scene.json("publishers", "show", "out")
    assert (shown["kinds"], shown["default_kind"]) == ([], None)
