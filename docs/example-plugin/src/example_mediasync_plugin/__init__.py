"""A minimal mediasync plugin: media files in a local folder, as source type ``example-folder``."""

from __future__ import annotations

from example_mediasync_plugin.source import ExampleFolderSettings, ExampleFolderSource

__all__ = ["ExampleFolderSettings", "ExampleFolderSource"]
