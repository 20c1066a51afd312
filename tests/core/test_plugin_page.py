"""Every example of docs/plugins.md runs, and the page names every hook and public name.

Each fenced block of the page is claimed below by the test that runs it (or, for a file shown
whole, by the test that proves it is that file of the example plugin, which
``test_example_plugin.py`` installs and runs): a new example nobody runs fails
``test_every_example_on_the_page_is_run_by_a_test``.
"""

from __future__ import annotations

import importlib
import re
import shlex
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from core.feed_plugin import FEEDS, FeedStore
from indexing import jpeg
from support import CliRun, json_output

import mediasync
import mediasync.testing
from mediasync import Source, hookspecs
from mediasync._plugins import load_plugins

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "plugins.md").read_text(encoding="utf-8")
EXAMPLE = DOCS / "example-plugin"
BLOCKS = [
    (language, textwrap.dedent(code))
    for language, code in re.findall(r"^ *```(\w*)\n(.*?)^ *```", PAGE, re.MULTILINE | re.DOTALL)
]

CLAIMS = {
    "example-plugin/\n├──": "test_the_tree_is_the_example_plugins",
    "[project.entry-points.mediasync]": "test_the_packaging_is_the_example_plugins",
    'dependencies = ["mediasync-core': "test_the_packaging_is_the_example_plugins",
    "def register_sources(register)": "test_the_registering_hooks_register_the_example_classes",
    "def register_publishers(register)": "test_the_registering_hooks_register_the_example_classes",
    "class RecentOnlyStrategy": "test_the_strategy_reads_the_newest_until_a_known_item",
    "example-count": "test_the_command_counts_a_sources_items",
    "class HeartbeatService": "test_companions.py::test_the_documented_service_and_pause_...",
    "def schedule_paused(": "test_companions.py::test_the_documented_service_and_pause_...",
    "def sync_finished(run)": "test_the_observers_hear_a_failed_run_and_a_rename",
    "def item_changed(change)": "test_the_observers_hear_a_failed_run_and_a_rename",
    "import dropbox  # imported": "test_the_sdk_is_imported_on_the_first_listing",
    "class DropboxSettings": "test_settings_secrets_and_their_errors_read_as_shown",
    "error: source 'pics' (example-folder)": "test_settings_secrets_and_their_errors_read_as_shown",
    "$ mediasync sources add box": "test_settings_secrets_and_their_errors_read_as_shown",
    "$ mediasync plugin new dropbox": "test_plugin_new_prints_what_the_page_shows",
    '"""``ExampleOutboxPublisher``': "test_files_shown_whole_are_the_example_plugins",
    '"""The mediasync conformance suite': "test_files_shown_whole_are_the_example_plugins",
    '"""The mediasync publisher conformance': "test_files_shown_whole_are_the_example_plugins",
    '"""The installed plugin loads': "test_files_shown_whole_are_the_example_plugins",
    'pytest_plugins = ["mediasync.testing.fixtures"]': "test_files_shown_whole_are_...",
}


def block(containing: str, language: str = "python") -> str:
    [found] = [code for lang, code in BLOCKS if lang == language and containing in code]
    return found


def example_module(code: str, name: str, **names: Any) -> ModuleType:
    """A block of the page run as a module (``names`` are what it leaves to the reader)."""
    module = ModuleType(f"docs_plugins_{name}")
    module.__dict__.update(names)
    # dont_inherit: not this file's ``from __future__ import annotations``, only the block's own
    exec(compile(code, f"docs/plugins.md ({name})", "exec", dont_inherit=True), module.__dict__)
    return module


@pytest.fixture
def example_package(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example plugin's package importable, and forgotten afterwards."""
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    yield
    for name in [m for m in sys.modules if m.startswith("example_mediasync_plugin")]:
        del sys.modules[name]


def test_every_example_on_the_page_is_run_by_a_test() -> None:
    unclaimed = [code for _lang, code in BLOCKS if not any(c in code for c in CLAIMS)]
    assert unclaimed == [], "examples no test runs: claim them in CLAIMS and run them"


def test_the_page_names_every_hook_and_public_name() -> None:
    hooks = [name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "mediasync_spec")]
    assert len(hooks) >= 8
    public = [*hooks, *mediasync.__all__, *mediasync.testing.__all__]
    missing = [name for name in public if not re.search(rf"(?<![\w.]){re.escape(name)}\b", PAGE)]
    missing += [c.name for c in mediasync.Capability if f"| `{c.name}` |" not in PAGE]
    assert missing == [], f"docs/plugins.md does not name: {missing}"
    for section in ("## Versioning", "### Capabilities", "## Settings", "### Secrets"):
        assert f"\n{section}" in PAGE


def test_the_tree_is_the_example_plugins() -> None:
    names = re.findall(r"[\w.]+\.(?:py|toml)\b", block("example-plugin/\n├──", "text"))
    assert len(names) >= 8
    files = {path.name for path in EXAMPLE.rglob("*") if "__pycache__" not in path.parts}
    assert set(names) <= files, set(names) - files


def test_the_packaging_is_the_example_plugins() -> None:
    example = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    entry = tomllib.loads(block("[project.entry-points.mediasync]", "toml"))
    core = tomllib.loads(block('dependencies = ["mediasync-core', "toml"))
    assert entry["project"]["entry-points"] == example["project"]["entry-points"]
    assert core["project"]["dependencies"] == example["project"]["dependencies"]
    [requirement] = core["project"]["dependencies"]
    from mediasync._plugin_new import core_requirement

    assert requirement == core_requirement(mediasync.__version__), "what `plugin new` writes"


def test_files_shown_whole_are_the_example_plugins() -> None:
    shown = {code for lang, code in BLOCKS if lang == "python"}
    for path in (
        "src/example_mediasync_plugin/publisher.py",
        "tests/test_publisher.py",
        "tests/test_conformance.py",
        "tests/test_plugin.py",
    ):
        assert (EXAMPLE / path).read_text(encoding="utf-8") in shown, f"{path} differs"
    conftest = (EXAMPLE / "conftest.py").read_text(encoding="utf-8")
    assert block('pytest_plugins = ["mediasync.testing.fixtures"]') in conftest


@pytest.mark.usefixtures("example_package")
def test_the_registering_hooks_register_the_example_classes() -> None:
    sources = example_module(block("def register_sources(register)"), "sources")
    publishers = example_module(block("def register_publishers(register)"), "publishers")
    plugins = load_plugins(environ={}, builtins=[("src", sources), ("pub", publishers)])
    assert plugins.records["src"].registered["sources"] == ["example-folder"]
    assert plugins.records["pub"].registered["publishers"] == ["example-outbox"]


def test_the_strategy_reads_the_newest_until_a_known_item(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> None:
    from core import feed_plugin

    strategy = example_module(block("class RecentOnlyStrategy"), "strategy")
    cli_builtins += [("feed", feed_plugin), ("recent", strategy)]
    store = FEEDS["docs"] = FeedStore()
    for n in range(7):
        store.post(f"post {n}")
    db = ["--db", database_url]
    add = [*db, "sources", "add", "f", "--type", "feed", "--root", "docs"]
    assert run([*add, "--strategy", "recent-only"]).exit_code == 0
    (tmp_path / "pics").mkdir()
    local = [*db, "sources", "add", "pics", "--type", "local", "--root", str(tmp_path / "pics")]
    refused = run([*local, "--strategy", "recent-only"])

    first = json_output(run([*db, "sync", "f", "--json"]))
    store.post("new")
    store.pages_read = 0
    second = json_output(run([*db, "sync", "f", "--json"]))

    assert refused.exit_code == 2, refused.stdout
    assert "recent-only" in refused.stderr
    assert first[0]["counts"]["added"] == 7
    assert second[0]["counts"]["added"] == 1
    assert store.pages_read == 1, "it stops at the first known item"
    FEEDS.pop("docs")


def test_the_command_counts_a_sources_items(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> None:
    cli_builtins.append(("count", example_module(block("example-count"), "command")))
    jpeg(tmp_path / "pics" / "a.jpg", seed=1)
    jpeg(tmp_path / "pics" / "b.jpg", seed=2)
    db = ["--db", database_url]
    assert run([*db, "sync", str(tmp_path / "pics")]).exit_code == 0
    counted = run([*db, "example-count", "pics"])
    assert (counted.exit_code, counted.stdout) == (0, "2\n")


def test_the_observers_hear_a_failed_run_and_a_rename(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> None:
    heard: list[str] = []
    finished = example_module(block("def sync_finished(run)"), "finished", notify_me=heard.append)
    changed = example_module(block("def item_changed(change)"), "changed")
    cli_builtins += [("finished", finished), ("changed", changed)]
    pics = tmp_path / "pics"
    jpeg(pics / "a.jpg", seed=1)
    db = ["--db", database_url]
    assert run([*db, "sync", str(pics)]).exit_code == 0
    (pics / "a.jpg").rename(pics / "b.jpg")
    renamed = run([*db, "sync", "pics"])
    (pics / "b.jpg").unlink()
    pics.rmdir()
    failed = run([*db, "sync", "pics"])

    assert "a.jpg is now b.jpg\n" in renamed.stdout
    assert failed.exit_code == 1
    [message] = heard
    assert message.startswith("sync of pics failed: ")


def test_the_sdk_is_imported_on_the_first_listing() -> None:
    assert "dropbox" not in sys.modules
    module = example_module(block("import dropbox  # imported"), "lazy", Source=Source)
    assert "dropbox" not in sys.modules, "defining the source imports nothing"
    with pytest.raises(ModuleNotFoundError, match="'dropbox'"):
        module.DropboxSource.list_entries(None)


def _dropbox_plugin() -> ModuleType:
    settings = example_module(block("class DropboxSettings"), "settings")

    class DropboxSource(Source):
        type_name = "dropbox"
        root_required = False
        Settings = settings.DropboxSettings

        def list_entries(self) -> Iterator[mediasync.MediaEntry]:
            yield from ()

        def check(self) -> mediasync.HealthCheck:
            return mediasync.HealthCheck.healthy()

    @mediasync.hookimpl
    def register_sources(register: Any) -> None:
        register(DropboxSource)

    plugin = ModuleType("dropbox_docs_plugin")
    plugin.register_sources = register_sources  # type: ignore[attr-defined]
    return plugin


@pytest.mark.usefixtures("example_package")
def test_settings_secrets_and_their_errors_read_as_shown(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> None:
    example = importlib.import_module("example_mediasync_plugin.plugin")
    cli_builtins += [("dropbox", _dropbox_plugin()), ("example", example)]
    db = ["--db", database_url]
    (tmp_path / ".dropbox-token").write_text("s3cret\n", encoding="utf-8")
    for line in block("$ mediasync sources add box", "console").splitlines():
        args = shlex.split(line.removeprefix("$ mediasync "))
        added = run([*db, *args, "--json"], DROPBOX_TOKEN="s3cret", HOME=str(tmp_path))
        reference = args[-1].removeprefix("token=")
        assert json_output(added)["settings"] == {
            "app_key": "abc",
            "token": reference,
            "page_size": 500,
            "include_shared": False,
        }
        shown = run([*db, "sources", "show", "box"])
        assert reference in shown.stdout
        assert "s3cret" not in added.stdout + shown.stdout
        assert run([*db, "sources", "remove", "box", "--yes"]).exit_code == 0

    add = [*db, "sources", "add", "pics", "--type", "example-folder", "--root", str(tmp_path)]
    unknown = run([*add, "--set", "colour=red"])
    wrong = run([*add, "--set", "include_hidden=maybe"])
    assert unknown.stderr + wrong.stderr == block("error: source 'pics'", "text")


def test_plugin_new_prints_what_the_page_shows(run: CliRun, tmp_path: Path) -> None:
    command, *output = block("$ mediasync plugin new dropbox", "console").splitlines()
    home = tmp_path / "you"
    (home / "src").mkdir(parents=True)
    args = shlex.split(command.removeprefix("$ mediasync ").replace("~", str(home)))
    result = run(args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [line.replace("/home/you", str(home)) for line in output]
    made = home / "src" / "mediasync-dropbox"
    for path in ("pyproject.toml", "conftest.py", "tests/test_conformance.py"):
        assert (made / path).is_file(), path
    source = (made / "src" / "mediasync_dropbox" / "source.py").read_text(encoding="utf-8")
    assert "class DropboxSettings:" in source
    assert "class DropboxSource(Source):" in source
    assert 'dropbox = "mediasync_dropbox.plugin"' in (made / "pyproject.toml").read_text()
