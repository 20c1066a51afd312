"""What a new user meets at the edges of the command line: pipes, typos, and wrong paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from media_factory import write_jpeg
from support import CliRun, json_output

from mediasync import UsageError, hookimpl
from mediasync._config import AppConfig, unknown_environment


def sources(run: CliRun, database_url: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json_output(
        run(["--db", database_url, "sources", "list", "--json"])
    )
    return listed


# -- output into a closed pipe -------------------------------------------------------------------


def test_output_into_a_closed_pipe_ends_quietly(run: CliRun, tmp_path: Path) -> None:
    # 300 lines of some 450 characters, one write each: far more than a pipe holds (64 KiB), so
    # lines are still being written when the reader goes away (``| head -1``).
    folder = tmp_path / "photos"
    deep = folder / ("a" * 200) / ("b" * 200)
    for n in range(300):
        write_jpeg(deep / f"IMG_{n:04}.jpg", seed=n)
    assert run(["sync", str(folder)]).exit_code == 0
    command = [sys.executable, "-m", "mediasync", "items", "list", "--limit", "1000"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert process.stdout is not None
    assert "IMG_0000.jpg" in process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert "error" not in stderr


# -- a SQLite database in a folder that does not exist --------------------------------------------


def test_a_missing_database_folder_is_refused_not_created(run: CliRun, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    url = f"sqlite:///{missing}/x.db"

    result = run(["--db", url, "status"])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot open {url}: folder {missing} does not exist"
    ]
    assert not (tmp_path / "no").exists()


def test_a_missing_database_folder_from_the_environment_is_refused(
    run: CliRun, tmp_path: Path
) -> None:
    missing = tmp_path / "typo"

    result = run(["status"], MEDIASYNC_DATABASE_URL=f"sqlite:///{missing}/index.db")

    assert result.exit_code == 1
    assert f"folder {missing} does not exist" in result.stderr
    assert not missing.exists()


def test_the_default_database_folder_is_ours_to_make(run: CliRun) -> None:
    data_dir = AppConfig().resolved_data_dir()
    assert not data_dir.exists()

    assert run(["status"]).exit_code == 0

    assert (data_dir / "index.db").is_file()


# -- misspelt environment variables ---------------------------------------------------------------


def test_a_misspelt_variable_is_named_once_with_the_nearest_known_one(
    run: CliRun, tmp_path: Path
) -> None:
    result = run(["status"], MEDIASYNC_DATABSE_URL=f"sqlite:///{tmp_path}/index.db")

    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: unknown environment variable MEDIASYNC_DATABSE_URL "
        "(did you mean MEDIASYNC_DATABASE_URL?)"
    ]


def test_an_unknown_variable_like_no_known_one_gets_no_guess() -> None:
    assert unknown_environment({"MEDIASYNC_ZZZ": "1"}) == [
        "unknown environment variable MEDIASYNC_ZZZ"
    ]


def test_variables_mediasync_reads_are_not_reported() -> None:
    environ = dict.fromkeys(
        [
            "MEDIASYNC_LOAD_PLUGINS",
            "MEDIASYNC_DISABLE_PLUGINS",
            "MEDIASYNC_STRICT_PLUGINS",
            "MEDIASYNC_CONFIG",
            "MEDIASYNC_TEST_POSTGRES_URL",
            "MEDIASYNC_MODEL_PROFILE",
            "MEDIASYNC_BENCH_POSTGRES_URL",
            "MEDIASYNC_DATABASE_URL",
            "MEDIASYNC_DATA_DIR",
            "MEDIASYNC_LOG_FORMAT",
            "MEDIASYNC_SYNC_HASH_WORKERS",
            "MEDIASYNC_DEFAULT_SOURCE_ROOT",
            "MEDIA_SYNC_ENABLED",
            "HOME",
        ],
        "1",
    )
    assert unknown_environment(environ) == []


# -- click's usage errors look like every other error --------------------------------------------


@click.command("hello")
@click.option("--name", required=True)
@click.option("--json", "as_json", is_flag=True)
def hello_command(name: str, as_json: bool) -> None:
    click.echo(json.dumps({"hello": name}) if as_json else f"hello {name}")


class HelloPlugin:
    """A plugin's own command, with its own ``--json``: the root group's rules reach it too."""

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        cli.add_command(hello_command)


@pytest.fixture
def with_hello(cli_builtins: list[tuple[str, object]]) -> None:
    cli_builtins.append(("hello", HelloPlugin()))


@pytest.mark.usefixtures("with_hello")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["items", "list", "--limit", "-3"], ["--limit", "-3"]),
        (["items", "list", "--frobnicate"], ["--frobnicate"]),
        (["items", "show"], ["ITEM_ID"]),
        (["--frobnicate", "status"], ["--frobnicate"]),
        (["hello"], ["--name"]),
        (["hello", "--name"], ["--name"]),
    ],
    ids=["bad-value", "unknown-option", "missing-argument", "root-option", "plugin", "no-value"],
)
def test_usage_errors_are_one_line(run: CliRun, args: list[str], words: list[str]) -> None:
    result = run(args)

    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert all(word in line for word in words), line


def test_help_is_unchanged(run: CliRun) -> None:
    result = run(["items", "list", "--help"])

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "items list [OPTIONS]" in result.stdout
    assert "--limit" in result.stdout


def test_a_group_without_a_command_still_shows_its_help(run: CliRun) -> None:
    result = run(["items"])

    assert "items [OPTIONS] COMMAND" in result.output
    assert "error:" not in result.output


# -- --json and -v on either side of the command --------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "sources", "list"],
        ["sources", "list", "--json"],
        ["--json", "status"],
        ["status", "--json"],
    ],
)
def test_json_before_or_after_the_command(
    run: CliRun, tmp_path: Path, database_url: str, args: list[str]
) -> None:
    (tmp_path / "photos").mkdir()
    assert run(["--db", database_url, "sync", str(tmp_path / "photos")]).exit_code == 0

    listed = json_output(run(["--db", database_url, *args]))

    assert [entry["name"] for entry in listed] == ["photos"]


@pytest.mark.usefixtures("with_hello")
@pytest.mark.parametrize("args", [["--json", "hello"], ["hello", "--json"]])
def test_json_before_a_plugin_command(run: CliRun, args: list[str]) -> None:
    assert json_output(run([*args, "--name", "you"])) == {"hello": "you"}


@pytest.mark.parametrize("args", [["-v", "status"], ["status", "-v"], ["status", "--verbose"]])
def test_verbose_before_or_after_the_command(run: CliRun, tmp_path: Path, args: list[str]) -> None:
    result = run(["--db", f"sqlite:///{tmp_path}/missing/x.db", *args])

    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: cannot open")


def test_without_verbose_an_error_is_one_line(run: CliRun, tmp_path: Path) -> None:
    result = run(["--db", f"sqlite:///{tmp_path}/missing/x.db", "status"])

    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1


# -- status --------------------------------------------------------------------------------------


def test_status_says_never_synced_once(run: CliRun, tmp_path: Path, database_url: str) -> None:
    add = ["--db", database_url, "sources", "add", "--type", "local", "--root", str(tmp_path)]
    assert run([*add, "fresh"]).exit_code == 0
    assert run([*add, "off", "--disabled"]).exit_code == 0

    result = run(["--db", database_url, "status"])

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "fresh: never synced; 0 items, 0 removed",
        "off: disabled; 0 items, 0 removed; never synced",
    ]


# -- sync PATH for what is not a folder -----------------------------------------------------------


def test_sync_of_a_path_that_does_not_exist(run: CliRun, tmp_path: Path, database_url: str) -> None:
    missing = tmp_path / "nope"

    result = run(["--db", database_url, "sync", str(missing)])

    assert result.exit_code == UsageError.exit_code
    assert result.stderr.splitlines() == [
        f"error: {missing} does not exist: give the folder that holds your photos and videos"
    ]
    assert sources(run, database_url) == []


def test_sync_of_a_file(run: CliRun, tmp_path: Path, database_url: str) -> None:
    photo = write_jpeg(tmp_path / "a.jpg")

    result = run(["--db", database_url, "sync", str(photo)])

    assert result.exit_code == UsageError.exit_code
    assert result.stderr.splitlines() == [f"error: {photo} is a file, not a folder"]
    assert sources(run, database_url) == []


def test_one_bad_path_registers_none_of_the_others(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    good = tmp_path / "good"
    good.mkdir()

    result = run(["--db", database_url, "sync", str(good), str(tmp_path / "nope")])

    assert result.exit_code == UsageError.exit_code
    assert sources(run, database_url) == []


def test_first_command_without_a_pictures_folder_says_so_and_creates_nothing(
    run: CliRun, tmp_path: Path, isolated_user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command on a machine with no ~/Pictures: no database, no key."""
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))

    result = run(["sync", "~/Pictures"])

    assert result.exit_code == UsageError.exit_code
    assert result.stderr.splitlines() == [
        "error: ~/Pictures does not exist: give the folder that holds your photos and videos"
    ]
    assert not (isolated_user / "data").exists()
    assert list(home.iterdir()) == []
