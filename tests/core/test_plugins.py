"""The plugin loader against real distributions: ``.dist-info`` on ``sys.path``, entry points,
``Requires-Dist``, imports that fail, selection by environment, clashes and observers."""

from __future__ import annotations

import builtins
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core.plugin_dists import PluginDists
from support import CliRun, json_output

from mediasync import PluginError, RunStatus, SyncCounts, SyncRun, Trigger, Workspace
from mediasync._cli.main import build_cli
from mediasync._plugins import load_plugins

GOOD = """
    import click

    from mediasync import HealthCheck, Source, hookimpl


    class GoodSource(Source):
        type_name = "good"
        root_required = False

        def list_entries(self):
            return iter(())

        def check(self):
            return HealthCheck.healthy("all good")


    @hookimpl
    def register_sources(register):
        register(GoodSource)


    @hookimpl
    def register_commands(cli):
        @cli.command("hello")
        def hello():
            "Say hello from the good plugin."
            click.echo("hello from good")
"""

BROKEN = """
    raise RuntimeError("boom: the plugin is broken")
"""

NEVER_IMPORT = """
    import builtins

    builtins.MEDIASYNC_TEST_NEVER_IMPORT = True
    raise AssertionError("this plugin must not be imported")
"""

BROKEN_WARNING = (
    "plugin 'broken' (mediasync-broken 2.3.4) failed to load: RuntimeError: boom: the plugin is "
    "broken"
)


def shared_source(origin: str, extra: str = "") -> str:
    """A plugin registering source type ``shared`` (and maybe more), tagged with ``origin``."""
    return f"""
        from mediasync import HealthCheck, Source, hookimpl


        class SharedSource(Source):
            type_name = "shared"
            origin = "{origin}"
            root_required = False

            def list_entries(self):
                return iter(())

            def check(self):
                return HealthCheck.healthy()


        class OwnSource(SharedSource):
            type_name = "{origin}-only"


        @hookimpl
        def register_sources(register):
            register(OwnSource)
            register(SharedSource)
        {extra}
    """


class _Lines(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def dists(tmp_path: Path) -> Iterator[PluginDists]:
    """Plugin distributions installed on ``sys.path`` for this test only."""
    with PluginDists(tmp_path / "site-packages").on_sys_path() as installed:
        yield installed


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """Every warning the loader logs (its own handler: the CLI may stop propagation)."""
    lines: list[str] = []
    handler = _Lines(lines)
    logger = logging.getLogger("mediasync.plugins")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's shell: ``MEDIASYNC_STRICT_PLUGINS`` unset."""
    monkeypatch.delenv("MEDIASYNC_STRICT_PLUGINS")


def plugin_module(name: str) -> Any:
    """The imported package of the test plugin ``name`` (made by ``PluginDists.add``)."""
    return sys.modules[f"mediasync_testplugin_{name}"]


def by_name(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in data}


def never_imported() -> bool:
    """Whether no ``NEVER_IMPORT`` plugin has been imported (it leaves a mark on ``builtins``)."""
    return not hasattr(builtins, "MEDIASYNC_TEST_NEVER_IMPORT")


@pytest.fixture(autouse=True)
def _forget_never_import_mark() -> Iterator[None]:
    yield
    if hasattr(builtins, "MEDIASYNC_TEST_NEVER_IMPORT"):
        delattr(builtins, "MEDIASYNC_TEST_NEVER_IMPORT")


# -- a good plugin ---------------------------------------------------------------------------


def test_good_plugin_is_ok_and_lists_what_it_registered(dists: PluginDists) -> None:
    dists.add("good", GOOD)

    plugins = load_plugins()
    build_cli(plugins)

    record = plugins.records["good"]
    assert (record.status, record.error) == ("ok", None)
    assert (record.distribution, record.version) == ("mediasync-good", "1.0.0")
    assert record.registered == {
        "sources": ["good"],
        "publishers": [],
        "strategies": [],
        "services": [],
        "commands": ["hello"],
    }
    assert plugins.source_type("good") is plugin_module("good").GoodSource
    assert plugins.records["core"].status == "ok"


def test_good_plugins_source_type_and_command_work_from_the_cli(
    dists: PluginDists, run: CliRun
) -> None:
    dists.add("good", GOOD)

    assert run(["hello"]).stdout == "hello from good\n"
    added = json_output(run(["sources", "add", "pics", "--type", "good", "--json"]))
    assert (added["name"], added["type"]) == ("pics", "good")
    listed = json_output(run(["sources", "list", "--json"]))
    assert [(s["name"], s["type"]) for s in listed] == [("pics", "good")]


# -- a plugin that fails to import -----------------------------------------------------------


@pytest.mark.usefixtures("lenient")
def test_import_error_costs_one_warning_line_and_nothing_else(
    dists: PluginDists, warnings: list[str]
) -> None:
    dists.add("good", GOOD)
    dists.add("broken", BROKEN, version="2.3.4")

    plugins = load_plugins()

    assert warnings == [BROKEN_WARNING]
    broken = plugins.records["broken"]
    assert broken.status == "error"
    assert broken.error == "RuntimeError: boom: the plugin is broken"
    assert (broken.distribution, broken.version) == ("mediasync-broken", "2.3.4")
    assert all(names == [] for names in broken.registered.values())
    assert plugins.records["good"].status == "ok"
    assert plugins.manager.get_plugin("broken") is None


@pytest.mark.usefixtures("lenient")
def test_with_a_broken_plugin_core_commands_and_plugins_json_still_work(
    dists: PluginDists, run: CliRun
) -> None:
    dists.add("good", GOOD)
    dists.add("broken", BROKEN, version="2.3.4")

    assert json_output(run(["sources", "list", "--json"])) == []
    assert run(["hello"]).exit_code == 0
    listed = by_name(json_output(run(["plugins", "--json"])))
    assert listed["broken"]["status"] == "error"
    assert listed["broken"]["error"] == "RuntimeError: boom: the plugin is broken"
    assert listed["broken"]["version"] == "2.3.4"
    assert listed["good"]["status"] == "ok"
    assert listed["core"]["status"] == "ok"


def test_strict_mode_turns_an_import_error_into_a_plugin_error(dists: PluginDists) -> None:
    dists.add("good", GOOD)
    dists.add("broken", BROKEN, version="2.3.4")

    assert os.environ["MEDIASYNC_STRICT_PLUGINS"] == "1"
    with pytest.raises(PluginError, match=r"plugin 'broken' .*RuntimeError: boom") as caught:
        load_plugins()

    assert caught.value.plugin == "broken"
    assert "mediasync-broken 2.3.4" in str(caught.value)


# -- version checks --------------------------------------------------------------------------


@pytest.mark.usefixtures("lenient")
def test_plugin_needing_a_newer_core_is_incompatible_and_never_imported(
    dists: PluginDists, warnings: list[str]
) -> None:
    module = dists.add("future", NEVER_IMPORT, requires=["mediasync-core>=99"])

    plugins = load_plugins()

    record = plugins.records["future"]
    assert record.status == "incompatible"
    assert record.error == "needs mediasync-core>=99, installed is 0.1.0"
    assert module not in sys.modules
    assert never_imported()
    assert warnings == [
        "plugin 'future' (mediasync-future 1.0.0) is incompatible: "
        "needs mediasync-core>=99, installed is 0.1.0"
    ]


def test_incompatible_plugin_is_an_error_in_strict_mode(dists: PluginDists) -> None:
    dists.add("future", NEVER_IMPORT, requires=["mediasync-core>=99"])

    with pytest.raises(PluginError, match=r"'future' .*is incompatible") as caught:
        load_plugins()

    assert caught.value.plugin == "future"
    assert never_imported()


@pytest.mark.parametrize(
    "requirement",
    [
        "mediasync-core>=0.1",
        "MediaSync_Core>=0.1,<1",
        "mediasync-core>=99; extra == 'dev'",
        "mediasync-core>=99; python_version < '3'",
        "attrs>=99",
    ],
)
def test_requirements_that_the_installed_core_meets_load(
    dists: PluginDists, requirement: str
) -> None:
    dists.add("good", GOOD, requires=[requirement])

    assert load_plugins().records["good"].status == "ok"


# -- choosing plugins from the environment ---------------------------------------------------


def test_empty_load_plugins_loads_none_and_core_still_works(
    dists: PluginDists, monkeypatch: pytest.MonkeyPatch, run: CliRun
) -> None:
    dists.add("good", GOOD)
    dists.add("broken", NEVER_IMPORT)
    monkeypatch.setenv("MEDIASYNC_LOAD_PLUGINS", "")

    plugins = load_plugins()

    assert plugins.records["core"].status == "ok"
    others = [record for name, record in plugins.records.items() if name != "core"]
    assert {r.name for r in others} >= {"good", "broken"}
    assert {r.status for r in others} == {"blocked"}
    assert {r.error for r in others} == {"not selected by MEDIASYNC_LOAD_PLUGINS"}
    assert never_imported()
    assert "good" not in plugins.sources
    assert json_output(run(["sources", "list", "--json"])) == []
    assert by_name(json_output(run(["plugins", "--json"])))["core"]["status"] == "ok"
    assert run(["hello"]).exit_code == 2


@pytest.mark.parametrize("value", ["good", " good , ", "good,missing"])
def test_load_plugins_loads_only_the_named_ones(
    dists: PluginDists, monkeypatch: pytest.MonkeyPatch, warnings: list[str], value: str
) -> None:
    dists.add("good", GOOD)
    dists.add("broken", NEVER_IMPORT)
    monkeypatch.setenv("MEDIASYNC_LOAD_PLUGINS", value)

    plugins = load_plugins()

    assert plugins.records["good"].status == "ok"
    assert plugins.records["broken"].status == "blocked"
    assert plugins.records["broken"].error == "not selected by MEDIASYNC_LOAD_PLUGINS"
    assert never_imported()
    assert warnings == []


def test_disable_plugins_blocks_the_named_ones(
    dists: PluginDists, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_module = dists.add("good", GOOD)
    dists.add("other", shared_source("other"))
    monkeypatch.setenv("MEDIASYNC_DISABLE_PLUGINS", "good")

    plugins = load_plugins()

    assert plugins.records["good"].status == "blocked"
    assert plugins.records["good"].error == "disabled by MEDIASYNC_DISABLE_PLUGINS"
    assert plugins.records["other"].status == "ok"
    assert good_module not in sys.modules
    assert "good" not in plugins.sources


# -- clashes and bad registrations -----------------------------------------------------------


@pytest.mark.usefixtures("lenient")
def test_second_plugin_with_the_same_source_type_is_an_error_naming_both(
    dists: PluginDists, warnings: list[str], run: CliRun
) -> None:
    dists.add("alpha", shared_source("alpha"))
    dists.add("beta", shared_source("beta"))

    plugins = load_plugins()

    beta = plugins.records["beta"]
    assert beta.status == "error"
    assert beta.error == "source 'shared' is already registered by plugin 'alpha'"
    assert warnings == [
        "plugin 'beta' (mediasync-beta 1.0.0) failed to load: "
        "source 'shared' is already registered by plugin 'alpha'"
    ]
    # all or nothing: beta's own, unclashing source is not registered either
    assert "beta-only" not in plugins.sources
    assert plugins.manager.get_plugin("beta") is None
    assert plugins.records["alpha"].registered["sources"] == ["alpha-only", "shared"]
    assert plugins.source_type("shared").origin == "alpha"  # type: ignore[attr-defined]
    added = json_output(run(["sources", "add", "s", "--type", "shared", "--json"]))
    assert added["type"] == "shared"


def test_duplicate_source_type_is_an_error_in_strict_mode(dists: PluginDists) -> None:
    dists.add("alpha", shared_source("alpha"))
    dists.add("beta", shared_source("beta"))

    with pytest.raises(PluginError, match=r"'beta'.*already registered by plugin 'alpha'") as e:
        load_plugins()

    assert e.value.plugin == "beta"


CLUMSY = """
    import click

    from mediasync import HealthCheck, Source, hookimpl


    class ClumsySource(Source):
        type_name = "clumsy"
        root_required = False

        def list_entries(self):
            return iter(())

        def check(self):
            return HealthCheck.healthy()


    @hookimpl
    def register_sources(register):
        register(ClumsySource)


    @hookimpl
    def register_commands(cli):
        @cli.command("half-added")
        def half_added():
            pass

        raise RuntimeError("cannot build my commands")
"""


@pytest.mark.usefixtures("lenient")
def test_register_commands_that_raises_is_an_error_and_the_cli_still_builds(
    dists: PluginDists, warnings: list[str], run: CliRun
) -> None:
    dists.add("clumsy", CLUMSY)
    dists.add("good", GOOD)

    plugins = load_plugins()
    cli = build_cli(plugins)

    clumsy = plugins.records["clumsy"]
    assert clumsy.status == "error"
    assert clumsy.error == "register_commands: RuntimeError: cannot build my commands"
    assert warnings == [
        "plugin 'clumsy' (mediasync-clumsy 1.0.0) failed to load: "
        "register_commands: RuntimeError: cannot build my commands"
    ]
    assert "half-added" not in cli.commands
    assert {"plugins", "sources", "db", "hello"} <= set(cli.commands)
    # a plugin in error contributes nothing: its source type is withdrawn too
    assert "clumsy" not in plugins.sources
    assert plugins.manager.get_plugin("clumsy") is None

    help_result = run(["--help"])
    assert help_result.exit_code == 0
    assert "half-added" not in help_result.stdout
    assert "hello" in help_result.stdout
    assert by_name(json_output(run(["plugins", "--json"])))["clumsy"]["status"] == "error"


GREEDY = """
    import click

    from mediasync import hookimpl


    @hookimpl
    def register_commands(cli):
        @cli.command("plugins")
        def plugins():
            click.echo("mine now")
"""


@pytest.mark.usefixtures("lenient")
def test_plugin_cannot_replace_a_core_command(dists: PluginDists, run: CliRun) -> None:
    dists.add("greedy", GREEDY)

    plugins = load_plugins()
    build_cli(plugins)

    greedy = plugins.records["greedy"]
    assert greedy.status == "error"
    assert greedy.error == "register_commands replaced command 'plugins' of plugin 'core'"
    listed = by_name(json_output(run(["plugins", "--json"])))
    assert listed["greedy"]["status"] == "error"
    assert "plugins" in listed["core"]["registered"]["commands"]


NOT_A_SOURCE = """
    from mediasync import hookimpl


    class Lookalike:
        type_name = "lookalike"


    @hookimpl
    def register_sources(register):
        register(Lookalike)
"""

ABSTRACT_SOURCE = """
    from mediasync import Source, hookimpl


    class Unfinished(Source):
        type_name = "unfinished"


    @hookimpl
    def register_sources(register):
        register(Unfinished)
"""

NAMELESS_SOURCE = """
    from mediasync import HealthCheck, Source, hookimpl


    class Nameless(Source):
        def list_entries(self):
            return iter(())

        def check(self):
            return HealthCheck.healthy()


    @hookimpl
    def register_sources(register):
        register(Nameless)
"""

TYPO_HOOK = """
    from mediasync import hookimpl


    @hookimpl
    def register_source(register):
        pass
"""

WRONG_ARGUMENT = """
    from mediasync import hookimpl


    @hookimpl
    def register_sources(registrar):
        pass
"""

SECOND_SCAN = """
    from mediasync import SyncStrategy, hookimpl


    class MyScan(SyncStrategy):
        name = "scan"

        def run(self, source, index):
            pass


    @hookimpl
    def register_sync_strategies(register):
        register(MyScan)
"""

RAISING_REGISTER = """
    from mediasync import hookimpl


    @hookimpl
    def register_publishers(register):
        raise KeyError("no such account")
"""


@pytest.mark.usefixtures("lenient")
@pytest.mark.parametrize(
    ("code", "error"),
    [
        (NOT_A_SOURCE, r"^registered <class '.*\.Lookalike'>, not a Source subclass$"),
        (ABSTRACT_SOURCE, r"^registered Unfinished, which is abstract \(missing check, list_"),
        (NAMELESS_SOURCE, r"^Nameless has no type_name$"),
        (TYPO_HOOK, r"^implements unknown hook\(s\): register_source$"),
        (WRONG_ARGUMENT, r"^PluginValidationError: Plugin 'bad' for hook 'register_sources' "),
        (SECOND_SCAN, r"^strategy 'scan' is already registered by plugin 'core'$"),
        (RAISING_REGISTER, r"^register_publishers: KeyError: 'no such account'$"),
    ],
    ids=[
        "not-a-source",
        "abstract",
        "no-type-name",
        "unknown-hook",
        "wrong-arg",
        "core-strategy-name",
        "raises",
    ],
)
def test_bad_registration_is_an_error_on_one_line(
    dists: PluginDists, warnings: list[str], code: str, error: str
) -> None:
    dists.add("bad", code)
    dists.add("good", GOOD)

    plugins = load_plugins()

    bad = plugins.records["bad"]
    assert bad.status == "error"
    assert bad.error is not None
    assert "\n" not in bad.error
    assert re.search(error, bad.error), bad.error
    assert len(warnings) == 1
    assert warnings[0].startswith("plugin 'bad' (mediasync-bad 1.0.0) failed to load: ")
    assert "\n" not in warnings[0]
    assert plugins.manager.get_plugin("bad") is None
    assert plugins.records["good"].status == "ok"


# -- observers -------------------------------------------------------------------------------

FAILING_OBSERVER = """
    from mediasync import hookimpl

    calls = []


    @hookimpl(tryfirst=True)
    def sync_finished(run):
        calls.append(run)
        raise RuntimeError("chat unreachable")
"""

RECORDING_OBSERVER = """
    import sys

    from mediasync import hookimpl

    calls = []
    changes = []


    @hookimpl
    def sync_finished(run):
        first = sys.modules["mediasync_testplugin_alpha"]
        calls.append((run, len(first.calls)))


    @hookimpl
    def item_changed():
        changes.append("called without arguments, as pluggy allows")
"""


def a_sync_run() -> SyncRun:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return SyncRun(
        id=7,
        source="pics",
        strategy="scan",
        trigger=Trigger.CLI,
        status=RunStatus.OK,
        started_at=now,
        finished_at=now,
        counts=SyncCounts(added=3),
    )


def test_a_failing_observer_is_logged_and_the_next_one_still_runs(
    dists: PluginDists, warnings: list[str], tmp_path: Path
) -> None:
    dists.add("alpha", FAILING_OBSERVER)
    dists.add("omega", RECORDING_OBSERVER)
    plugins = load_plugins()
    run = a_sync_run()
    workspace = Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}", plugins=plugins)

    # As the core calls it; each observer gets only the arguments it declares.
    plugins.notify("sync_finished", run=run, workspace=workspace)  # must not raise

    # alpha is tryfirst, so it ran (and failed) before omega was called
    assert plugin_module("alpha").calls == [run]
    assert plugin_module("omega").calls == [(run, 1)]
    assert warnings == ["plugin 'alpha' failed in sync_finished: RuntimeError: chat unreachable"]


def test_observers_get_only_the_arguments_they_declare(dists: PluginDists) -> None:
    dists.add("alpha", FAILING_OBSERVER)
    dists.add("omega", RECORDING_OBSERVER)
    plugins = load_plugins()

    plugins.notify("item_changed", change=object())

    assert plugin_module("omega").changes == ["called without arguments, as pluggy allows"]


# -- `mediasync plugins` ---------------------------------------------------------------------


@pytest.fixture
def assorted(dists: PluginDists, monkeypatch: pytest.MonkeyPatch) -> PluginDists:
    """One plugin of each status; only these four and core are considered."""
    dists.add("good", GOOD)
    dists.add("broken", BROKEN, version="2.3.4")
    dists.add("future", NEVER_IMPORT, requires=["mediasync-core>=99"])
    dists.add("off", NEVER_IMPORT)
    monkeypatch.delenv("MEDIASYNC_STRICT_PLUGINS")
    monkeypatch.setenv("MEDIASYNC_LOAD_PLUGINS", "good,broken,future")
    return dists


@pytest.mark.usefixtures("assorted")
def test_plugins_json_lists_each_plugin_with_its_status(run: CliRun) -> None:
    data = json_output(run(["plugins", "--json"]))

    assert data[0]["name"] == "core"
    listed = by_name(data)
    core = listed["core"]
    assert {k: v for k, v in core.items() if k != "registered"} == {
        "name": "core",
        "distribution": "mediasync-core",
        "version": "0.1.0",
        "status": "ok",
        "error": None,
    }
    assert set(core["registered"]) == {
        "commands",
        "publishers",
        "services",
        "sources",
        "strategies",
    }
    assert {"db", "plugins", "sources"} <= set(core["registered"]["commands"])
    assert listed["good"] == {
        "name": "good",
        "distribution": "mediasync-good",
        "version": "1.0.0",
        "status": "ok",
        "error": None,
        "registered": {
            "commands": ["hello"],
            "publishers": [],
            "services": [],
            "sources": ["good"],
            "strategies": [],
        },
    }
    assert (listed["broken"]["status"], listed["broken"]["error"]) == (
        "error",
        "RuntimeError: boom: the plugin is broken",
    )
    assert (listed["future"]["status"], listed["future"]["error"]) == (
        "incompatible",
        "needs mediasync-core>=99, installed is 0.1.0",
    )
    assert (listed["off"]["status"], listed["off"]["error"]) == (
        "blocked",
        "not selected by MEDIASYNC_LOAD_PLUGINS",
    )
    assert never_imported()


@pytest.mark.usefixtures("assorted")
def test_plugins_text_shows_status_version_registrations_and_errors(run: CliRun) -> None:
    result = run(["plugins"])

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["core", "ok", "mediasync-core", "0.1.0"]

    def block(name: str) -> list[str]:
        start = next(i for i, line in enumerate(lines) if line.split()[0] == name)
        end = next(
            (i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines)
        )
        return lines[start:end]

    assert block("good") == [
        f"{'good':<16} {'ok':<12} mediasync-good 1.0.0",
        "  sources: good",
        "  commands: hello",
    ]
    assert block("broken") == [
        f"{'broken':<16} {'error':<12} mediasync-broken 2.3.4",
        "  error: RuntimeError: boom: the plugin is broken",
    ]
    assert block("future") == [
        f"{'future':<16} {'incompatible':<12} mediasync-future 1.0.0",
        "  error: needs mediasync-core>=99, installed is 0.1.0",
    ]
    assert block("off") == [
        f"{'off':<16} {'blocked':<12} mediasync-off 1.0.0",
        "  error: not selected by MEDIASYNC_LOAD_PLUGINS",
    ]


# -- the real console entry point ------------------------------------------------------------


def console(args: list[str], site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m mediasync ARGS`` in a fresh interpreter with ``site`` on ``PYTHONPATH``."""
    environ = {k: v for k, v in os.environ.items() if k != "MEDIASYNC_STRICT_PLUGINS"}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mediasync", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_console_script_survives_a_broken_plugin(tmp_path: Path) -> None:
    site = PluginDists(tmp_path / "pythonpath")  # not on this process's sys.path
    site.add("broken", BROKEN, version="2.3.4")

    listed = console(["plugins", "--json"], site.site)

    assert listed.returncode == 0, listed.stderr
    assert by_name(json.loads(listed.stdout))["broken"]["status"] == "error"
    about_broken = [line for line in listed.stderr.splitlines() if "broken" in line]
    assert about_broken == [f"mediasync: WARNING: {BROKEN_WARNING}"]

    helped = console(["--help"], site.site)

    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("Usage: mediasync")
    assert {"plugins", "sources", "db"} <= {
        line.split()[0] for line in helped.stdout.splitlines() if line.startswith("  ")
    }
    assert [line for line in helped.stderr.splitlines() if "broken" in line] == [
        f"mediasync: WARNING: {BROKEN_WARNING}"
    ]


@pytest.mark.parametrize(
    ("name", "code", "error"),
    [
        ("broken", BROKEN, "RuntimeError: boom: the plugin is broken"),
        ("clumsy", CLUMSY, "register_commands: RuntimeError: cannot build my commands"),
    ],
)
def test_console_script_in_strict_mode_fails_with_one_line(
    tmp_path: Path, name: str, code: str, error: str
) -> None:
    site = PluginDists(tmp_path / "pythonpath")
    site.add(name, code)

    result = console(["plugins"], site.site, MEDIASYNC_STRICT_PLUGINS="1")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: plugin '{name}' (mediasync-{name} 1.0.0) failed to load: {error} "
        "(MEDIASYNC_STRICT_PLUGINS is set)"
    ]
