"""``mediasync publish`` and ``publications``: what is posted, what is recorded, what is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from core.publishing import MEDIA, Scene, publishing_scene
from support import CliRun


@pytest.fixture
def scene(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> Iterator[Scene]:
    yield from publishing_scene(run, cli_builtins, database_url, tmp_path)


def test_publish_copies_the_item_and_records_the_publication(scene: Scene) -> None:
    item = scene.ids["a.jpg"]
    result = scene("publish", str(item), "--to", "out")
    assert result.exit_code == 0, result.stderr
    (post,) = [p for p in scene.folder.iterdir() if p.name.startswith("post-")]
    assert result.stdout == (
        f"published item {item} to 'out' as post: {post.name} {post.as_uri()} (publication 1)\n"
    )
    assert (post / "00-a.jpg").read_bytes() == MEDIA["a.jpg"]
    (publication,) = scene.publications()
    assert publication["id"] == 1
    assert (publication["account"], publication["publisher_type"], publication["kind"]) == (
        "out",
        "folder",
        "post",
    )
    assert publication["item_ids"] == [item]
    assert (publication["status"], publication["error"], publication["attempts"]) == (
        "published",
        None,
        1,
    )
    assert (publication["remote_id"], publication["permalink"]) == (post.name, post.as_uri())
    assert publication["finished_at"] >= publication["created_at"]


def test_an_album_keeps_the_order_and_the_caption(scene: Scene) -> None:
    order = [scene.ids["c.jpg"], scene.ids["a.jpg"], scene.ids["b.png"]]
    data = scene.json(
        "publish", *map(str, order), "--to", "out", "--as", "album", "--caption", "hi"
    )
    assert set(data) == {
        "id",
        "account",
        "publisher_type",
        "kind",
        "caption",
        "item_ids",
        "status",
        "remote_id",
        "permalink",
        "error",
        "attempts",
        "created_at",
        "updated_at",
        "finished_at",
    }
    assert (data["kind"], data["caption"], data["item_ids"]) == ("album", "hi", order)
    post = scene.folder / data["remote_id"]
    about = json.loads((post / "post.json").read_text())
    assert about == {"kind": "album", "caption": "hi", "items": order}
    assert (post / "00-c.jpg").read_bytes() == MEDIA["c.jpg"]
    assert (post / "02-b.png").read_bytes() == MEDIA["b.png"]


def test_the_same_publication_is_refused_unless_again(scene: Scene) -> None:
    item = str(scene.ids["a.jpg"])
    assert scene("publish", item, "--to", "out").exit_code == 0
    again = scene("publish", item, "--to", "out")
    assert again.exit_code == 2
    assert re.fullmatch(
        rf"error: item {item} already published to 'out' as post: publication 1 on "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC; add --again to publish again\n",
        again.stderr,
    )
    assert scene.posts() == 1
    assert scene("publish", item, "--to", "out", "--dry-run").exit_code == 2
    forced = scene.json("publish", item, "--to", "out", "--again")
    assert (forced["id"], forced["status"]) == (2, "published")
    assert scene.posts() == 2
    other_items = scene("publish", item, str(scene.ids["c.jpg"]), "--to", "out", "--as", "album")
    assert other_items.exit_code == 0, "other items (an album holding it) are another publication"


def test_dry_run_checks_and_publishes_nothing(scene: Scene) -> None:
    items = [str(scene.ids["a.jpg"]), str(scene.ids["c.jpg"])]
    plan = scene.json("publish", *items, "--to", "out", "--as", "album", "--dry-run")
    assert plan == {
        "dry_run": True,
        "account": "out",
        "publisher_type": "folder",
        "kind": "album",
        "caption": "",
        "item_ids": [int(i) for i in items],
        "resumes": None,
    }
    text = scene("publish", *items, "--to", "out", "--as", "album", "--dry-run")
    assert text.stdout == (
        f"would publish items {', '.join(items)} to 'out' (folder) as album: a new publication\n"
    )
    assert scene.posts() == 0
    assert scene.publications() == []


BAD_INPUT = [
    (["999", "--to", "out"], "no item with id 999"),
    (["{a.jpg}", "--to", "nope"], "no publisher account named 'nope' (accounts: out)"),
    (
        ["{a.jpg}", "--to", "out", "--as", "reel"],
        "publisher type 'folder' cannot publish as 'reel' (it publishes as: album, post)",
    ),
    (
        ["{clip.mp4}", "--to", "out"],
        "item {clip.mp4} is video; publisher type 'folder' publishes image",
    ),
    (["{a.jpg}", "{a.jpg}", "--to", "out", "--as", "album"], "item {a.jpg} is given twice"),
    (["one", "--to", "out"], "Invalid value for 'ITEM...': 'one' is not a valid integer."),
    (["{a.jpg}"], "Missing option '--to'."),
]


@pytest.mark.parametrize("dry_run", [False, True], ids=["publish", "dry-run"])
@pytest.mark.parametrize(
    ("args", "message"),
    BAD_INPUT,
    ids=["no-item", "no-account", "kind", "media-kind", "twice", "not-an-id", "no-account-option"],
)
def test_bad_input_is_one_line_and_changes_nothing(
    scene: Scene, args: list[str], message: str, dry_run: bool
) -> None:
    ids = {f"{{{path}}}": str(item) for path, item in scene.ids.items()}
    args = [ids.get(arg, arg) for arg in args] + (["--dry-run"] if dry_run else [])
    for placeholder, item in ids.items():
        message = message.replace(placeholder, item)
    result = scene("publish", *args)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert scene.posts() == 0
    assert scene.publications() == []


def test_a_removed_item_is_refused(scene: Scene) -> None:
    from core.memory_plugin import STORES

    store = STORES[scene.root]
    gone = store.id_at("b.png")
    assert gone is not None
    store.remove(gone)
    assert scene("sync", "mem").exit_code == 0
    item = scene.ids["b.png"]
    for extra in ([], ["--dry-run"]):
        result = scene("publish", str(item), "--to", "out", *extra)
        assert result.exit_code == 2
        assert result.stderr == f"error: item {item} (b.png in 'mem') was removed\n"
    assert scene.publications() == []


def test_publications_lists_newest_first_by_account(scene: Scene, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    assert (
        scene("publishers", "add", "two", "--type", "folder", "--set", f"path={other}").exit_code
        == 0
    )
    a, c = str(scene.ids["a.jpg"]), str(scene.ids["c.jpg"])
    for args in ([a, "--to", "out"], [c, "--to", "out"], [a, "--to", "two"]):
        assert scene("publish", *args).exit_code == 0
    assert [p["id"] for p in scene.publications()] == [3, 2, 1]
    assert [p["id"] for p in scene.json("publications", "--account", "out")] == [2, 1]
    assert [p["id"] for p in scene.json("publications", "--limit", "1")] == [3]
    lines = scene("publications").stdout.splitlines()
    assert len(lines) == 3
    assert re.match(
        rf"\s+3  \d{{4}}-\d\d-\d\d \d\d:\d\d  two post  item {a}  published  post-", lines[0]
    )
    empty = scene("publications", "--account", "nobody")
    assert empty.stdout == "no publications yet: `mediasync publish ITEM --to ACCOUNT`\n"
