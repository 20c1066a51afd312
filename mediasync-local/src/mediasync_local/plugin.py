"""The ``local`` entry point: registers ``LocalSource`` with mediasync."""

from __future__ import annotations

from collections.abc import Callable

from mediasync import Source, hookimpl
from mediasync_local._source import LocalSource

__all__ = ["register_sources"]


@hookimpl
def register_sources(register: Callable[[type[Source]], None]) -> None:
    register(LocalSource)
