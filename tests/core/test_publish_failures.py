"""A publication that fails or is interrupted is recorded, reported in one line, and resumed by
the same command without posting twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from core.memory_plugin import STORES, MemorySource
from core.publishing import Scene, publishing_scene
from sqlalchemy import create_engine, select
from support import CliRun

from mediasync import Capability, hookimpl
from mediasync._db.schema import publications
from mediasync._publishing import DatabaseJournal


@pytest.fixture
def scene(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> Iterator[Scene]:
    yield from publishing_scene(run, cli_builtins, database_url, tmp_path)


class SimulatedCrash(BaseException):
    """The process dying: not an ``Exception``, so nothing on the way up records it."""


def crash_after(monkeypatch: pytest.MonkeyPatch, records: int) -> None:
    """Makes the process "die" right after the journal's ``records``-th committed record."""
    real = DatabaseJournal.record
    done = 0

    def record(self: DatabaseJournal, key: str, value: str) -> None:
        nonlocal done
        real(self, key, value)
        done += 1
        if done == records:
            raise SimulatedCrash(f"crashed after recording {key!r}")

    monkeypatch.setattr(DatabaseJournal, "record", record)


def stored_journal(database_url: str, publication_id: int) -> dict[str, str]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            query = select(publications.c.journal).where(publications.c.id == publication_id)
            return dict(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def album(scene: Scene) -> list[str]:
    return [str(scene.ids["a.jpg"]), str(scene.ids["c.jpg"]), "--to", "out", "--as", "album"]


@pytest.mark.parametrize("records", [1, 2, 3, 4], ids=["staging", "file0", "file1", "remote-id"])
def test_a_crash_after_any_step_is_resumed_by_the_same_command_and_posts_once(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, records: int
) -> None:
    crash_after(monkeypatch, records)
    with pytest.raises(SimulatedCrash):
        scene("publish", *album(scene))
    monkeypatch.undo()
    (left,) = scene.publications()
    assert (left["id"], left["status"], left["attempts"]) == (1, "running", 1)
    assert len(stored_journal(scene.database_url, 1)) == records
    plan = scene.json("publish", *album(scene), "--dry-run")
    assert plan["resumes"] == 1

    resumed = scene.json("publish", *album(scene))
    assert (resumed["id"], resumed["status"], resumed["attempts"]) == (1, "published", 2)
    assert scene.posts() == 1
    assert [p["id"] for p in scene.publications()] == [1]
    assert stored_journal(scene.database_url, 1)["remote_id"] == resumed["remote_id"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (
            lambda folder: (folder / ".token").write_text("right"),
            "folder {folder} refused the token",
        ),
        (
            lambda folder: (folder / ".rate-limited").write_text("30"),
            "folder {folder} is busy (retry after 30s)",
        ),
    ],
    ids=["auth", "rate-limited"],
)
def test_a_publisher_refusal_fails_the_publication_in_one_line(
    scene: Scene, fault: Callable[[Path], Any], error: str
) -> None:
    fault(scene.folder)
    error = error.format(folder=scene.folder)
    item = str(scene.ids["a.jpg"])
    result = scene("publish", item, "--to", "out", "--json")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: publication 1 to 'out' failed: {error}; run the same command again to resume it\n"
    )
    shown = json.loads(result.stdout)
    assert (shown["status"], shown["error"], shown["remote_id"]) == ("failed", error, None)
    assert scene.posts() == 0
    for control in (".token", ".rate-limited"):
        (scene.folder / control).unlink(missing_ok=True)
    retried = scene.json("publish", item, "--to", "out")
    assert (retried["id"], retried["status"], retried["error"], retried["attempts"]) == (
        1,
        "published",
        None,
        2,
    )


def test_a_publish_error_is_the_publications_error(scene: Scene) -> None:
    result = scene("publish", str(scene.ids["a.jpg"]), "--to", "out", "--as", "album")
    assert result.exit_code == 1
    assert "failed: an album holds at least two files; run the same" in result.stderr
    (failed,) = scene.publications()
    assert (failed["status"], failed["kind"]) == ("failed", "album")


def test_an_unexpected_exception_is_recorded_and_named_without_a_traceback(scene: Scene) -> None:
    (scene.folder / ".explode").write_text("disk on fire")
    accounts = scene.json("publishers", "list")
    item = str(scene.ids["a.jpg"])
    result = scene("publish", item, "--to", "out")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: publication 1 to 'out' failed: publisher type 'folder' raised "
        "RuntimeError: disk on fire\n"
    )
    (failed,) = scene.publications()
    assert (failed["status"], failed["error"]) == ("failed", "RuntimeError: disk on fire")
    assert scene.posts() == 0
    assert scene.json("publishers", "list") == accounts

    verbose = scene("publish", item, "--to", "out", "-v")
    assert verbose.exit_code == 1
    assert "Traceback" in verbose.stderr
    assert "RuntimeError: disk on fire" in verbose.stderr
    assert [p["attempts"] for p in scene.publications()] == [2]

    (scene.folder / ".explode").unlink()
    assert scene.json("publish", item, "--to", "out")["attempts"] == 3
    assert scene.posts() == 1


def test_an_unreachable_source_fails_the_publication_until_it_is_back(scene: Scene) -> None:
    item = str(scene.ids["a.jpg"])
    del STORES[scene.root]
    result = scene("publish", item, "--to", "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: publication 1 to 'out' failed: memory root '{scene.root}' does not exist; "
        "run the same command again to resume it\n"
    )
    assert scene.posts() == 0
    scene.restore_store()
    assert scene.json("publish", item, "--to", "out")["status"] == "published"
    assert scene.posts() == 1


class NoDownloadSource(MemorySource):
    type_name = "memory-listing"
    capabilities = MemorySource.capabilities - {Capability.DOWNLOADABLE}


class NoDownloadPlugin:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register(NoDownloadSource)


def test_an_item_whose_source_cannot_download_is_refused(
    scene: Scene, cli_builtins: list[tuple[str, object]]
) -> None:
    cli_builtins.append(("listing", NoDownloadPlugin()))
    args = ["sources", "add", "listed", "--type", "memory-listing", "--root", scene.root]
    assert scene(*args).exit_code == 0
    assert scene("sync", "listed").exit_code == 0
    items = scene.json("items", "list", "--source", "listed")
    item = next(i["id"] for i in items if i["path"] == "a.jpg")
    for extra in ([], ["--dry-run"]):
        result = scene("publish", str(item), "--to", "out", *extra)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: item {item} is in source 'listed' (type 'memory-listing'), "
            "which cannot download its bytes\n"
        )
    assert scene.publications() == []


def test_an_interrupted_publication_keeps_its_caption(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_after(monkeypatch, 2)
    with pytest.raises(SimulatedCrash):
        scene("publish", *album(scene), "--caption", "first")
    monkeypatch.undo()
    other = scene("publish", *album(scene), "--caption", "second")
    assert other.exit_code == 2
    assert other.stderr == (
        "error: publication 1 of these items was interrupted with another caption after it "
        "started posting: publish it with that caption (or none) to finish it\n"
    )
    finished = scene.json("publish", *album(scene))
    assert finished["caption"] == "first"
    about = json.loads((scene.folder / finished["remote_id"] / "post.json").read_text())
    assert about["caption"] == "first"


def test_a_publication_that_failed_before_any_step_takes_the_new_caption(scene: Scene) -> None:
    (scene.folder / ".token").write_text("right")
    assert scene("publish", *album(scene), "--caption", "typo").exit_code == 1
    (scene.folder / ".token").unlink()
    fixed = scene.json("publish", *album(scene), "--caption", "fixed")
    assert (fixed["id"], fixed["caption"], fixed["attempts"]) == (1, "fixed", 2)
