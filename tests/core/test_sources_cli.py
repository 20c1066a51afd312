from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import create_engine, select
from support import CliRun, json_output

from mediasync import HealthCheck, MediaEntry, Secret, Source, UsageError, hookimpl
from mediasync._db.schema import sources

FOLDER_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")


def _folder_id(_instance: object, _attribute: object, value: str) -> None:
    if not FOLDER_ID.match(value):
        raise ValueError(f"setting 'folder_id': {value!r} is not a folder id")


@attrs.frozen
class VaultSettings:
    account: str
    folder_id: str = attrs.field(validator=_folder_id)
    token: Secret | None = None
    retries: int = 3
    public: bool = False


class VaultSource(Source):
    type_name = "vault"
    Settings = VaultSettings
    root_required = False

    def list_entries(self) -> Iterator[MediaEntry]:
        return iter(())

    def check(self) -> HealthCheck:
        return HealthCheck.healthy()


class ValidatingRootSource(VaultSource):
    type_name = "rooted"
    Settings = VaultSettings
    root_required = True

    @classmethod
    def normalize_root(cls, root: str | None) -> str | None:
        root = super().normalize_root(root)
        assert root is not None
        if not root.startswith("/"):
            raise UsageError(f"root {root!r} must be an absolute path")
        return root.rstrip("/") or "/"


class VaultPlugin:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register(VaultSource)
        register(ValidatingRootSource)


@pytest.fixture
def cli(run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str) -> CliRun:
    cli_builtins.append(("vault", VaultPlugin()))

    def invoke(*args: str, **kwargs: Any) -> Any:
        return run(["--db", database_url, *args], **kwargs)

    return invoke


GOOD = ["--set", "account=alice", "--set", "folder_id=1AbCdEfGhIjK"]


def stored_settings(database_url: str, name: str) -> dict[str, Any]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            row = connection.execute(select(sources.c.settings).where(sources.c.name == name))
            return dict(row.scalar_one())
    finally:
        engine.dispose()


def source_count(cli: CliRun) -> int:
    return len(json_output(cli("sources", "list", "--json")))


def test_add_list_show_enable_disable_remove(cli: CliRun) -> None:
    added = json_output(cli("sources", "add", "photos", "--type", "vault", *GOOD, "--json"))
    assert added["name"] == "photos"
    assert added["settings"] == {
        "account": "alice",
        "folder_id": "1AbCdEfGhIjK",
        "token": None,
        "retries": 3,
        "public": False,
    }
    listed = json_output(cli("sources", "list", "--json"))
    assert [s["name"] for s in listed] == ["photos"]
    assert listed[0]["items"] == {"active": 0, "removed": 0}
    assert json_output(cli("sources", "disable", "photos", "--json"))["enabled"] is False
    assert json_output(cli("sources", "show", "photos", "--json"))["enabled"] is False
    assert json_output(cli("sources", "enable", "photos", "--json"))["enabled"] is True
    removed = cli("sources", "remove", "photos", "--yes")
    assert removed.exit_code == 0
    assert source_count(cli) == 0


def test_typed_settings_are_converted_from_strings(cli: CliRun) -> None:
    result = cli(
        "sources",
        "add",
        "p",
        "--type",
        "vault",
        *GOOD,
        "--set",
        "retries=7",
        "--set",
        "public=yes",
        "--interval",
        "60",
        "--json",
    )
    data = json_output(result)
    assert (data["settings"]["retries"], data["settings"]["public"]) == (7, True)
    assert data["interval_seconds"] == 60


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "account=a", "--set", "folder_id=bad id!"], "is not a folder id"),
        (["--set", "folder_id=1AbCdEfGhIjK"], "setting 'account': required key is missing"),
        ([*GOOD, "--set", "colour=red"], "unknown setting 'colour'"),
        ([*GOOD, "--set", "retries=many"], "setting 'retries'"),
        ([*GOOD, "--set", "public=perhaps"], "setting 'public'"),
        ([*GOOD, "--set", "token=$env:NOT_SET_ANYWHERE"], "NOT_SET_ANYWHERE is not set"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_stored(
    cli: CliRun, args: list[str], expected: str
) -> None:
    result = cli("sources", "add", "photos", "--type", "vault", *args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert source_count(cli) == 0


def test_unknown_type_lists_installed_types(cli: CliRun) -> None:
    result = cli("sources", "add", "photos", "--type", "dropbox")
    assert result.exit_code == 2
    assert "unknown source type 'dropbox' (installed source types:" in result.stderr
    assert "vault" in result.stderr
    assert source_count(cli) == 0


def test_duplicate_name_is_refused_and_first_is_kept(cli: CliRun) -> None:
    assert cli("sources", "add", "photos", "--type", "vault", *GOOD).exit_code == 0
    result = cli(
        "sources",
        "add",
        "photos",
        "--type",
        "vault",
        "--set",
        "account=bob",
        "--set",
        "folder_id=ZZZZZZZZZZZZ",
    )
    assert result.exit_code == 2
    assert "a source named 'photos' already exists" in result.stderr
    assert json_output(cli("sources", "show", "photos", "--json"))["settings"]["account"] == "alice"


@pytest.mark.parametrize("args", [[], ["--root", "relative/path"]])
def test_root_is_validated_by_the_source_type(cli: CliRun, args: list[str]) -> None:
    result = cli("sources", "add", "r", "--type", "rooted", *GOOD, *args)
    assert result.exit_code == 2
    assert "needs --root" in result.stderr or "must be an absolute path" in result.stderr
    assert source_count(cli) == 0


@pytest.mark.parametrize("interval", ["0", "-3", "soon"])
def test_bad_interval_is_a_usage_error(cli: CliRun, interval: str) -> None:
    result = cli("sources", "add", "p", "--type", "vault", *GOOD, "--interval", interval)
    assert result.exit_code == 2
    assert source_count(cli) == 0


@pytest.mark.parametrize("name", ["", "-flag", "has space", "a/b", "x" * 101])
def test_bad_names(cli: CliRun, name: str) -> None:
    result = cli("sources", "add", "--type", "vault", *GOOD, "--", name)
    assert result.exit_code == 2
    assert source_count(cli) == 0


def test_secret_is_encrypted_at_rest_and_redacted(
    cli: CliRun, database_url: str, isolated_user: Path
) -> None:
    token = "tok-" + os.urandom(8).hex()
    result = cli("sources", "add", "p", "--type", "vault", *GOOD, "--set", f"token={token}")
    assert result.exit_code == 0
    assert token not in result.output
    shown = cli("sources", "show", "p")
    assert token not in shown.output
    assert "token: ********" in shown.stdout
    stored = stored_settings(database_url, "p")
    assert set(stored["token"]) == {"$encrypted"}
    assert token not in json.dumps(stored)
    key_file = isolated_user / "data" / "mediasync" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_secret_from_environment_is_stored_as_reference(
    cli: CliRun, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "from-env-secret")
    result = cli("sources", "add", "p", "--type", "vault", *GOOD, "--set", "token=$env:VAULT_TOKEN")
    assert result.exit_code == 0
    assert stored_settings(database_url, "p")["token"] == {"$env": "VAULT_TOKEN"}
    assert json_output(cli("sources", "show", "p", "--json"))["settings"]["token"] == (
        "$env:VAULT_TOKEN"
    )


def test_unknown_source_name(cli: CliRun) -> None:
    cli("sources", "add", "photos", "--type", "vault", *GOOD)
    for command in ("show", "enable", "disable", "remove"):
        result = cli("sources", command, "nope", *(["--yes"] if command == "remove" else []))
        assert result.exit_code == 2
        assert "no source named 'nope' (sources: photos)" in result.stderr


def test_remove_without_yes_asks_and_keeps_on_no(cli: CliRun) -> None:
    cli("sources", "add", "photos", "--type", "vault", *GOOD)
    result = cli("sources", "remove", "photos", input="n\n")
    assert result.exit_code == 1
    assert source_count(cli) == 1


def test_bad_set_syntax(cli: CliRun) -> None:
    result = cli("sources", "add", "p", "--type", "vault", "--set", "novalue")
    assert result.exit_code == 2
    assert "expected key=value" in result.output
