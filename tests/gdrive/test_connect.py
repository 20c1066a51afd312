"""``mediasync gdrive connect``: access is checked before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import FAST, Library, Mediasync


def test_connect_checks_access_then_stores_the_key_encrypted(
    mediasync: Mediasync, library: Library, service_key: dict[str, Any]
) -> None:
    data = mediasync.json(
        "gdrive",
        "connect",
        "photos",
        "--folder",
        library.root,
        "--service-account",
        str(mediasync.key_file),
        "--api-endpoint",
        mediasync.drive.api_endpoint,
    )
    assert data["identity"] == service_key["client_email"]
    assert data["folder"] == "…/Photos"
    assert data["can_write"] is True
    shown = mediasync.json("sources", "show", "photos")
    assert shown["type"] == "gdrive"
    assert shown["root"] == library.root
    assert shown["settings"]["credentials"] == "********"
    assert service_key["private_key"][40:80] not in json.dumps(shown)


def test_connect_accepts_a_folder_url(mediasync: Mediasync, library: Library) -> None:
    url = f"https://drive.google.com/drive/u/0/folders/{library.root}?usp=sharing"
    result = mediasync.connect("photos", url)
    assert result.exit_code == 0, result.stderr
    assert "connected 'photos' to Drive folder '…/Photos' as indexer@" in result.stdout
    assert mediasync.json("sources", "show", "photos")["root"] == library.root


def test_folder_not_shared_names_the_service_account_and_stores_nothing(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    private = drive.folder("Private")
    result = mediasync.connect("photos", private)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert service_key["client_email"] in message
    assert "share the folder with" in message
    assert mediasync.json("sources", "list") == []


def test_folder_that_does_not_exist_is_refused(mediasync: Mediasync, library: Library) -> None:
    result = mediasync.connect("photos", "1NoSuchFolderAnywhere0000000000000")
    assert result.exit_code == 1
    assert "is not shared with the service account" in result.stderr
    assert mediasync.json("sources", "list") == []


def test_a_file_is_not_a_folder(mediasync: Mediasync, library: Library) -> None:
    result = mediasync.connect("photos", library.id("beach.jpg"))
    assert result.exit_code == 2
    assert "is not a folder but a file ('beach.jpg', image/jpeg)" in result.stderr
    assert mediasync.json("sources", "list") == []


def test_a_malformed_folder_is_a_usage_error(mediasync: Mediasync, library: Library) -> None:
    result = mediasync.connect("photos", "https://example.com/not-drive")
    assert result.exit_code == 2
    assert "is not a Drive folder id or URL" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("this is { not json", "is not JSON (line 1)"),
        (
            '{"type": "authorized_user", "client_id": "a", "client_secret": "b", '
            '"refresh_token": "c"}',
            "is not a service-account key (its \"type\" is 'authorized_user')",
        ),
        ('{"installed": {"client_id": "a"}}', "is an OAuth client secrets file"),
        ('{"type": "service_account", "client_email": "x@y"}', "lacks private_key, token_uri"),
        ("[1, 2]", "is JSON but not an object"),
    ],
    ids=["not-json", "authorized-user", "client-secrets", "incomplete", "array"],
)
def test_a_key_file_that_is_not_a_service_account_key_is_refused(
    mediasync: Mediasync, library: Library, tmp_path: Path, content: str, expected: str
) -> None:
    mediasync.key_file.write_text(content, encoding="utf-8")
    result = mediasync.connect("photos", library.root)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert mediasync.drive.api_calls() == 0
    assert mediasync.json("sources", "list") == []


def test_a_missing_key_file_is_refused(mediasync: Mediasync, library: Library) -> None:
    mediasync.key_file.unlink()
    result = mediasync.connect("photos", library.root)
    assert result.exit_code == 2
    assert "cannot read the service-account key" in result.stderr


def test_exactly_one_kind_of_credentials(mediasync: Mediasync, library: Library) -> None:
    result = mediasync("gdrive", "connect", "photos", "--folder", library.root)
    assert result.exit_code == 2
    assert "give one of --service-account KEY.json or --oauth" in result.stderr


def test_a_taken_name_is_refused_before_any_call(mediasync: Mediasync, library: Library) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    calls = mediasync.drive.api_calls()
    result = mediasync.connect("photos", library.root)
    assert result.exit_code == 2
    assert "a source named 'photos' exists already" in result.stderr
    assert mediasync.drive.api_calls() == calls


def test_a_read_only_share_connects_and_says_so(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    shared = drive.folder("Shared with me")
    drive.add_file("a.jpg", under=shared)
    drive.share(shared, service_key["client_email"], "reader")
    result = mediasync.connect("shared", shared)
    assert result.exit_code == 0, result.stderr
    assert "(read-only: uploads will be refused)" in result.stdout
    assert mediasync.sync("shared")["counts"]["added"] == 1


def test_the_seed_command_names_still_work(mediasync: Mediasync, library: Library) -> None:
    result = mediasync(
        "connect-google-drive",
        "photos",
        "--folder",
        library.root,
        "--service-account",
        str(mediasync.key_file),
        "--api-endpoint",
        mediasync.drive.api_endpoint,
        *FAST,
    )
    assert result.exit_code == 0, result.stderr
    status = mediasync.json("google-drive-status", "photos")
    assert status[0]["access"]["ok"] is True
    assert mediasync.json("disconnect-google-drive", "photos")["disconnected"] is True
