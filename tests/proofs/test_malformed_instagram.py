"""Answers of the Graph API and of Cloudinary that mediasync cannot read (JSON cut off, fields
missing, values of the wrong type, a proxy's HTML page, a 200 whose body is HTML):
``mediasync instagram backfill`` and ``mediasync publish`` end in one ``error:`` line naming
the service, exit 1, no traceback; the backup and its index stay as they were, nothing is
posted, nothing stays staged, and the publication is failed, never published or lost (the
next run posts once)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import DAY, Account, FakeGraph
from instagram.helpers import photo
from proofs.copies import visible_files
from proofs.test_malformed_drive import one_error_line
from support import CliRun, json_output


class Cli:
    def __init__(self, run: CliRun, db: str) -> None:
        self.run, self.db = run, db

    def __call__(self, *args: str) -> Any:
        return self.run(["--db", self.db, *args])

    def ok(self, *args: str) -> None:
        result = self(*args)
        assert result.exit_code == 0, result.output

    def items(self, source: str) -> dict[str, str | None]:
        rows = json_output(self("items", "list", "--source", source, "--all", "--json"))
        return {row["path"]: row["sha256"] for row in rows}


@pytest.fixture
def cli(run: CliRun, tmp_path: Path, graph: FakeGraph) -> Cli:
    return Cli(run, f"sqlite:///{tmp_path / 'index.db'}")


@pytest.fixture
def account(cli: Cli, graph: FakeGraph, tmp_path: Path) -> Account:
    """``insta`` connected, ``backup`` a local folder, one backfill done; two posts since."""
    account = graph.account("blue.bottle", posts=3)
    token = graph.issue_token(account, age=2 * DAY)
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    cli.ok("instagram", "connect", "insta", "--token", token, *fake)
    (tmp_path / "backup").mkdir()
    cli.ok("sources", "add", "backup", "--type", "local", "--root", str(tmp_path / "backup"))
    cli.ok("instagram", "backfill", "insta", "--to", "backup")
    graph.post_image(account, caption="new one")
    graph.post_image(account, caption="and another")
    return account


MEDIA = '"media_type": "IMAGE", "timestamp": "2026-01-02T03:04:05+0000"'
BACKFILL: dict[str, dict[str, Any]] = {
    "cut-off JSON": {"kind": "malformed"},
    "proxy 502 pages": {"kind": "html", "status": 502, "times": 8},
    "200 with an HTML page": {"kind": "html", "status": 200},
    "null": {"kind": "malformed", "body": b"null"},
    "a JSON list": {"kind": "malformed", "body": b"[]"},
    "data not a list": {"kind": "malformed", "body": b'{"data": "none"}'},
    "a media without id": {
        "kind": "malformed",
        "body": b'{"data": [{%s, "media_url": "http://127.0.0.1:9/x.jpg"}]}' % MEDIA.encode(),
    },
    "a media that is a string": {"kind": "malformed", "body": b'{"data": ["17900"]}'},
    "media_url a number": {
        "kind": "malformed",
        "body": b'{"data": [{"id": "1", %s, "media_url": 5}]}' % MEDIA.encode(),
    },
    "caption an object": {
        "kind": "malformed",
        "body": b'{"data": [{"id": "1", %s, "caption": {"a": 1}}]}' % MEDIA.encode(),
    },
    "children not a list": {
        "kind": "malformed",
        "body": b'{"data": [{"id": "1", "media_type": "CAROUSEL_ALBUM", "children": {"data": 3}}]}',
    },
    "paging link a number": {
        "kind": "malformed",
        "body": b'{"data": [], "paging": {"next": 5}}',
    },
}


def test_a_backfill_whose_media_list_is_unreadable_fails_in_one_line_and_changes_nothing(
    cli: Cli, graph: FakeGraph, account: Account, tmp_path: Path
) -> None:
    """Each case in turn on one index (a setup each would cost seconds): the backup and the
    account's items are as they were after each; then a run without faults copies the rest."""
    files, indexed = visible_files(tmp_path / "backup"), cli.items("backup")
    source = cli.items("insta")
    for case, fault in BACKFILL.items():
        fault = dict(fault)
        graph.fail_next("user.media", times=fault.pop("times", 1), **fault)
        one_error_line(cli("instagram", "backfill", "insta", "--to", "backup"), "Graph API")
        changed = (visible_files(tmp_path / "backup"), cli.items("backup"), cli.items("insta"))
        assert changed == (files, indexed, source), case
        graph.faults.clear()
    cli.ok("instagram", "backfill", "insta", "--to", "backup")
    assert len(visible_files(tmp_path / "backup")) == len(files) + 2, "the next run copies"


def test_a_media_without_media_url_is_counted_unavailable_not_failed(
    cli: Cli, graph: FakeGraph, account: Account, tmp_path: Path
) -> None:
    """Instagram leaves ``media_url`` out for copyrighted audio: not a malformed answer."""
    body = b'{"data": [{"id": "1790001", %s}]}' % MEDIA.encode()
    graph.fail_next("user.media", kind="malformed", body=body)
    result = cli("instagram", "backfill", "insta", "--to", "backup", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unavailable"] == 1


CAPTION = "one photo"
PUBLISH: dict[str, tuple[str, str, dict[str, Any]]] = {
    # Cloudinary's first: a publication resumed after its upload never uploads again
    "upload cut off": ("cloudinary", "upload", {}),
    "upload a list": ("cloudinary", "upload", {"body": b"[]"}),
    "upload without secure_url": ("cloudinary", "upload", {"body": b'{"public_id": "x"}'}),
    "upload secure_url a number": ("cloudinary", "upload", {"body": b'{"secure_url": 5}'}),
    "upload 200 HTML": ("cloudinary", "upload", {"kind": "html", "status": 200}),
    "upload 502 pages": ("cloudinary", "upload", {"kind": "html", "status": 502}),
    "container created without id": ("graph", "user.media.create", {"body": b"{}"}),
    "container answer cut off": ("graph", "user.media.create", {}),
    "container answer a list": ("graph", "user.media.create", {"body": b'["1"]'}),
    "container 200 HTML": ("graph", "user.media.create", {"kind": "html", "status": 200}),
    "status a number": ("graph", "container", {"body": b'{"status_code": 5}'}),
    "status a list": ("graph", "container", {"body": b'{"status_code": ["FINISHED"]}'}),
    "status cut off": ("graph", "container", {}),
}


@pytest.fixture
def photos(cli: Cli, graph: FakeGraph, cloud: FakeCloudinary, tmp_path: Path) -> str:
    """``insta`` connected and able to publish through ``cloud``; one photo to post: its id."""
    account = graph.account("poster", posts=0)
    graph.set_publishing_quota(1000)
    token = graph.issue_token(account, age=2 * DAY)
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    cli.ok("instagram", "connect", "insta", "--token", token, *fake)
    cli.ok("instagram", "cloudinary", "insta", "--url", cloud.url, "--upload-prefix",
           cloud.upload_prefix)  # fmt: skip
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(photo())
    cli.ok("sources", "add", "photos", "--type", "local", "--root", str(tmp_path / "photos"))
    cli.ok("sync", "photos")
    return str(json_output(cli("items", "list", "--source", "photos", "--json"))[0]["id"])


def test_a_publication_whose_answers_are_unreadable_fails_in_one_line_and_posts_nothing(
    cli: Cli, graph: FakeGraph, cloud: FakeCloudinary, photos: str
) -> None:
    account = next(a for a in graph.store.accounts.values() if a.username == "poster")
    wrong: dict[str, str] = {}
    for case, (service, endpoint, fault) in PUBLISH.items():
        fault = {"kind": "malformed", **fault}
        times = fault.pop("times", 1 if service == "graph" else 20)  # Cloudinary: asked again
        fake = graph if service == "graph" else cloud
        fake.fail_next(endpoint, times=times, **fault)
        result = cli("publish", photos, "--to", "insta", "--caption", CAPTION)
        fake.faults.clear()
        try:
            line = one_error_line(result)
            assert ("Cloudinary" in line) == (service == "cloudinary"), line
            assert "Instagram" in line or "Graph API" in line or service == "cloudinary", line
            posts = graph.published(account)
            (last,) = json_output(cli("publications", "--limit", "1", "--json"))
            assert (last["status"], posts) == ("failed", []), (last, posts)
            cli.ok("instagram", "sweep", "insta", "--older-than", "0")
            assert cloud.leftovers() == [], "left staged"
        except AssertionError as exc:
            wrong[case] = str(exc).splitlines()[0]
    assert wrong == {}, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    again = cli("publish", photos, "--to", "insta", "--caption", CAPTION)
    assert again.exit_code == 0, again.output
    assert [m.caption for m in graph.published(account)] == [CAPTION], "posted once"


def test_a_media_url_that_is_not_a_url_fails_that_file_alone(
    cli: Cli, graph: FakeGraph, account: Account, tmp_path: Path
) -> None:
    """Control characters in a ``media_url``: httpx refuses to build the request; that file
    fails (the others are copied), not the whole backfill with an unexpected error."""
    files = visible_files(tmp_path / "backup")
    new = [m for m in account.media if m.caption in {"new one", "and another"}]
    listing = [
        {"id": m.id, "media_type": "IMAGE", "media_url": graph.cdn.url(m),
         "timestamp": "2026-01-02T03:04:05+0000"}
        for m in new
    ]  # fmt: skip
    listing[0]["media_url"] = "https://scontent.cdninstagram.com/v/x\x1b[31m.jpg"
    graph.fail_next("user.media", kind="malformed", body=json.dumps({"data": listing}).encode())
    result = cli("instagram", "backfill", "insta", "--to", "backup", "--json")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "unexpected" not in result.output
    report = json.loads(result.stdout)
    assert (report["copied"], report["failed"]) == (1, 1), report
    assert "media_url is not a URL" in report["errors"][0]
    assert len(visible_files(tmp_path / "backup")) == len(files) + 1


def test_a_publish_answer_without_a_media_id_is_asked_about_and_posts_once(
    cli: Cli, graph: FakeGraph, cloud: FakeCloudinary, photos: str
) -> None:
    """``media_publish`` answered without ``id``: as a lost answer, the container says whether
    it posted (here it did not: the fault stood for the answer), then publishing goes on."""
    account = next(a for a in graph.store.accounts.values() if a.username == "poster")
    graph.fail_next("media_publish", kind="malformed", body=b'{"status": "ok"}')
    result = cli("publish", photos, "--to", "insta", "--caption", CAPTION)
    assert result.exit_code == 0, result.output
    assert [m.caption for m in graph.published(account)] == [CAPTION]
