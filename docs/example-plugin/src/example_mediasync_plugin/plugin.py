"""The module the ``mediasync`` entry point names: hook implementations only, nothing heavy."""

from __future__ import annotations

from collections.abc import Callable

from example_mediasync_plugin.publisher import ExampleOutboxPublisher
from example_mediasync_plugin.source import ExampleFolderSource
from mediasync import Publisher, Source, hookimpl


@hookimpl
def register_sources(register: Callable[[type[Source]], None]) -> None:
    register(ExampleFolderSource)


@hookimpl
def register_publishers(register: Callable[[type[Publisher]], None]) -> None:
    register(ExampleOutboxPublisher)
