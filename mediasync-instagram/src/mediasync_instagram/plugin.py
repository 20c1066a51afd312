"""The module the ``mediasync`` entry point names: hook implementations only, nothing heavy."""

from __future__ import annotations

from collections.abc import Callable

from mediasync import Source, hookimpl


@hookimpl
def register_sources(register: Callable[[type[Source]], None]) -> None:
    from mediasync_instagram._source import InstagramSource

    register(InstagramSource)
