"""What a crash must not change: a source's items with their histories, in a form two runs of
the same history (one killed and finished, one not) compare with ``==``."""

from __future__ import annotations

import collections

import attrs

from mediasync import RunStatus, Workspace

__all__ = ["ItemState", "check_no_run_left_running", "item_states"]


@attrs.frozen(order=True)
class ItemState:
    path: str
    active: bool
    sha256: str | None
    events: tuple[tuple[str, str | None, str | None], ...]
    """(kind, old path, new path) of each event, oldest first."""


def item_states(workspace: Workspace, source: str) -> list[ItemState]:
    """Every item of ``source`` (removed ones too) with its events; asserts one item per
    source identifier among the active ones."""
    items = list(workspace.items(source=source, active=None))
    active = collections.Counter(item.source_id for item in items if item.active)
    assert [i for i, n in active.items() if n > 1] == [], "two active items for one file"
    states = []
    for item in items:
        events = tuple(
            (e.kind.value, e.old_path, e.new_path) for e in workspace.item(item.id).events
        )
        states.append(ItemState(item.path, item.active, item.sha256, events))
    return sorted(states)


def check_no_run_left_running(workspace: Workspace, source: str) -> None:
    """A killed run is recorded as ended (failed, interrupted) once the next one ran."""
    runs = workspace.runs(source, limit=100)
    assert [r for r in runs if r.status is RunStatus.RUNNING] == [], runs
