"""Names from the remote side that try to leave the destination folder (``..``, ``a/../../b``,
absolute paths, NUL and control characters, Windows' reserved names, trailing dots and spaces,
300 bytes of UTF-8): Drive file and folder names copied into a local folder, and Instagram media
ids, captions and permalinks backfilled into one. Nothing is written outside the destination,
every other file is copied, and each is indexed at a path that stays inside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.drive import FakeDrive
from fakes.instagram import DAY, FakeGraph
from gdrive.helpers import FAST
from support import CliRun, json_output

from mediasync_instagram import _graph

LONG = "é" * 150 + ".jpg"  # 304 bytes of UTF-8
HOSTILE = [
    "../x.jpg",
    "..",
    "a/../../b.jpg",
    "../../../../../../tmp/escaped.jpg",
    "/etc/x.jpg",
    "C:\\x.jpg",
    "C:\\..\\..\\y.jpg",
    "nul\x00byte.jpg",
    "line\nbreak.jpg",
    "carriage\rreturn.jpg",
    "escape\x1b[31mred.jpg",
    "CON",
    "NUL.jpg",
    "COM1",
    "trailing dot.jpg.",
    "trailing space.jpg ",
    ".",
    ".hidden.jpg",
    "~",
    LONG,
]
FOLDERS = ["..", "../..", "/abs", "C:\\win", "dots...", "CON", "x" * 300, "a\nb"]


def jpeg(n: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"hostile %d" % n + b"\x00" * 64


def beside(outside: Path, destination: Path) -> set[str]:
    """Every path under ``outside`` but not in ``destination`` (the index database aside)."""
    return {
        p.relative_to(outside).as_posix()
        for p in outside.rglob("*")
        if not p.is_relative_to(destination) and not p.name.startswith("index.db")
    }


def safe(path: str) -> bool:
    """An index path that stays inside its root however it is joined: relative, no ``..``
    segment, no NUL or control character, no backslash."""
    parts = path.split("/")
    return (
        not path.startswith("/")
        and all(part not in {"", ".", ".."} for part in parts)
        and not any(ord(c) < 32 or c in "\\\x7f" for c in path)
    )


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A folder that must stay empty: the destination lives two levels below it; ``/tmp``'s
    ``escaped.jpg`` is checked too."""
    escaped = Path("/tmp/escaped.jpg")
    assert not escaped.exists()
    yield tmp_path
    assert not escaped.exists(), "a file was written at /tmp/escaped.jpg"


def test_drive_names_that_try_to_escape_are_copied_inside_the_folder(
    run: CliRun, tmp_path: Path, outside: Path, drive: FakeDrive, drive_key: dict[str, Any]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'index.db'}"]
    root = drive.folder("Photos")
    drive.share(root, drive_key["client_email"], "writer")
    n = 0
    for folder in ["", *FOLDERS]:
        parent = (
            root
            if not folder
            else drive.store.add(folder, root, "application/vnd.google-apps.folder").id
        )
        for name in HOSTILE:
            n += 1
            drive.store.add(name, parent, "image/jpeg", data=jpeg(n))
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(drive_key), encoding="utf-8")
    connect = ["--folder", root, "--service-account", str(key_file)]
    fake = ["--api-endpoint", drive.api_endpoint, *FAST]
    assert run([*db, "gdrive", "connect", "photos", *connect, *fake]).exit_code == 0
    synced = run([*db, "sync", "photos"])
    assert synced.exit_code == 0, synced.output
    indexed = json_output(
        run([*db, "items", "list", "--source", "photos", "--limit", "0", "--json"])
    )
    assert len(indexed) == n, "every file indexed"
    assert [i["path"] for i in indexed if not safe(i["path"])] == []

    backup = tmp_path / "deep" / "backup"
    backup.mkdir(parents=True)
    before = beside(outside, backup)
    add = [*db, "sources", "add", "backup", "--type", "local", "--root", str(backup)]
    assert run(add).exit_code == 0
    copied = run([*db, "copy", "photos", "backup", "--folder", "{folder}/{name}", "--json"])
    report = json.loads(copied.stdout)
    assert copied.exit_code == 0, copied.output
    assert (report["copied"], report["failed"]) == (n, 0), report
    assert beside(outside, backup) == before, "nothing written outside the destination"
    written = [p for p in backup.rglob("*") if p.is_file() and not p.name.startswith(".mediasync")]
    assert len(written) == n
    for path in written:
        assert path.resolve().is_relative_to(backup.resolve()), path
    copies = json_output(
        run([*db, "items", "list", "--source", "backup", "--limit", "0", "--json"])
    )
    assert len(copies) == n
    assert [i["path"] for i in copies if not safe(i["path"])] == []


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        monkeypatch.setattr(_graph, "_sleep", fake.advance)
        yield fake


HOSTILE_IDS = [*HOSTILE, "x.jpg/..", "17900000000000001/../../x"]
"""Media ids, each post's caption one of them too, and its permalink ending in one. Several
are one once made safe (``../x.jpg``, ``x.jpg/..``): they must not share a path."""


def test_instagram_ids_and_captions_that_try_to_escape_are_backfilled_inside_the_folder(
    run: CliRun, tmp_path: Path, outside: Path, graph: FakeGraph
) -> None:
    """The fake's CDN serves numeric ids only: the listing is the fake's own posts with
    hostile ids, captions and permalinks put in (a ``malformed`` fault whose body is that)."""
    account = graph.account("blue.bottle", posts=0)
    posts = [graph.post_image(account) for _ in HOSTILE_IDS]
    listing = [
        {
            "id": hostile,
            "media_type": "IMAGE",
            "media_url": graph.cdn.url(post),
            "timestamp": "2026-01-02T03:04:05+0000",
            "caption": hostile,
            "permalink": f"https://www.instagram.com/p/{hostile}",
        }
        for hostile, post in zip(HOSTILE_IDS, posts, strict=True)
    ]
    db = ["--db", f"sqlite:///{tmp_path / 'index.db'}"]
    token = graph.issue_token(account, age=2 * DAY)
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    assert run([*db, "instagram", "connect", "insta", "--token", token, *fake]).exit_code == 0
    backup = tmp_path / "deep" / "backup"
    backup.mkdir(parents=True)
    before = beside(outside, backup)
    add = [*db, "sources", "add", "backup", "--type", "local", "--root", str(backup)]
    assert run(add).exit_code == 0
    body = json.dumps({"data": listing}).encode()
    graph.fail_next("user.media", kind="malformed", body=body)
    backfill = [*db, "instagram", "backfill", "insta", "--to", "backup", "--sidecars", "--json"]
    result = run(backfill)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["copied"], report["failed"]) == (len(HOSTILE_IDS), 0), report
    assert beside(outside, backup) == before, "nothing written outside the destination"
    written = [p for p in backup.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(written) == 2 * len(HOSTILE_IDS), sorted(p.name for p in written)
    for path in written:
        assert path.resolve().is_relative_to(backup.resolve()), path
    for source in ("insta", "backup"):
        listed = json_output(run([*db, "items", "list", "--source", source, "--limit", "0",
                                  "--json"]))  # fmt: skip
        paths = [i["path"] for i in listed]
        assert len(set(paths)) == len(HOSTILE_IDS), (source, sorted(paths))
        assert [path for path in paths if not safe(path)] == [], source
