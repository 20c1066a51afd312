"""The installed plugin loads, and its settings are checked by mediasync."""

from __future__ import annotations

from mediasync.testing import MediasyncCli


def test_plugin_loads_and_registers_its_source(mediasync_cli: MediasyncCli) -> None:
    plugins = {p["name"]: p for p in mediasync_cli.json("plugins")}
    assert plugins["example"]["status"] == "ok"
    assert plugins["example"]["registered"]["sources"] == ["example-folder"]


def test_settings_are_typed(mediasync_cli: MediasyncCli) -> None:
    args = ["sources", "add", "pics", "--type", "example-folder", "--root", "/pics"]
    added = mediasync_cli.json(*args, "--set", "include_hidden=yes")
    assert added["settings"] == {"include_hidden": True}
    refused = mediasync_cli(*args, "--set", "include_hidden=maybe")
    assert refused.exit_code == 2
    assert "setting 'include_hidden'" in refused.stderr
