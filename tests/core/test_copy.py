"""``mediasync copy``: each copy indexed at once, never twice, refused in one line when wrong.

Between two in-memory sources (``tests/core/memory_plugin.py``), through the command line,
on SQLite and PostgreSQL. The local and Drive sources have tests of their own in
``tests/local/test_copy.py`` and ``tests/gdrive/test_copies.py``.
"""

from __future__ import annotations

import json
import re
import types
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from click.testing import Result
from core import memory_plugin
from core.memory_plugin import STORES, MemorySource, create_store
from support import CliRun, json_output

from mediasync import AuthError, Capability, CopyProgress, SourceError, hookimpl
from mediasync._cli.copy_cmd import copy_progress_line
from mediasync.testing import sample_jpeg, sample_mp4, sample_png

MEDIA = {
    "2023/a.jpg": sample_jpeg(1),
    "2023/b.png": sample_png(2),
    "c.jpg": sample_jpeg(3),
    "clips/clip.mp4": sample_mp4(4),
}


class ReadOnlyMemorySource(MemorySource):
    type_name = "memory-ro"
    capabilities = MemorySource.capabilities - {Capability.WRITABLE}


class ListOnlyMemorySource(MemorySource):
    type_name = "memory-list"
    capabilities = MemorySource.capabilities - {Capability.DOWNLOADABLE}


@hookimpl
def register_sources(register: Any) -> None:
    register(ReadOnlyMemorySource)
    register(ListOnlyMemorySource)


LIMITED = types.ModuleType("limited_memory")
LIMITED.register_sources = register_sources  # type: ignore[attr-defined]


@attrs.define
class Copies:
    """Sources ``src`` (memory, holding ``MEDIA``, synced) and ``dst`` (memory, empty)."""

    run: CliRun
    database_url: str
    roots: dict[str, str]

    def __call__(self, *args: str) -> Result:
        return self.run(["--db", self.database_url, *args])

    def json(self, *args: str) -> Any:
        return json_output(self(*args, "--json"))

    def add(
        self, name: str, type_name: str = "memory", files: dict[str, bytes] | None = None
    ) -> None:
        """Registers source ``name``; its store is made, or kept when it had one."""
        if name not in self.roots:
            self.roots[name] = f"memory-{uuid.uuid4().hex}"
            create_store(self.roots[name], files or {})
        root = self.roots[name]
        result = self("sources", "add", name, "--type", type_name, "--root", root)
        assert result.exit_code == 0, result.stderr

    def files(self, name: str) -> dict[str, bytes]:
        """What source ``name`` holds now, by path."""
        return {f.path: f.data for f in STORES[self.roots[name]].files.values()}

    def items(self, name: str) -> dict[str, dict[str, Any]]:
        rows = self.json("items", "list", "--source", name, "--limit", "0")
        return {row["path"]: row for row in rows}


@pytest.fixture
def copies(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str
) -> Iterator[Copies]:
    cli_builtins.extend([("memory", memory_plugin), ("limited", LIMITED)])
    scene = Copies(run, database_url, {})
    try:
        scene.add("src", files=MEDIA)
        scene.add("dst")
        assert scene("sync", "src").exit_code == 0
        yield scene
    finally:
        for root in scene.roots.values():
            STORES.pop(root, None)


def month_of_today() -> str:
    return datetime.now(UTC).strftime("%Y/%m")


def test_copy_indexes_each_copy_and_a_sync_of_the_destination_changes_nothing(
    copies: Copies,
) -> None:
    report = copies.json("copy", "src", "dst")
    assert {k: report[k] for k in ("copied", "skipped", "found", "failed", "error")} == {
        "copied": 4,
        "skipped": 0,
        "found": 0,
        "failed": 0,
        "error": None,
    }
    assert report["bytes"] == sum(len(data) for data in MEDIA.values())
    month = month_of_today()  # the memory source's files were modified now, and taken never
    expected = {f"{month}/{path.rpartition('/')[2]}": data for path, data in MEDIA.items()}
    assert copies.files("dst") == expected
    sources = {item["path"]: item for item in copies.items("src").values()}
    items = copies.items("dst")
    assert set(items) == set(expected)
    for item in items.values():
        origin = sources[
            next(p for p in MEDIA if p.endswith("/" + item["name"]) or p == item["name"])
        ]
        assert item["provenance"]["source_type"] == "memory"
        assert item["provenance"]["source"] == "src"
        assert item["provenance"]["source_id"] == origin["source_id"]
        assert item["sha256"] == origin["sha256"]
        history = copies.json("items", "show", str(item["id"]))["events"]
        assert [event["kind"] for event in history] == ["added"]

    (synced,) = copies.json("sync", "dst")
    assert synced["counts"]["unchanged"] == 4
    assert {k: v for k, v in synced["counts"].items() if k != "unchanged" and v} == {}
    after = copies.items("dst")
    assert {p: i["id"] for p, i in after.items()} == {p: i["id"] for p, i in items.items()}
    assert all(item["provenance"]["source"] == "src" for item in after.values())


def test_a_second_copy_copies_nothing(copies: Copies) -> None:
    copies.json("copy", "src", "dst")
    again = copies.json("copy", "src", "dst")
    assert (again["copied"], again["skipped"], again["found"]) == (0, 4, 0)
    assert len(copies.files("dst")) == 4


def test_a_lost_index_is_rebuilt_from_the_markers_without_copying_again(copies: Copies) -> None:
    copies.json("copy", "src", "dst")
    assert copies("sources", "remove", "dst", "--yes").exit_code == 0
    copies.add("dst")  # the same store, kept: a new index of it

    report = copies.json("copy", "src", "dst", "--list")
    assert (report["copied"], report["skipped"], report["found"]) == (0, 4, 4)
    assert {item["outcome"] for item in report["items"]} == {"found"}
    assert len(copies.files("dst")) == 4
    assert all(item["provenance"]["source"] == "src" for item in copies.items("dst").values())
    (synced,) = copies.json("sync", "dst")
    assert synced["counts"]["added"] == synced["counts"]["removed"] == 0


def test_what_the_source_knows_about_the_media_goes_with_the_copy(
    copies: Copies, database_url: str
) -> None:
    from sqlalchemy import create_engine, update

    from mediasync._db.schema import media_items

    taken = datetime(2021, 7, 14, 9, 30, tzinfo=UTC)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            update(media_items)
            .where(media_items.c.path == "c.jpg")
            .values(
                taken_at=taken,
                metadata={"caption": "summer"},
                revision="etag-1",
                group_id="post-9",
                position=2,
                width=8,
                height=6,
            )
        )
    engine.dispose()
    copies.json("copy", "src", "dst")
    item = copies.items("dst")["2021/07/c.jpg"]
    assert item["taken_at"] == taken.isoformat()
    assert item["metadata"] == {"caption": "summer"}
    assert (item["group_id"], item["position"], item["width"], item["height"]) == (
        "post-9",
        2,
        8,
        6,
    )
    copies.json("sync", "dst")  # the memory listing says nothing about them: they stay
    kept = copies.items("dst")["2021/07/c.jpg"]
    assert (kept["metadata"], kept["group_id"], kept["taken_at"]) == (
        {"caption": "summer"},
        "post-9",
        taken.isoformat(),
    )


def test_dry_run_lists_what_would_be_copied_and_writes_nothing(copies: Copies) -> None:
    result = copies("copy", "src", "dst", "--dry-run", "--list", "--folder", "{path}")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(f"planned   {path} -> {path}" for path in MEDIA)
    assert re.fullmatch(
        r"\(dry run\) src -> dst: 4 to copy \([\d.]+ [KB]+\), 0 already there, 0 failed "
        r"in [\d.]+s",
        lines[-1],
    )
    assert copies.files("dst") == {}
    assert copies.items("dst") == {}


def test_limit_kind_and_dates_choose_what_is_copied(copies: Copies) -> None:
    assert copies.json("copy", "src", "dst", "--kind", "video")["copied"] == 1
    assert list(copies.files("dst")) == [f"{month_of_today()}/clip.mp4"]
    assert copies.json("copy", "src", "dst", "--limit", "2")["copied"] == 2
    assert copies.json("copy", "src", "dst", "--until", "2000-01-01")["copied"] == 0
    rest = copies.json("copy", "src", "dst", "--since", "2000-01-01")
    assert (rest["copied"], rest["skipped"]) == (1, 3)


def test_the_folder_template_places_each_copy(copies: Copies) -> None:
    template = "{source}/{kind}/{folder}/{stem}-{id:03d}{ext}"
    copies.json("copy", "src", "dst", "--folder", template)
    ids = {path: item["id"] for path, item in copies.items("src").items()}
    assert sorted(copies.files("dst")) == sorted(
        [
            f"src/image/2023/a-{ids['2023/a.jpg']:03d}.jpg",
            f"src/image/2023/b-{ids['2023/b.png']:03d}.png",
            f"src/image/c-{ids['c.jpg']:03d}.jpg",  # an empty {folder} leaves no empty folder
            f"src/video/clips/clip-{ids['clips/clip.mp4']:03d}.mp4",
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["src", "src"], "cannot copy 'src' into itself: name another source"),
        (["src", "nowhere"], "no source named 'nowhere' (sources: dst, list, ro, src)"),
        (["src", "ro"], "cannot copy into 'ro': its type 'memory-ro' lacks the 'writable' "),
        (["list", "dst"], "cannot copy from 'list': its type 'memory-list' lacks the "),
        (["src", "dst", "--since", "yesterday"], "'yesterday' is not a date"),
        (["src", "dst", "--kind", "audio"], "'audio' is not one of 'image', 'video'"),
        (["src", "dst", "--limit", "0"], "0 is not in the range x>=1"),
        (["src", "dst", "--folder", "{year}/{name}"], "unknown field {year} (known: {taken}, "),
        (["src", "dst", "--folder", "{name.__class__}"], "unknown field {name.__class__}"),
        (["src", "dst", "--folder", "{name:%Y}"], "Invalid format specifier"),
        (["src", "dst", "--folder", "{taken:%Y}/"], "it must end with a file name"),
        (["src", "dst", "--folder", "{name"], "expected '}' before end of string"),
    ],
)
def test_bad_input_is_one_line_and_copies_nothing(
    copies: Copies, args: list[str], message: str
) -> None:
    copies.add("ro", "memory-ro")
    copies.add("list", "memory-list", files=MEDIA)
    result = copies("copy", *args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert copies.files("dst") == {}


def test_a_running_sync_of_the_destination_holds_the_copy_back(
    copies: Copies, database_url: str
) -> None:
    from sqlalchemy import create_engine

    from mediasync._db.sources import get_source
    from mediasync._sync.lease import acquire

    engine = create_engine(database_url)
    with engine.connect() as connection:
        record = get_source(connection, "dst")
    acquire(engine, record.id, "elsewhere:1")  # another host's sync holds it
    engine.dispose()
    result = copies("copy", "src", "dst")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot copy into 'dst' now: a sync of it (or another copy into it) is running; "
        "try again once it has finished\n"
    )
    assert copies.files("dst") == {}
    assert copies("copy", "src", "dst", "--dry-run").exit_code == 0, "a dry run writes nothing"


def test_an_empty_source_says_to_sync_it_first(copies: Copies) -> None:
    copies.add("fresh", files=MEDIA)
    result = copies("copy", "fresh", "dst")
    assert result.exit_code == 0
    assert result.stderr == "'fresh' has no indexed items: sync it first (mediasync sync fresh)\n"


def test_json_report_fields(copies: Copies) -> None:
    report = copies.json("copy", "src", "dst", "--list")
    assert set(report) == {
        "source",
        "destination",
        "copied",
        "skipped",
        "found",
        "failed",
        "bytes",
        "seconds",
        "dry_run",
        "errors",
        "error",
        "items",
    }
    assert {item["outcome"] for item in report["items"]} == {"copied"}
    first = report["items"][0]
    assert set(first) == {
        "outcome",
        "item_id",
        "path",
        "destination_path",
        "size",
        "new_item_id",
        "error",
    }
    assert first["new_item_id"] in {item["id"] for item in copies.items("dst").values()}
    assert "items" not in copies.json("copy", "src", "dst")


def test_progress_line() -> None:
    progress = CopyProgress(
        total=10_000,
        considered=1_200,
        copied=1_000,
        skipped=200,
        failed=0,
        bytes_copied=1_200_000_000,
        seconds=30.0,
    )
    assert copy_progress_line("photos -> backup", progress) == (
        "photos -> backup: 1,200 of 10,000 items; 1,000 copied, 1.2 GB at 40.0 MB/s, "
        "200 already there, 0 failed"
    )
    assert json.dumps(attrs.asdict(progress))  # plain values, for a bot to pass on


def test_a_file_the_destination_refuses_fails_alone_and_a_refusing_account_stops_the_copy(
    copies: Copies, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upload = MemorySource.upload

    def picky(self: MemorySource, stream: Any, name: str, **kwargs: Any) -> Any:
        if name == "b.png":
            raise SourceError("names ending in .png are not allowed here")
        if name == "clip.mp4":
            raise AuthError("the token was revoked")
        return real_upload(self, stream, name, **kwargs)

    monkeypatch.setattr(MemorySource, "upload", picky)
    result = copies("copy", "src", "dst", "--list", "--folder", "{name}")
    assert result.exit_code == 1
    assert (
        "failed    2023/b.png: 'dst' refused it: names ending in .png are not allowed here\n"
        in (result.stdout)
    )
    assert result.stderr.endswith(
        "error: cannot write into 'dst': the token was revoked (clip.mp4)\n"
    )
    assert sorted(copies.files("dst")) == ["a.jpg", "c.jpg"]
    assert sorted(copies.items("dst")) == ["a.jpg", "c.jpg"], "what was copied is indexed"

    monkeypatch.setattr(MemorySource, "upload", real_upload)
    rest = copies.json("copy", "src", "dst", "--folder", "{name}")
    assert (rest["copied"], rest["skipped"]) == (2, 2)
