"""``gdrive status``, ``gdrive disconnect`` and connecting with the user's own account (OAuth)."""

from __future__ import annotations

import json
import threading
import urllib.request
import webbrowser
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import FAST, Library, Mediasync


def test_status_shows_identity_folder_counts_last_sync_and_token(
    mediasync: Mediasync, library: Library, service_key: dict[str, Any]
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    assert mediasync.sync("photos")["status"] == "ok"
    [status] = mediasync.json("gdrive", "status", "photos")
    assert status["identity"] == service_key["client_email"]
    assert status["credentials"] == "service_account"
    assert status["folder"] == "…/Photos"
    assert status["items"] == {"active": 5, "removed": 0}
    assert status["last_sync"]["status"] == "ok"
    assert status["access"] == {"ok": True, "can_write": True}
    assert status["token"]["valid"] is True
    text = mediasync("gdrive", "status")
    assert text.exit_code == 0
    assert "5 indexed, 0 removed" in text.stdout
    assert service_key["client_email"] in text.stdout


def test_status_fails_when_access_is_lost(
    mediasync: Mediasync, library: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    drive.unshare(library.root, service_key["client_email"])
    result = mediasync("gdrive", "status", "photos", "--json")
    assert result.exit_code == 1
    [status] = json.loads(result.stdout)
    assert status["access"]["ok"] is False
    assert "is not shared with the service account" in status["access"]["problem"]


def test_disconnect_forgets_the_credentials_and_keeps_the_items(
    mediasync: Mediasync, library: Library
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    mediasync.sync("photos")
    data = mediasync.json("gdrive", "disconnect", "photos")
    assert data == {
        "name": "photos",
        "disconnected": True,
        "had_credentials": True,
        "items_kept": 5,
    }
    assert mediasync.json("sources", "show", "photos")["settings"]["credentials"] is None
    run = mediasync.sync("photos")
    assert run["status"] == "failed"
    assert "has no Drive credentials (disconnected)" in run["error"]
    assert len(mediasync.items("photos")) == 5


def test_status_of_a_source_of_another_type_is_refused(
    mediasync: Mediasync, tmp_path: Path
) -> None:
    (tmp_path / "pics").mkdir()
    mediasync("sources", "add", "pics", "--type", "local", "--root", str(tmp_path / "pics"))
    result = mediasync("gdrive", "status", "pics")
    assert result.exit_code == 2
    assert "is not a Google Drive source" in result.stderr


class LoopbackBrowser(webbrowser.BaseBrowser):
    """Plays the user: opens the consent URL and follows its redirect to the loopback server."""

    def __init__(self) -> None:
        super().__init__("loopback")
        self.pages: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        def visit() -> None:
            with urllib.request.urlopen(url, timeout=10) as response:
                self.pages.append(response.read().decode("utf-8"))

        threading.Thread(target=visit, daemon=True).start()
        return True


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> LoopbackBrowser:
    fake = LoopbackBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: fake)
    # oauthlib refuses plain http token endpoints unless told otherwise; the fake is loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return fake


def test_oauth_connect_runs_the_installed_app_flow_and_keeps_the_refresh_token(
    mediasync: Mediasync, drive: FakeDrive, browser: LoopbackBrowser, tmp_path: Path
) -> None:
    root = drive.folder("Camera")
    drive.add_file("Camera/me.jpg")
    secrets = tmp_path / "client_secrets.json"
    secrets.write_text(json.dumps(drive.oauth_client()), encoding="utf-8")
    data = mediasync.json(
        "gdrive",
        "connect",
        "mine",
        "--folder",
        root,
        "--oauth",
        str(secrets),
        "--api-endpoint",
        drive.api_endpoint,
        *FAST,
    )
    assert data["identity"] == drive.owner
    assert data["folder"] == "My Drive/Camera"
    assert "you can close this tab" in browser.pages[0]
    assert mediasync.sync("mine")["counts"]["added"] == 1
    [status] = mediasync.json("gdrive", "status", "mine")
    assert status["credentials"] == "authorized_user"


def test_revoked_consent_fails_the_sync_with_a_fix_and_removes_nothing(
    mediasync: Mediasync, drive: FakeDrive, browser: LoopbackBrowser, tmp_path: Path
) -> None:
    root = drive.folder("Camera")
    drive.add_file("Camera/me.jpg")
    secrets = tmp_path / "client_secrets.json"
    secrets.write_text(json.dumps(drive.oauth_client()), encoding="utf-8")
    mediasync.json(
        "gdrive",
        "connect",
        "mine",
        "--folder",
        root,
        "--oauth",
        str(secrets),
        "--api-endpoint",
        drive.api_endpoint,
        *FAST,
    )
    mediasync.sync("mine")
    drive.auth.revoke_all(drive.owner)
    run = mediasync.sync("mine")
    assert run["status"] == "failed"
    assert "Token has been expired or revoked" in run["error"]
    assert "run `mediasync gdrive connect` again" in run["error"]
    assert len(mediasync.items("mine")) == 1


def test_oauth_with_a_service_account_key_is_refused(
    mediasync: Mediasync, library: Library
) -> None:
    result = mediasync(
        "gdrive", "connect", "x", "--folder", library.root, "--oauth", str(mediasync.key_file)
    )
    assert result.exit_code == 2
    assert "is not an OAuth client secrets file (that is a service-account key" in result.stderr
