"""The core's own registrations, made through the same hooks as any plugin's.

The core's commands are not here: the command line hands them to ``Plugins.add_commands``
itself (``_cli/commands.py``), so that nothing outside ``_cli`` imports the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mediasync.hookspecs import hookimpl


@hookimpl
def register_sync_strategies(register: Callable[[type[Any]], None]) -> None:
    from mediasync._sync.strategies import ChangeFeedStrategy, NewestFirstStrategy, ScanStrategy

    register(ScanStrategy)
    register(ChangeFeedStrategy)
    register(NewestFirstStrategy)
