"""The core hooks a bot-like plugin builds on: services run by ``mediasync run --with-NAME``,
``schedule_paused`` asked by the worker, the workspace handed to ``sync_finished``, and secrets
and lists of a plugin's own state."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from conftest import CliRun
from indexing import jpeg
from support import json_output

from mediasync import (
    MediasyncError,
    RemoteError,
    Service,
    SettingsError,
    SyncRun,
    Workspace,
    hookimpl,
)
from mediasync._plugins import load_plugins


class EchoService(Service):
    name = "echo"
    description = "Echo the stop signal (a test service)."
    started: ClassVar[list[Workspace]] = []
    stopped: ClassVar[threading.Event] = threading.Event()

    def run(self, stop: threading.Event) -> None:
        EchoService.started.append(self.workspace)
        assert stop.wait(10)
        EchoService.stopped.set()


class BrokenService(Service):
    name = "broken"

    def run(self, stop: threading.Event) -> None:
        raise RemoteError("the chat service refused our token")


class ServicesPlugin:
    @hookimpl
    def register_services(self, register: Any) -> None:
        register(EchoService)
        register(BrokenService)


class PausingPlugin:
    """Pauses the sources named in ``paused``; raises for ``"boom"``; records what it heard."""

    def __init__(self, *paused: str) -> None:
        self.paused = set(paused)
        self.asked: list[tuple[str, Workspace]] = []
        self.finished: list[tuple[SyncRun, Workspace]] = []

    @hookimpl
    def schedule_paused(self, source: str, workspace: Workspace) -> bool:
        self.asked.append((source, workspace))
        if source == "boom":
            raise RuntimeError("pause check broke")
        return source in self.paused

    @hookimpl
    def sync_finished(self, run: SyncRun, workspace: Workspace) -> None:
        self.finished.append((run, workspace))


def open_workspace(database_url: str, *builtins: tuple[str, object]) -> Workspace:
    return Workspace.open(database_url=database_url, plugins=load_plugins(builtins=builtins))


def add_folder(workspace: Workspace, tmp_path: Path, name: str) -> None:
    jpeg(tmp_path / name / "a.jpg", seed=1)
    workspace.add_source(name, "local", root=str(tmp_path / name), settings={})


def test_run_offers_and_runs_a_service_beside_the_worker(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str
) -> None:
    cli_builtins.append(("services", ServicesPlugin()))
    EchoService.started.clear()
    EchoService.stopped.clear()

    shown = run(["run", "--help"])
    result = run(["--db", database_url, "run", "--once", "--with-echo"])
    plugins = {p["name"]: p for p in json_output(run(["plugins", "--json"]))}

    assert "--with-echo" in shown.stdout
    assert "Echo the stop signal (a test service)." in shown.stdout
    assert result.exit_code == 0, result.stderr
    assert len(EchoService.started) == 1
    assert EchoService.stopped.is_set(), "the end of --once stopped the service"
    assert plugins["services"]["registered"]["services"] == ["broken", "echo"]


def test_a_failing_service_stops_the_run_with_one_line(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str
) -> None:
    cli_builtins.append(("services", ServicesPlugin()))
    result = run(["--db", database_url, "run", "--with-broken", "--with-echo"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: broken: the chat service refused our token"


def test_a_service_name_that_cannot_be_a_flag_is_the_plugins_error() -> None:
    class Spaced(EchoService):
        name = "Echo Service"

    class Plugin:
        @hookimpl
        def register_services(self, register: Any) -> None:
            register(Spaced)

    plugins = load_plugins(environ={}, builtins=[("spaced", Plugin())])
    record = plugins.records["spaced"]
    assert record.status == "error"
    assert record.error is not None
    assert "must be lowercase letters, digits and dashes" in record.error


def test_the_worker_skips_a_paused_source_until_its_next_interval(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pauser = PausingPlugin("paused")
    with open_workspace(database_url, ("pauser", pauser)) as workspace:
        for name in ("paused", "boom", "free"):
            add_folder(workspace, tmp_path, name)
        caplog.set_level(logging.INFO, logger="mediasync")
        assert workspace.worker(once=True).run() == 2, (
            "free, and boom (a broken hook pauses nothing)"
        )
        assert workspace.runs("paused") == []
        [status] = workspace.status("paused")
        assert workspace.sync("paused").run.counts.added == 1, "a sync by name is never paused"
    assert status.lease_owner is None
    assert status.next_due_at is not None
    assert status.next_due_at - datetime.now(UTC) > timedelta(minutes=4)
    assert sorted(source for source, _ in pauser.asked) == ["boom", "free", "paused"]
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("sync paused paused by plugin 'pauser'; due again at") for m in messages
    )
    assert "plugin 'pauser' failed in schedule_paused: RuntimeError: pause check broke" in messages


def test_sync_finished_hears_the_workspace_of_the_run(tmp_path: Path, database_url: str) -> None:
    observer = PausingPlugin()
    with open_workspace(database_url, ("observer", observer)) as workspace:
        add_folder(workspace, tmp_path, "pics")
        workspace.sync("pics")
        workspace.set_state("observer", "notes", "pics", {"seen": True})
        [(run, heard)] = observer.finished
        assert run.source == "pics"
        assert heard.get_state("observer", "notes", "pics") == {"seen": True}


def test_plugin_secrets_are_sealed_and_references_kept(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_TOKEN", "from-the-environment")
    with Workspace.open(database_url=database_url) as workspace:
        sealed = workspace.seal_secret("s3cret-value")
        reference = workspace.seal_secret("$env:CHAT_TOKEN")
        workspace.set_state("bot", "config", "token", sealed)
        workspace.set_state("bot", "config", "other", reference)
        stored = workspace.list_state("bot", "config")
        opened = workspace.open_secret(stored["token"])
    assert "s3cret-value" not in repr(stored)
    assert set(sealed) == {"$encrypted"}
    assert stored == {"other": {"$env": "CHAT_TOKEN"}, "token": sealed}
    assert opened.reveal() == "s3cret-value"
    assert repr(opened) == "Secret('********')"
    assert Workspace.open(database_url=database_url).open_secret(reference).reveal() == (
        "from-the-environment"
    )
    monkeypatch.delenv("CHAT_TOKEN")
    with pytest.raises(SettingsError, match="'bot token': environment variable CHAT_TOKEN"):
        Workspace.open(database_url=database_url).open_secret(reference, "bot token")


def test_lease_held_is_public_and_a_mediasync_error() -> None:
    from mediasync import LeaseHeld

    assert issubclass(LeaseHeld, MediasyncError)


def doc_example(hook: str) -> ModuleType:
    """The python block of docs/plugins.md that implements ``hook``, as a module."""
    page = (Path(__file__).parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")
    [code] = [b for b in re.findall(r"```python\n(.*?)```", page, re.DOTALL) if f"def {hook}(" in b]
    module = ModuleType(f"docs_example_{hook}")
    exec(compile(code, f"docs/plugins.md ({hook})", "exec"), module.__dict__)
    return module


def test_the_documented_service_and_pause_examples_work(
    run: CliRun,
    cli_builtins: list[tuple[str, object]],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    cli_builtins.append(("heartbeat", doc_example("register_services")))
    cli_builtins.append(("quiet-hours", doc_example("schedule_paused")))
    with Workspace.open(database_url=database_url) as workspace:
        add_folder(workspace, tmp_path, "pics")
        add_folder(workspace, tmp_path, "night")
        workspace.sync("pics")  # indexed (1 item), and not due again for a while
        workspace.set_state("quiet-hours", "sources", "night", {"paused": True})

    result = run(["--db", database_url, "run", "--once", "--with-heartbeat"])

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "heartbeat.txt").read_text() == "1\n"
    with Workspace.open(database_url=database_url) as workspace:
        assert workspace.runs("night") == [], "night was due, and paused"
    assert "sync night paused by plugin 'quiet-hours'" in result.stderr
