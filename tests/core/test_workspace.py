"""``Workspace`` as a library: the docs' example runs, and it agrees with the command line."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import CliRun
from indexing import jpeg

from mediasync import RunStatus, UsageError, Workspace

DOCS = Path(__file__).parents[2] / "docs" / "library.md"


def test_the_library_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    home = tmp_path / "user"
    for name in ("2024/a.jpg", "2024/b.jpg", "2023/c.jpg"):
        jpeg(home / "Pictures" / name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(DOCS), "exec"), {})
    out = capsys.readouterr().out
    assert "3 added in" in out
    assert "photos ok 3" in out
    assert len(re.findall(r"^\d+ 2024/[ab]\.jpg 2048 [0-9a-f]{64}$", out, re.M)) == 2
    assert "added None" in out
    assert "[<RunStatus.OK: 'ok'>]" in out
    assert "3 copied, 0 already there, error: None\n0 copied, 3 already there, error: None" in out
    assert sorted(p.name for p in (home / "Backup").rglob("*.jpg")) == ["a.jpg", "b.jpg", "c.jpg"]


def normalised(data: Any) -> Any:
    """JSON without what differs between two databases: ids and times."""
    if isinstance(data, dict):
        return {
            k: normalised(v)
            for k, v in data.items()
            if k not in {"id", "run_id", "started_at", "finished_at", "created_at", "updated_at"}
            and not k.endswith(("_at", "seen"))
        }
    if isinstance(data, list):
        return [normalised(v) for v in data]
    return data


def test_cli_and_library_give_the_same_results(
    run: CliRun, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "pics"
    for i in range(3):
        jpeg(folder / f"{i}.jpg", seed=i)
    cli_db = database_url
    lib_db = f"sqlite:///{tmp_path / 'library.db'}"

    assert (
        run(
            ["--db", cli_db, "sources", "add", "pics", "--type", "local", "--root", str(folder)]
        ).exit_code
        == 0
    )
    assert run(["--db", cli_db, "sync", "pics"]).exit_code == 0
    cli_status = json.loads(run(["--db", cli_db, "status", "--json"]).stdout)
    cli_items = json.loads(run(["--db", cli_db, "items", "list", "--json"]).stdout)

    with Workspace.open(database_url=lib_db) as workspace:
        workspace.add_source("pics", "local", root=str(folder), settings={})
        assert workspace.sync("pics").run.status is RunStatus.OK
        lib_status = [_status_json(s) for s in workspace.status()]
        lib_items = [_item_json(i) for i in workspace.items()]

    assert normalised(lib_status) == normalised(cli_status)
    assert normalised(lib_items) == normalised(cli_items)


def _status_json(status: Any) -> Any:
    """The library's value in the CLI's JSON shape (times as the CLI writes them)."""
    from mediasync._cli.output import json_default
    from mediasync._cli.status_cmd import status_json

    return json.loads(json.dumps(status_json(status), default=json_default))


def _item_json(item: Any) -> Any:
    from mediasync._cli.items_cmd import item_json
    from mediasync._cli.output import json_default

    return json.loads(json.dumps(item_json(item), default=json_default))


def test_sync_from_another_thread_and_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    jpeg(folder / "a.jpg")
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'i.db'}") as workspace:
        with pytest.raises(UsageError, match="does not exist"):
            workspace.add_source("gone", "local", root=str(tmp_path / "nope"), settings={})
        with pytest.raises(UsageError, match="invalid source name"):
            workspace.add_source("bad name", "local", root=str(folder), settings={})
        assert workspace.sources() == []
        workspace.add_source("pics", "local", root=str(folder), settings={})
        reports: list[Any] = []
        thread = threading.Thread(target=lambda: reports.append(workspace.sync("pics")))
        thread.start()
        thread.join()
        assert reports[0].run.counts.added == 1
        assert workspace.last_run("pics") is not None
        with pytest.raises(UsageError, match="no item with id"):
            workspace.item(10_000)
        with pytest.raises(UsageError, match="interval"):
            workspace.update_source("pics", interval_seconds=0)
        assert workspace.source("pics").interval_seconds is None


def test_current_outside_a_command_says_what_to_use() -> None:
    with pytest.raises(RuntimeError, match=r"Workspace\.open"):
        Workspace.current()
