"""Bad input for the folder map: folders it does not know, tokens Drive refuses, a stored map
that is corrupt, old or wrong, and an account far bigger than the tree."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import SQLITE_ONLY, Mediasync
from gdrive.test_folder_map import changed, index, listing
from gdrive.test_folder_map import sync as sync_run

from mediasync import Workspace
from mediasync_gdrive._foldermap import FORMAT
from mediasync_gdrive._mapstore import BASE, LATEST, MapStore, parse_cursor

SCOPE = "source:lib"
LOG: list[pytest.LogCaptureFixture] = []


@pytest.fixture(autouse=True)
def gdrive_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="mediasync")
    LOG[:] = [caplog]


def sync(mediasync: Mediasync, name: str, *flags: str) -> tuple[dict[str, Any], str]:
    """(the run's record, what the plugin and the engine logged during it)."""
    LOG[0].clear()
    run, _stderr = sync_run(mediasync, name, *flags)
    return run, LOG[0].text


@pytest.fixture
def key(service_key: dict[str, Any]) -> dict[str, Any]:
    return service_key


def library(mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any], *extra: str) -> str:
    root = drive.folder("Library")
    drive.share(root, key["client_email"])
    for path in ("2024/a.jpg", "2024/summer/b.jpg", "2023/c.jpg", "d.jpg"):
        drive.add_file(path, under=root)
    assert mediasync.connect("lib", root, *extra).exit_code == 0
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"added": 4}
    drive.reset_counts()
    return root


def stored(mediasync: Mediasync, key: str = LATEST) -> Any:
    with Workspace.open(database_url=mediasync.database_url) as workspace:
        return workspace.get_state("gdrive", SCOPE, key)


def store(mediasync: Mediasync, key: str, value: Any) -> None:
    with Workspace.open(database_url=mediasync.database_url) as workspace:
        workspace.set_state("gdrive", SCOPE, key, value)


@SQLITE_ONLY
def test_a_folder_the_map_does_not_know_has_its_ancestry_fetched_once(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = library(mediasync, drive, key, "--set", "page_size=2")
    trip = drive.folder("Trip", under=root)
    drive.add_file("Trip/day 1/one.jpg", under=root)
    drive.rename(trip, "Trip 2024")  # the folder's entry now comes after its child's
    run, _log = sync(mediasync, "lib")
    assert changed(run) == {"added": 1}
    assert drive.calls["files.get"] == 1, dict(drive.calls)
    assert index(mediasync, "lib") == listing(drive, root, key)


@SQLITE_ONLY
def test_changes_below_a_folder_outside_the_tree_are_ignored(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    library(mediasync, drive, key)
    other = drive.folder("Other")
    drive.share(other, key["client_email"])
    drive.add_file("Other/sub/x.jpg")
    assert changed(sync(mediasync, "lib")[0]) == {}
    assert drive.calls["files.get"] == 1, "the parent of Other, which it cannot see"
    drive.reset_counts()
    drive.add_file("Other/sub/y.jpg")
    drive.add_file("Other/z.jpg")
    assert changed(sync(mediasync, "lib")[0]) == {}
    assert drive.api_calls() == drive.calls["changes.list"] == 1, "known to be outside"


@SQLITE_ONLY
def test_a_token_drive_refuses_falls_back_to_a_full_scan_and_says_so(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    library(mediasync, drive, key)
    drive.store.expire_tokens()
    run, log = sync(mediasync, "lib")
    assert run["status"] == "ok"
    assert changed(run) == {}
    assert "falling back to a full scan" in log
    drive.reset_counts()
    assert changed(sync(mediasync, "lib")[0]) == {}
    assert drive.api_calls() == drive.calls["changes.list"] == 1


@pytest.mark.parametrize("damage", ["corrupt", "older format", "lost"])
@SQLITE_ONLY
def test_a_damaged_map_is_rebuilt_by_a_full_scan_and_removes_nothing(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any], damage: str
) -> None:
    root = library(mediasync, drive, key)
    value = stored(mediasync)
    if damage == "corrupt":
        store(mediasync, LATEST, {**value, "nodes": {"x": "not a folder"}})
    elif damage == "older format":
        store(mediasync, LATEST, {**value, "format": 1})
    else:
        store(mediasync, LATEST, None)
        store(mediasync, BASE, None)
    run, log = sync(mediasync, "lib")
    assert run["status"] == "ok"
    assert changed(run) == {}
    assert "a full scan rebuilds it" in log
    assert drive.calls["files.list"] >= 1
    assert stored(mediasync)["format"] == FORMAT
    drive.reset_counts()
    drive.rename(drive.folder("2024", under=root), "Twenty-four")
    assert changed(sync(mediasync, "lib")[0]) == {"moved": 2}
    assert drive.api_calls() <= 3


def test_a_cursor_of_the_previous_plugin_has_no_map(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_cursor("0Adrive:1234") == ("1234", "0Adrive", None)
    assert parse_cursor("1234") == ("1234", None, None)
    assert parse_cursor("v2~abc~~99") == ("99", None, "abc")

    class Loose:
        name = "old"
        state_store = None

    with caplog.at_level("WARNING", logger="mediasync.gdrive"):
        assert MapStore(Loose()).load(None) is None  # type: ignore[arg-type]
    assert "older version of the plugin" in caplog.text


@SQLITE_ONLY
def test_the_reconcile_finds_a_wrong_map_logs_it_and_repairs_it(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    root = library(mediasync, drive, key)
    value = stored(mediasync)
    year = drive.folder("2024", under=root)
    value["nodes"][year][1] = "Twenty"  # drifted: the map says the folder is named otherwise
    store(mediasync, LATEST, value)
    drive.rename(drive.folder("2023", under=root), "Old")  # a real change, read on the way

    run, log = sync(mediasync, "lib", "--full")

    assert changed(run) == {"moved": 1}
    assert "differed from Drive in 1 folders ('Twenty' is '2024')" in log
    assert stored(mediasync)["nodes"][year][1] == "2024"
    run, log = sync(mediasync, "lib", "--full")
    assert "matches Drive" in log
    assert index(mediasync, "lib") == listing(drive, root, key)


@SQLITE_ONLY
def test_a_tree_in_a_much_bigger_account_is_walked_and_says_so(
    mediasync: Mediasync, drive: FakeDrive, key: dict[str, Any]
) -> None:
    archive = drive.folder("Archive")
    drive.share(archive, key["client_email"])
    for number in range(40):
        drive.folder(f"box {number}/inner", under=archive)
    root = drive.folder("Small")
    drive.share(root, key["client_email"])
    for path in ("a/1.jpg", "a/b/2.jpg", "3.jpg"):
        drive.add_file(path, under=root)
    settings = ("--set", "page_size=20", "--set", "parents_per_query=5")
    assert mediasync.connect("small", root, *settings).exit_code == 0

    run, log = sync(mediasync, "small")

    assert changed(run) == {"added": 3}
    assert "listing the tree level by level instead" in log
    assert drive.calls["files.list"] <= 5, dict(drive.calls)
    drive.rename(drive.folder("a", under=root), "A")
    assert changed(sync(mediasync, "small")[0]) == {"moved": 2}
    assert index(mediasync, "small") == listing(drive, root, key)
