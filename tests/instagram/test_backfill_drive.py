"""Backfill into Google Drive: the account's media land in the user's Drive folder (the Drive
fake through google-api-python-client), and a later run uploads only what is new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from fakes.instagram import Account, FakeGraph
from gdrive.helpers import FAST
from instagram.helpers import SOURCE
from support import CliRun

from mediasync import Workspace


@pytest.fixture
def drive() -> Any:
    with FakeDrive() as fake:
        yield fake


def test_backfill_into_drive_then_only_the_new_posts(
    run: CliRun,
    database_url: str,
    workspace: Workspace,
    graph: FakeGraph,
    account: Account,
    drive: FakeDrive,
    tmp_path: Path,
) -> None:
    key = drive.service_account()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key), encoding="utf-8")
    folder = drive.folder("Instagram backup")
    drive.share(folder, key["client_email"], "writer")
    db = ["--db", database_url]
    connected = run(
        [*db, "gdrive", "connect", "drive", "--folder", folder, "--service-account",
         str(key_file), "--api-endpoint", drive.api_endpoint, *FAST]
    )  # fmt: skip
    assert connected.exit_code == 0, connected.stderr

    first = run([*db, "instagram", "backfill", SOURCE, "--to", "drive", "--json"])

    assert first.exit_code == 0, first.stderr
    files = sum(len(m.children) or 1 for m in account.media)
    assert json.loads(first.stdout)["copied"] == files
    post = next(m for m in account.media if not m.children)
    stored = [f for f in drive.store.files.values() if f.name.endswith(f"_{post.id}.jpg")]
    assert [f.data for f in stored] == [post.data]
    uploads = drive.calls["files.create.upload"]

    graph.post_image(account, "a new one")
    second = run([*db, "instagram", "backfill", SOURCE, "--to", "drive", "--json"])

    assert json.loads(second.stdout)["copied"] == 1
    per_file = uploads // files  # a resumable upload: the session, then the bytes
    assert drive.calls["files.create.upload"] == uploads + per_file
    synced = run([*db, "sync", "drive", "--json"])
    counts = json.loads(synced.stdout)[0]["counts"]
    assert {k: v for k, v in counts.items() if v and k != "unchanged"} == {}
