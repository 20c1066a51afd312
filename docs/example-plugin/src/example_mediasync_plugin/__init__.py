"""A minimal mediasync plugin: media files in a local folder, as source type ``example-folder``,
and an outbox folder to publish to, as publisher type ``example-outbox``."""

from __future__ import annotations

from example_mediasync_plugin.publisher import ExampleOutboxPublisher, ExampleOutboxSettings
from example_mediasync_plugin.source import ExampleFolderSettings, ExampleFolderSource

__all__ = [
    "ExampleFolderSettings",
    "ExampleFolderSource",
    "ExampleOutboxPublisher",
    "ExampleOutboxSettings",
]
