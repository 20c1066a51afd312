"""Drive answers mediasync cannot read (JSON cut off, fields missing, values of the wrong type,
a proxy's HTML page, a 200 whose body is HTML) on ``files.list``, ``changes.list``, uploads
and the token endpoint: ``mediasync sync`` and ``mediasync copy`` end in one ``error:`` line
naming Drive, exit 1, no traceback, and change nothing (the index, the copies)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fakes.drive import FakeDrive
from gdrive.helpers import FAST
from media_factory import write_jpeg
from proofs.drive_truth import drive_truth
from support import CliRun, json_output

LIBRARY = ("beach.jpg", "2024/summer/sunset.png", "2024/winter/snow.jpg", "2023/old.jpg")
HTML = "text/html; charset=UTF-8"

CUT_OFF = {"kind": "malformed"}
UNREADABLE: dict[str, dict[str, Any]] = {
    "cut-off JSON": CUT_OFF,
    "proxy 502 page": {"kind": "html", "status": 502, "count": 20},
    "proxy 503 page": {"kind": "html", "status": 503, "count": 20},
    "200 with an HTML page": {"kind": "html", "status": 200},
    "200 HTML as JSON": {"kind": "malformed", "body": b"<html>sign in</html>"},
    "a JSON list": {"kind": "malformed", "body": b"[]"},
    "null": {"kind": "malformed", "body": b"null"},
}
FILES_LIST: dict[str, dict[str, Any]] = {
    **UNREADABLE,
    "files not a list": {"kind": "malformed", "body": b'{"files": "none"}'},
    "a file without id": {
        "kind": "malformed",
        "body": b'{"files": [{"name": "x.jpg", "mimeType": "image/jpeg", "parents": ["p"]}]}',
    },
    "a file of wrong types": {
        "kind": "malformed",
        "body": b'{"files": [{"id": 5, "name": ["x"], "mimeType": 3, "size": "big",'
        b' "parents": "p", "modifiedTime": 12}]}',
    },
    "a file that is a string": {"kind": "malformed", "body": b'{"files": ["x.jpg"]}'},
    "nextPageToken not a string": {
        "kind": "malformed",
        "body": b'{"files": [], "nextPageToken": 7}',
    },
}
CHANGES_LIST: dict[str, dict[str, Any]] = {
    **UNREADABLE,
    "no token at all": {"kind": "malformed", "body": b'{"changes": []}'},
    "changes not a list": {
        "kind": "malformed",
        "body": b'{"changes": {"a": 1}, "newStartPageToken": "9"}',
    },
    "a change without fileId": {
        "kind": "malformed",
        "body": b'{"changes": [{"removed": true}], "newStartPageToken": "9"}',
    },
    "a change of wrong types": {
        "kind": "malformed",
        "body": b'{"changes": [{"fileId": 1, "removed": "no", "file": "x"}],'
        b' "newStartPageToken": 9}',
    },
}
TOKEN: dict[str, dict[str, Any]] = {  # not a 503: google-auth asks again for ~20 s, then fails
    **{name: fault for name, fault in UNREADABLE.items() if fault.get("status") != 503},
    "no access_token": {"kind": "malformed", "body": b'{"token_type": "Bearer"}'},
    "wrong types": {"kind": "malformed", "body": b'{"access_token": 5, "expires_in": "soon"}'},
}


COPY: dict[str, tuple[str, dict[str, Any]]] = {
    "files.list cut off": ("files.list", CUT_OFF),
    "files.list 502 pages": ("files.list", {"kind": "html", "status": 502, "count": 20}),
    "files.list files of wrong types": ("files.list", FILES_LIST["a file of wrong types"]),
    "folder created without id": ("files.create", {"kind": "malformed", "body": b"{}"}),
    "upload session 200 HTML": ("files.create.upload", {"kind": "html", "status": 200}),
    "upload session cut off": ("files.create.upload", CUT_OFF),
}


def one_error_line(result: Result, *names: str) -> str:
    """The command failed with one ``error:`` line that names what it should, and no
    traceback; the line."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "unexpected" not in errors[0], errors[0]
    for name in names:
        assert name in errors[0], errors[0]
    print(errors[0])
    return errors[0]


class Drive:
    def __init__(self, run: CliRun, db: str, drive: FakeDrive, key_file: Path) -> None:
        self.run, self.db, self.drive, self.key_file = run, db, drive, key_file

    def __call__(self, *args: str) -> Result:
        return self.run(["--db", self.db, *args])

    def connect(self, name: str, folder: str) -> None:
        result = self(
            "gdrive", "connect", name, "--folder", folder, "--service-account",
            str(self.key_file), "--api-endpoint", self.drive.api_endpoint, *FAST,
        )  # fmt: skip
        assert result.exit_code == 0, result.output

    def items(self, source: str) -> dict[str, Any]:
        rows = json_output(self("items", "list", "--source", source, "--all", "--json"))
        return {row["path"]: (row["sha256"], row.get("removed_at")) for row in rows}


@pytest.fixture
def cli(run: CliRun, tmp_path: Path, drive: FakeDrive, drive_key: dict[str, Any]) -> Drive:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(drive_key), encoding="utf-8")
    return Drive(run, f"sqlite:///{tmp_path / 'index.db'}", drive, key_file)


@pytest.fixture
def photos(cli: Drive, drive: FakeDrive, drive_key: dict[str, Any]) -> str:
    """A Drive folder ``photos``, synced once."""
    root = drive.folder("Photos")
    drive.share(root, drive_key["client_email"], "writer")
    for path in LIBRARY:
        drive.add_file(path, under=root)
    cli.connect("photos", root)
    assert cli("sync", "photos").exit_code == 0
    return root


def inject(drive: FakeDrive, endpoint: str, fault: dict[str, Any]) -> None:
    """The next answer(s) of ``endpoint`` (a 5xx page: every retry's) are ``fault``."""
    fault = dict(fault)
    drive.faults.next(fault.pop("count", 1), endpoints={endpoint}, **fault)


def each_case(table: dict[str, Any], check: Callable[..., None]) -> None:
    """``check(case, *values)`` for every case of ``table``, in turn on one index (a setup
    each would cost seconds); the cases that failed, all of them, with why."""
    wrong: dict[str, str] = {}
    for case, values in table.items():
        try:
            check(case, *(values if isinstance(values, tuple) else (values,)))
        except AssertionError as exc:
            wrong[case] = " ".join(str(exc).split())[:300]
    assert wrong == {}, "\n".join(f"{case}: {why}" for case, why in wrong.items())


# The expected line's service: "Drive" for the API, "Google" for the token endpoint.
@pytest.mark.parametrize(
    ("endpoint", "command", "table", "service"),
    [
        ("files.list", ("sync", "photos", "--full"), FILES_LIST, "Drive"),
        ("changes.list", ("sync", "photos"), CHANGES_LIST, "Drive"),
        ("token", ("sync", "photos"), TOKEN, "Google"),
    ],
    ids=["files.list", "changes.list", "token"],
)
def test_a_sync_whose_answers_are_unreadable_fails_in_one_line_and_changes_nothing(
    cli: Drive,
    drive: FakeDrive,
    photos: str,
    endpoint: str,
    command: tuple[str, ...],
    table: dict[str, dict[str, Any]],
    service: str,
) -> None:
    """A change waits in the feed (a new file, one trashed): nothing of it reaches the index,
    and nothing indexed is removed, until a sync reads Drive's answers again."""
    drive.add_file("new.jpg", under=photos)
    drive.trash(drive.children(photos)[0].id)
    before = cli.items("photos")

    def check(case: str, fault: dict[str, Any]) -> None:
        inject(drive, endpoint, fault)
        one_error_line(cli(*command), service)
        drive.faults.clear()
        assert cli.items("photos") == before

    each_case(table, check)
    assert cli("sync", "photos").exit_code == 0
    assert len(cli.items("photos")) == len(before) + 1, "the next sync reads the change"


def test_a_copy_into_drive_whose_answers_are_unreadable_fails_in_one_line_and_adds_nothing(
    cli: Drive, drive: FakeDrive, drive_key: dict[str, Any], tmp_path: Path
) -> None:
    """Copies made before the failure (uploads run in parallel) are in Drive and indexed
    both; no file is left unindexed; the next copy copies the rest."""
    for n in range(3):
        write_jpeg(tmp_path / "camera" / f"IMG_{n}.jpg", 2000 + n, seed=n)
    camera = str(tmp_path / "camera")
    assert cli("sources", "add", "camera", "--type", "local", "--root", camera).exit_code == 0
    assert cli("sync", "camera").exit_code == 0

    def check(case: str, endpoint: str, fault: dict[str, Any]) -> None:
        name = f"backup-{list(COPY).index(case)}"
        backup = drive.folder(name)
        drive.share(backup, drive_key["client_email"], "writer")
        cli.connect(name, backup)
        inject(drive, endpoint, fault)
        one_error_line(cli("copy", "camera", name, "--folder", "album/{name}"), "Drive")
        drive.faults.clear()
        assert in_drive(drive, backup) == cli.items(name), "every copy made is indexed"
        assert len(cli.items(name)) < 3
        assert cli("copy", "camera", name, "--folder", "album/{name}").exit_code == 0
        assert in_drive(drive, backup) == cli.items(name)
        assert len(cli.items(name)) == 3, "the next copy copies the rest"

    each_case(COPY, check)


def in_drive(drive: FakeDrive, root: str) -> dict[str, Any]:
    return {path: (listed.sha256, None) for path, listed in drive_truth(drive, root).items()}
