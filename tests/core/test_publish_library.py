"""Publishing through ``Workspace``: typed results, failures returned, attempts fenced."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from core import folder_publisher, memory_plugin
from core.publishing import MEDIA

from mediasync import (
    AlreadyPublished,
    Publication,
    PublicationStatus,
    PublisherInfo,
    PublishError,
    PublishPlan,
    SettingsError,
    Workspace,
)
from mediasync._plugins import load_plugins
from mediasync._publishing import DatabaseJournal


@pytest.fixture
def workspace(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    root = f"memory-{uuid.uuid4().hex}"
    memory_plugin.create_store(root, MEDIA)
    plugins = load_plugins(builtins=[("memory", memory_plugin), ("folder", folder_publisher)])
    with Workspace.open(database_url=database_url, plugins=plugins) as workspace:
        workspace.add_source("mem", "memory", root=root, settings={})
        workspace.sync("mem")
        yield workspace
    memory_plugin.STORES.pop(root, None)


@pytest.fixture
def folder(workspace: Workspace, tmp_path: Path) -> Path:
    path = tmp_path / "posts"
    path.mkdir()
    workspace.add_publisher("out", "folder", settings={"path": str(path)})
    return path


def item_id(workspace: Workspace, path: str) -> int:
    return next(item.id for item in workspace.items(path_glob=path))


def test_accounts_are_typed_and_settings_checked(workspace: Workspace, tmp_path: Path) -> None:
    info = workspace.add_publisher("out", "folder", settings={"path": str(tmp_path), "token": "t"})
    assert isinstance(info, PublisherInfo)
    assert (info.kinds, info.default_kind) == (("album", "post"), "post")
    assert info.settings == {"path": str(tmp_path), "token": "********"}
    assert workspace.publishers() == [info]
    assert workspace.publisher("out") == info
    with pytest.raises(SettingsError, match="setting 'path': required key is missing"):
        workspace.add_publisher("bad", "folder", settings={})
    with workspace.open_publisher("out") as publisher:
        assert publisher.settings.token.reveal() == "t"
        assert publisher.check().ok
    updated = workspace.update_publisher("out", settings={"token": None})
    assert updated.settings == {"path": str(tmp_path), "token": None}
    workspace.remove_publisher("out")
    assert workspace.publishers() == []


def test_publish_returns_the_publication_and_lists_it(workspace: Workspace, folder: Path) -> None:
    first, second = item_id(workspace, "a.jpg"), item_id(workspace, "c.jpg")
    plan = workspace.plan_publication([first, second], to="out", kind="album", caption="hi")
    assert plan == PublishPlan("out", "folder", "album", "hi", (first, second), None)
    published = workspace.publish([first, second], to="out", kind="album", caption="hi")
    assert isinstance(published, Publication)
    assert published.status is PublicationStatus.PUBLISHED
    assert published.item_ids == (first, second)
    assert (folder / str(published.remote_id) / "01-c.jpg").read_bytes() == MEDIA["c.jpg"]
    assert workspace.publication(published.id) == published
    assert workspace.publications(account="out") == [published]
    assert workspace.publications(account="elsewhere") == []

    with pytest.raises(AlreadyPublished) as refused:
        workspace.publish([first, second], to="out", kind="album")
    assert refused.value.publication_id == published.id
    again = workspace.publish([first, second], to="out", kind="album", again=True)
    assert again.id != published.id
    assert workspace.publications(limit=1) == [again]


def test_a_publishers_failure_is_returned_not_raised(workspace: Workspace, folder: Path) -> None:
    (folder / ".token").write_text("right")
    failed = workspace.publish([item_id(workspace, "a.jpg")], to="out")
    assert failed.status is PublicationStatus.FAILED
    assert failed.error == f"folder {folder} refused the token"
    assert failed.finished_at is None


def test_removing_an_account_keeps_its_history(workspace: Workspace, folder: Path) -> None:
    published = workspace.publish([item_id(workspace, "a.jpg")], to="out")
    workspace.remove_publisher("out")
    assert workspace.publications() == [published]


def test_an_attempt_taken_over_by_another_process_stops_at_its_next_step(
    workspace: Workspace, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes resuming one publication: the later claim wins, the earlier attempt's
    next journal write is refused, so it cannot carry on posting."""
    stale: list[DatabaseJournal] = []
    real = DatabaseJournal.record

    def first_step_then_die(self: DatabaseJournal, key: str, value: str) -> None:
        real(self, key, value)
        stale.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(DatabaseJournal, "record", first_step_then_die)
    item = item_id(workspace, "a.jpg")
    with pytest.raises(KeyboardInterrupt):
        workspace.publish([item], to="out")
    monkeypatch.undo()
    (running,) = workspace.publications()
    assert (running.status, running.attempts) == (PublicationStatus.RUNNING, 1)

    finished = workspace.publish([item], to="out")
    assert (finished.id, finished.attempts) == (running.id, 2)
    with pytest.raises(PublishError, match="was resumed by another process; this attempt stopped"):
        stale[0].record("remote_id", "post-from-the-first-attempt")
    assert workspace.publication(running.id).remote_id == finished.remote_id
