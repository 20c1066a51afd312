"""Secrets stay secret: every credential a user gives mediasync is a canary, and after every command
that touches it (added, shown, listed, synced with, checked, refused; as text, as JSON, with
``-v`` tracebacks) it is in no output, no log record, and nowhere in clear on disk: not in the
index database, not in the config or data directory. The key that seals them is the user's alone.

The commands run against the loopback fakes with the real client libraries, on the default
SQLite index in the test's data directory, so that every file a command writes is searched.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.drive import FakeDrive
from fakes.instagram import DAY, FakeGraph
from fakes.telegram import FakeTelegram
from instagram.helpers import photo
from proofs.canary import Audit
from support import CliRun, json_output

from mediasync_instagram import _graph

# A bot token Telegram does not know, in the form it has: refused, and never echoed.
WRONG_BOT_TOKEN = "987654:AAFwrongwrongwrongwrongwrongwrong00"


@pytest.fixture
def audit(run: CliRun, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Audit:
    caplog.set_level(1)
    return Audit(run, caplog, tmp_path)


@pytest.fixture
def key_path(isolated_user: Path) -> Path:
    return isolated_user / "data" / "mediasync" / "secret.key"


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    with FakeDrive() as fake:
        yield fake


def _pem_body(key: dict[str, Any]) -> list[str]:
    """The lines of the private key between its armour: each one a canary."""
    lines = key["private_key"].splitlines()
    return [line for line in lines if line and not line.startswith("-----")]


def test_a_drive_service_account_key_is_never_shown_logged_or_stored_in_clear(
    audit: Audit, drive: FakeDrive, tmp_path: Path, key_path: Path
) -> None:
    key = drive.service_account()
    root = drive.folder("Photos")
    drive.share(root, key["client_email"], "writer")
    drive.add_file("beach.jpg", under=root)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key), encoding="utf-8")
    audit.inputs.add(key_file)
    connect = ["--folder", root, "--service-account", str(key_file)]
    fake = ["--api-endpoint", drive.api_endpoint, "--set", "retry_max_wait=0.05"]

    audit.ok("-v", "gdrive", "connect", "photos", *connect, *fake, "--json")
    audit("gdrive", "connect", "photos", *connect, *fake)  # refused: the name is taken
    audit.every_way("sources", "list")
    audit.every_way("sources", "show", "photos")
    audit.every_way("sync", "photos")
    audit.every_way("gdrive", "status", "photos")
    audit.every_way("doctor")
    audit.ok("-v", "run", "--once")
    access_tokens = list(drive.auth.access_tokens)
    drive.auth.disable_service_account(key["client_email"])
    audit.every_way("sync", "photos")  # fails: the key no longer works
    audit.every_way("gdrive", "status", "photos")

    assert json_output(audit("sources", "show", "photos", "--json"))["settings"]["credentials"]
    assert access_tokens, "the plugin never signed in: the audit proves nothing"
    audit.assert_hidden([*_pem_body(key), *access_tokens])
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_drive_oauth_client_secret_and_refresh_token_are_never_shown_or_stored_in_clear(
    audit: Audit, drive: FakeDrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    from gdrive.test_status import LoopbackBrowser

    monkeypatch.setattr(webbrowser, "get", lambda using=None: LoopbackBrowser())
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake is plain http on loopback
    root = drive.folder("Camera")
    drive.add_file("Camera/me.jpg")
    client = drive.oauth_client()
    secrets_file = tmp_path / "client_secrets.json"
    secrets_file.write_text(json.dumps(client), encoding="utf-8")
    audit.inputs.add(secrets_file)

    audit.ok(
        "-v", "gdrive", "connect", "mine", "--folder", root, "--oauth", str(secrets_file),
        "--api-endpoint", drive.api_endpoint, "--json",
    )  # fmt: skip
    audit.every_way("sources", "show", "mine")
    audit.every_way("sync", "mine")
    audit.every_way("gdrive", "status", "mine")
    refresh_tokens = list(drive.auth.refresh_tokens)
    access_tokens = list(drive.auth.access_tokens)
    drive.auth.revoke_all(drive.owner)
    audit.every_way("sync", "mine")  # fails: consent withdrawn

    assert refresh_tokens, "no consent was given: the audit proves nothing"
    client_secret = client["installed"]["client_secret"]
    audit.assert_hidden([client_secret, *refresh_tokens, *access_tokens])


def test_instagram_tokens_and_the_cloudinary_secret_are_never_shown_or_stored_in_clear(
    audit: Audit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [n for n in os.environ if n.startswith("CLOUDINARY_")]:
        monkeypatch.delenv(name)
    with FakeGraph() as graph, FakeCloudinary() as cloud:
        monkeypatch.setattr(_graph, "_sleep", graph.advance)
        account = graph.account("blue.bottle", posts=3)
        old = graph.issue_token(account, age=50 * DAY)  # refreshed at connect: two tokens
        young = graph.issue_token(account, age=3600)
        fake = ["--graph-url", graph.base_url, "--api-version", graph.version]

        audit.ok("-v", "instagram", "connect", "insta", "--token", old, *fake, "--json")
        audit.ok("instagram", "connect", "second", "--token", "-", *fake, input=young)
        audit(
            "sources", "add", "third", "--type", "instagram", "--set", f"token={young}",
            "--set", f"user_id={account.id}", "--set", f"graph_url={graph.base_url}",
            "--set", f"api_version={graph.version}", "--json",
        )  # fmt: skip
        audit("instagram", "connect", "bad", "--token", young + "x", *fake)  # refused
        audit.ok("instagram", "cloudinary", "insta", "--url", cloud.url,
                 "--upload-prefix", cloud.upload_prefix)  # fmt: skip
        wrong = f"cloudinary://{cloud.api_key}:{cloud.api_secret}x@{cloud.cloud_name}"
        audit("instagram", "cloudinary", "second", "--url", wrong,
              "--upload-prefix", cloud.upload_prefix)  # fmt: skip
        audit.every_way("sources", "list")
        audit.every_way("sources", "show", "insta")
        audit.every_way("publishers", "list")
        audit.every_way("publishers", "show", "insta")
        audit.every_way("instagram", "status")
        audit.every_way("sync", "insta")
        audit.every_way("doctor")
        # A publication through Cloudinary: staged, posted, swept; one refused by Cloudinary.
        graph.set_publishing_quota(1000)
        (tmp_path / "photos").mkdir()
        for n in range(4):
            (tmp_path / "photos" / f"{n}.jpg").write_bytes(photo(seed=n))
        audit.ok("sources", "add", "photos", "--type", "local", "--root", str(tmp_path / "photos"))
        audit.ok("sync", "photos")
        ids = [str(i["id"]) for i in json_output(audit("items", "list", "--source", "photos",
                                                       "--json"))]  # fmt: skip
        audit.ok("publish", ids[0], "--to", "insta", "--caption", "one")
        audit.ok("publish", ids[1], "--to", "insta", "--caption", "two", "--json")
        audit.ok("-v", "publish", ids[2], "--to", "insta", "--caption", "three", "--json")
        cloud.fail_next("upload", status=401, message="Invalid Signature", times=20)
        refused = audit("-v", "publish", ids[3], "--to", "insta", "--json")
        cloud.faults.clear()
        audit.every_way("publications")
        audit.every_way("instagram", "sweep", "insta", "--older-than", "0")
        graph.invalidate_token(young)
        audit.every_way("sync", "second")  # fails: the password was changed
        issued = list(graph.store.tokens)
        synced = json_output(audit("sync", "insta", "--json"))
        failed = audit("sync", "second", "--json")

    assert synced[0]["status"] == "ok"
    assert (failed.exit_code, json.loads(failed.stdout)[0]["status"]) == (1, "failed")
    assert refused.exit_code != 0, "Cloudinary's refusal was not a failure: the audit proves less"
    assert len(graph.published(account)) == 3

    assert len(issued) >= 3, "the token was not refreshed at connect: the audit proves less"
    audit.assert_hidden([*issued, young + "x", cloud.api_secret])


def test_the_telegram_bot_token_is_never_shown_or_stored_in_clear(audit: Audit) -> None:
    with FakeTelegram() as fake:
        base = ["--base-url", fake.root_url]
        audit.ok("-v", "telegram", "connect", "--token", fake.token, "--allow", "42", *base)
        audit("telegram", "connect", "--token", WRONG_BOT_TOKEN, "--allow", "42", *base)
        audit("telegram", "connect", "--token", "$env:TG", "--allow", "42", *base, TG="x:y")
        audit.every_way("telegram", "status")
        audit.every_way("doctor")
        audit.every_way("plugins")

    audit.assert_hidden([fake.token, WRONG_BOT_TOKEN])


def test_a_secret_key_file_others_can_read_is_refused_with_the_fix(
    audit: Audit, key_path: Path
) -> None:
    added = audit.ok(
        "sources", "add", "insta", "--type", "instagram", "--set", "token=IGAAcanary-0123456789",
        "--set", "user_id=1", "--json",
    )  # fmt: skip
    assert json.loads(added.stdout)["settings"]["token"] == "********"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600

    key_path.chmod(0o644)
    refused = audit("sources", "add", "other", "--type", "instagram", "--set",
                    "token=IGAAcanary-0123456789", "--set", "user_id=2")  # fmt: skip
    synced = audit("sync", "insta")

    for result in (refused, synced):
        assert result.exit_code != 0, result.stdout
        assert f"secret key file {key_path} is readable by others (mode 644)" in result.stderr
        assert f"run: chmod 600 {key_path}" in result.stderr
    assert "other" not in json_output(audit("sources", "list", "--json"))[0]["name"]
    audit.assert_hidden(["IGAAcanary-0123456789"])


def test_the_audit_finds_a_secret_wherever_it_is(audit: Audit, tmp_path: Path) -> None:
    """The checks above prove something only if this one fails for a leak."""
    secret = "s3cr3t-0123456789abcdefghij"
    audit("plugins")
    audit.assert_hidden([secret])
    (tmp_path / "home" / "config").mkdir(parents=True)
    (tmp_path / "home" / "config" / "cache.json").write_text(f'{{"t": "{secret}"}}')
    with pytest.raises(AssertionError, match=r"file .*cache\.json"):
        audit.assert_hidden([secret[:-2]])  # a secret cut short is found by its middle
    audit.outputs.append(("sources show", f"token: {secret}"))
    with pytest.raises(AssertionError, match="output of `sources show`"):
        audit.assert_hidden([secret])
