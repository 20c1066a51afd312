"""Media facts in the index: read while syncing, found by ``items list``, refreshed for items
indexed before, duplicates by hash; on SQLite and PostgreSQL."""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import CliRun
from local.facts_files import MOVIE_TAKEN, exif, image_bytes, movie_bytes, write
from sqlalchemy import Connection, insert, text, update

from mediasync import Item, UsageError, Workspace
from mediasync._db import duplicates
from mediasync._db.items import items_query
from mediasync._db.schema import media_items

TAKEN = "2024:05:01 12:34:56"


def photo(path: Path, when: str = TAKEN, size: tuple[int, int] = (64, 48), turn: int = 1) -> Path:
    return write(path, image_bytes("JPEG", *size, exif(turn, when, "+02:00", "Canon", "R6")))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pics"
    photo(root / "2024/portrait.jpg", turn=6)
    photo(root / "2023/landscape.jpg", "2023:12:24 18:00:00", size=(80, 40))
    write(root / "2024/clip.mp4", movie_bytes(moov_last=True))
    write(root / "2024/square.png", image_bytes("PNG", 50, 50))
    write(root / "lies.jpg", image_bytes("PNG", 30, 20))
    write(root / "text.jpg", b"not a picture at all")
    return root


@pytest.fixture
def workspace(database_url: str, folder: Path) -> Iterator[Workspace]:
    with Workspace.open(database_url=database_url) as opened:
        opened.add_source("pics", "local", root=str(folder), settings={})
        yield opened


def by_path(workspace: Workspace, **filters: object) -> dict[str, Item]:
    return {item.path: item for item in workspace.items(**filters)}  # type: ignore[arg-type]


def test_a_sync_reads_the_facts_of_new_files_and_fails_on_none(workspace: Workspace) -> None:
    report = workspace.sync("pics")
    assert (report.run.counts.added, report.run.counts.errors) == (6, 0)
    items = by_path(workspace)
    portrait = items["2024/portrait.jpg"]
    assert (portrait.width, portrait.height) == (48, 64)
    assert portrait.taken_at == datetime(2024, 5, 1, 10, 34, 56, tzinfo=UTC)
    assert portrait.metadata == {
        "camera_make": "Canon",
        "camera_model": "R6",
        "taken_offset": "+02:00",
    }
    clip = items["2024/clip.mp4"]
    assert (clip.width, clip.height, clip.duration, clip.taken_at) == (
        1920,
        1080,
        12.5,
        MOVIE_TAKEN,
    )
    assert (items["lies.jpg"].width, items["lies.jpg"].height) == (30, 20)
    text = items["text.jpg"]
    assert (text.width, text.taken_at, dict(text.metadata)) == (None, None, {})


def test_a_noop_resync_opens_no_file_and_a_new_file_is_read_once(
    workspace: Workspace, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts come with the hash: a file whose size and time are unchanged is not opened
    again, for its hash or its facts; a new one is opened once, for both."""
    workspace.sync("pics")
    opened: list[str] = []
    real_open = builtins.open

    def watched(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(folder)):
            opened.append(os.path.relpath(file, folder))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched)
    assert workspace.sync("pics").run.counts.changes == 0
    assert opened == []
    photo(folder / "2025/new.jpg", "2025:01:02 03:04:05")
    assert workspace.sync("pics").run.counts.added == 1
    assert opened == ["2025/new.jpg"]
    assert by_path(workspace)["2025/new.jpg"].taken_at == datetime(2025, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_a_rename_keeps_the_facts_and_an_edit_reads_them_again(
    workspace: Workspace, folder: Path
) -> None:
    workspace.sync("pics")
    os.rename(folder / "2024/portrait.jpg", folder / "2024/renamed.jpg")
    assert workspace.sync("pics").run.counts.renamed == 1
    renamed = by_path(workspace)["2024/renamed.jpg"]
    assert (renamed.width, renamed.height, renamed.metadata["camera_model"]) == (48, 64, "R6")
    photo(folder / "2024/renamed.jpg", "2022:01:02 03:04:05", size=(100, 60))
    assert workspace.sync("pics").run.counts.modified == 1
    edited = by_path(workspace)["2024/renamed.jpg"]
    assert (edited.width, edited.height) == (100, 60)
    assert edited.taken_at == datetime(2022, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_items_are_found_by_capture_time_size_shape_and_kind(workspace: Workspace) -> None:
    workspace.sync("pics")
    may = by_path(workspace, taken_since=datetime(2024, 5, 1), taken_until=datetime(2024, 6, 1))
    assert sorted(may) == ["2024/clip.mp4", "2024/portrait.jpg"]
    assert list(by_path(workspace, orientation="portrait")) == ["2024/portrait.jpg"]
    assert sorted(by_path(workspace, orientation="square")) == ["2024/square.png"]
    assert sorted(by_path(workspace, min_width=60)) == ["2023/landscape.jpg", "2024/clip.mp4"]
    assert list(by_path(workspace, min_height=1000, kind="video")) == ["2024/clip.mp4"]
    taken = [item.path for item in workspace.items(order="taken")]
    assert taken[:3] == ["2023/landscape.jpg", "2024/clip.mp4", "2024/portrait.jpg"]
    sizes = [item.size or 0 for item in workspace.items(order="size")]
    assert sizes == sorted(sizes, reverse=True)


def forget_facts(workspace: Workspace) -> None:
    """As an index written before facts were read: none of them, and no version."""
    values = {"width": None, "height": None, "duration": None, "taken_at": None, "metadata": None}
    with workspace.app.engine.begin() as connection:
        connection.execute(update(media_items).values(facts_version=None, **values))


def test_refresh_metadata_reads_the_facts_of_items_indexed_before_page_by_page(
    workspace: Workspace, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.sync("pics")
    expected = by_path(workspace)
    forget_facts(workspace)
    write(folder / "2024/square.png", image_bytes("PNG", 70, 70))  # changed since indexed
    monkeypatch.setattr("mediasync._facts_refresh.PAGE", 2)
    seen: list[tuple[int, int]] = []
    stop = __import__("threading").Event()

    def progress(step: object) -> None:
        seen.append((step.done, step.total))  # type: ignore[attr-defined]
        stop.set()

    [first] = workspace.refresh_metadata("pics", on_progress=progress, cancel=stop)
    assert (first.read, first.left, seen) == (2, 4, [(2, 6)])
    [report] = workspace.refresh_metadata("pics")
    assert (report.read, report.changed, report.missing, report.left) == (3, 1, 0, 1)
    refreshed = by_path(workspace)
    for path in ("2024/portrait.jpg", "2024/clip.mp4", "2023/landscape.jpg", "lies.jpg"):
        assert refreshed[path] == expected[path]
    assert refreshed["2024/square.png"].width is None  # left to the next sync
    workspace.sync("pics")
    assert by_path(workspace)["2024/square.png"].width == 70
    assert workspace.refresh_metadata("pics")[0].left == 0


def test_verify_reads_the_facts_of_items_indexed_before(workspace: Workspace) -> None:
    workspace.sync("pics")
    expected = by_path(workspace)
    forget_facts(workspace)
    report = workspace.sync("pics", verify=True)
    assert report.run.counts.changes == 0
    assert by_path(workspace) == expected


def test_duplicates_groups_the_same_bytes_across_sources_most_wasted_first(
    workspace: Workspace, folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "drive-copy"
    write(other / "a.mp4", (folder / "2024/clip.mp4").read_bytes())
    write(other / "b.jpg", (folder / "2023/landscape.jpg").read_bytes())
    write(folder / "again/clip.mp4", (folder / "2024/clip.mp4").read_bytes())
    workspace.add_source("copy", "local", root=str(other), settings={})
    workspace.sync("pics")
    workspace.sync("copy")
    groups = list(workspace.duplicates())
    assert [len(g.items) for g in groups] == [3, 2]
    clip = groups[0]
    assert clip.wasted_bytes == 2 * (clip.size or 0)
    assert [(i.source, i.path) for i in clip.items] == [
        ("copy", "a.mp4"),
        ("pics", "2024/clip.mp4"),
        ("pics", "again/clip.mp4"),
    ]
    assert [len(g.items) for g in workspace.duplicates(["pics"])] == [2]
    across = list(workspace.duplicates(["pics", "copy"], across_sources=True))
    assert [g.sources for g in across] == [("copy", "pics"), ("copy", "pics")]


def test_duplicates_come_a_page_of_groups_at_a_time_most_wasted_first(
    workspace: Workspace, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The groups are found first, then each page's items: pages of one group must give the
    same groups, in the same order, each with every copy, as one page of all."""
    other = tmp_path / "copies"
    for name in ("2024/clip.mp4", "2023/landscape.jpg", "2024/square.png", "lies.jpg"):
        write(other / name, (folder / name).read_bytes())
    write(other / "again/square.png", (folder / "2024/square.png").read_bytes())
    workspace.add_source("copies", "local", root=str(other), settings={})
    workspace.sync("pics")
    workspace.sync("copies")
    whole = [(g.sha256, g.wasted_bytes, [i.id for i in g.items]) for g in workspace.duplicates()]
    monkeypatch.setattr(duplicates, "GROUPS_PER_PAGE", 1)
    paged = [(g.sha256, g.wasted_bytes, [i.id for i in g.items]) for g in workspace.duplicates()]
    assert paged == whole
    assert sorted(len(ids) for _, _, ids in whole) == [2, 2, 2, 3]
    wasted = [w for _, w, _ in whole]
    assert wasted == sorted(wasted, reverse=True)


def test_duplicates_of_an_unknown_source_fail_before_any_output(
    run: CliRun, database_url: str, workspace: Workspace
) -> None:
    with pytest.raises(UsageError, match="nope"):
        workspace.duplicates(["nope"])
    result = run(["--db", database_url, "duplicates", "--source", "nope", "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""


def test_duplicates_json_lists_each_group_with_its_copies(
    run: CliRun, database_url: str, folder: Path
) -> None:
    write(folder / "again/landscape.jpg", (folder / "2023/landscape.jpg").read_bytes())
    db = ["--db", database_url]
    assert run([*db, "sync", str(folder)]).exit_code == 0
    [group] = json.loads(run([*db, "duplicates", "--json"]).stdout)
    assert group["copies"] == 2
    assert group["wasted_bytes"] == group["size"] > 0
    paths = [item["path"] for item in group["items"]]
    assert paths == ["2023/landscape.jpg", "again/landscape.jpg"]
    assert "1 groups" in run([*db, "duplicates"]).stdout


def test_the_commands_find_show_and_refresh(run: CliRun, database_url: str, folder: Path) -> None:
    db = ["--db", database_url]
    assert run([*db, "sync", str(folder)]).exit_code == 0
    listed = run(
        [*db, "items", "list", "--taken-since", "2024-05-01", "--order", "taken", "--json"]
    )
    assert [i["path"] for i in json.loads(listed.stdout)] == ["2024/clip.mp4", "2024/portrait.jpg"]
    portrait = json.loads(listed.stdout)[1]
    shown = run([*db, "items", "show", str(portrait["id"])])
    assert "facts: 48x64, taken 2024-05-01 12:34:56 +02:00, Canon R6" in shown.stdout
    portrait_only = run([*db, "items", "list", "--orientation", "portrait", "--min-height", "60"])
    assert "pics:2024/portrait.jpg" in portrait_only.stdout
    refreshed = json.loads(run([*db, "items", "refresh-metadata", "--json"]).stdout)
    assert refreshed == [
        {
            "source": "pics",
            "read": 0,
            "changed": 0,
            "missing": 0,
            "left": 0,
            "skipped": None,
            "notes": [],
        }
    ]
    duplicates = json.loads(run([*db, "duplicates", "--json"]).stdout)
    assert duplicates == []
    assert "0 groups" in run([*db, "duplicates", "--across-sources"]).stdout


def _many_items(connection: Connection, source_id: int, count: int) -> None:
    """``count`` photos taken one a day over the years before 2024, as a sync would write."""
    now = datetime(2024, 6, 1, tzinfo=UTC)
    rows = [
        {
            "source_id": source_id,
            "external_id": f"0:{n}",
            "path": f"bulk/{n}.jpg",
            "folder": "bulk",
            "name": f"{n}.jpg",
            "size": 1000 + n,
            "mtime_us": n,
            "kind": "image",
            "active": True,
            "first_seen_at": now,
            "changed_at": now,
            "taken_at": now - timedelta(days=n),
            "facts_version": 1,
        }
        for n in range(count)
    ]
    connection.execute(insert(media_items), rows)


@pytest.mark.postgres
def test_one_sources_date_range_is_read_through_the_index_on_postgresql(
    postgres_url: str, folder: Path
) -> None:
    with Workspace.open(database_url=postgres_url) as workspace:
        pics = workspace.add_source("pics", "local", root=str(folder), settings={})
        workspace.add_source("other", "local", root=str(folder), settings={})
        with workspace.app.engine.begin() as connection:
            ids: dict[str, int] = dict(
                connection.execute(text("SELECT name, id FROM sources")).all()
            )
            source_id = ids["pics"]
            _many_items(connection, source_id, 3000)
            _many_items(connection, ids["other"], 3000)
            connection.execute(text("ANALYZE media_items"))
        query = items_query(
            source_id=source_id,
            taken_since=datetime(2023, 5, 1, tzinfo=UTC),
            taken_until=datetime(2023, 6, 1, tzinfo=UTC),
        )
        sql = query.compile(workspace.app.engine, compile_kwargs={"literal_binds": True})
        with workspace.app.engine.connect() as connection:
            connection.execute(text("SET enable_seqscan = off"))
            plan = [row[0] for row in connection.execute(text(f"EXPLAIN {sql}"))]
            found = list(
                workspace.items(
                    source=pics.name,
                    taken_since=datetime(2023, 5, 1),
                    taken_until=datetime(2023, 6, 1),
                    limit=None,
                )
            )
    assert len(found) == 31
    assert any("ix_media_items_source_taken" in line for line in plan), "\n".join(plan)
    assert not any("Seq Scan on media_items" in line for line in plan)


@pytest.mark.postgres
def test_duplicate_groups_are_found_from_the_hash_index_alone_on_postgresql(
    postgres_url: str, folder: Path
) -> None:
    """Hashes compare byte by byte (collation "C", not the locale's), and the groups are
    counted from ``ix_media_items_sha256`` without reading the table."""
    with Workspace.open(database_url=postgres_url) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        with workspace.app.engine.begin() as connection:
            source_id = connection.execute(text("SELECT id FROM sources")).scalar_one()
            _many_items(connection, source_id, 3000)
            connection.execute(text("ANALYZE media_items"))
        query = duplicates._groups_query(None)
        sql = query.compile(workspace.app.engine, compile_kwargs={"literal_binds": True})
        with workspace.app.engine.connect() as connection:
            collation = connection.execute(
                text(
                    "SELECT collation_name FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = 'media_items' AND column_name = 'sha256'"
                )
            ).scalar_one()
            connection.execute(text("SET enable_seqscan = off"))
            plan = [row[0] for row in connection.execute(text(f"EXPLAIN {sql}"))]
    assert collation == "C"
    assert any("Index Only Scan using ix_media_items_sha256" in line for line in plan), plan
