"""Whole folders of a source's items moved or removed in the database (a feed's folder changes).

A feed that knows folders reports a renamed folder once, not each file below it (see
``ChangePage``). Here each moved folder costs one ``UPDATE`` that recomputes the paths below it
in the database, whatever their number; the rows are read first only to write their events and
tell the observers. Every item follows the deepest moved or removed folder that holds it, on
the paths as they were before: moves run deepest first, and a move whose new path lies where
another move or removal still has items to take (two names swapped) goes through a staging
prefix first, so no item is taken twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, and_, func, literal, select, update

from mediasync._db.schema import media_items

__all__ = ["MovedItem", "check_folders", "move_folders", "removed_under"]

MovedItem = tuple[int, str, str]
"""(item id, old path, new path)."""
STAGING = "\u241fmoving"
"""A prefix no folder path starts with (checked): where a clashing move waits its turn."""


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder + "/")


def _overlap(one: str, other: str) -> bool:
    return one == other or _inside(one, other) or _inside(other, one)


def check_folders(moves: Sequence[tuple[str, str]], removed: Sequence[str]) -> None:
    """Raises ``ValueError`` for a root, absolute or staging path among them: a source bug."""
    for path in [*removed, *(p for move in moves for p in move)]:
        if not path or path.startswith(("/", STAGING)) or path.endswith("/"):
            raise ValueError(f"not a folder path of a source: {path!r}")


def _under(folder: str) -> Any:
    """``path`` below ``folder``: compared exactly (SQLite's ``LIKE`` ignores case)."""
    return func.substr(media_items.c.path, 1, len(folder) + 1) == folder + "/"


def _active_under(source_id: int, folder: str) -> Any:
    return and_(
        media_items.c.source_id == source_id, media_items.c.active.is_(True), _under(folder)
    )


def removed_under(
    connection: Connection,
    source_id: int,
    removed: Sequence[str],
    moved_from: Sequence[str],
    keep: Collection[str],
) -> list[tuple[int, str]]:
    """(item id, path) of the active items the removed folders take: not those below a deeper
    moved folder, nor those whose identifier is in ``keep`` (upserted elsewhere)."""
    found: dict[int, str] = {}
    for folder in removed:
        deeper = [other for other in [*removed, *moved_from] if _inside(other, folder)]
        query = select(media_items.c.id, media_items.c.path, media_items.c.external_id)
        for row in connection.execute(query.where(_active_under(source_id, folder))):
            if row.external_id in keep or any(_inside(row.path, d) for d in deeper):
                continue
            found[row.id] = row.path
    return sorted(found.items())


def move_folders(
    connection: Connection,
    source_id: int,
    moves: Sequence[tuple[str, str]],
    keep: Collection[str],
    now: datetime,
) -> list[MovedItem]:
    """Moves the active items below each ``(old, new)`` folder to ``new``, one statement per
    folder (two for a staged one); items whose identifier is in ``keep`` stay (an upsert of
    the same page places them). Returns what moved, for the events."""
    olds = [old for old, new in moves if old != new]
    ordered = sorted(((o, n) for o, n in moves if o != n), key=lambda m: -m[0].count("/"))
    moved: list[MovedItem] = []
    staged: list[tuple[str, str]] = []
    for number, (old, new) in enumerate(ordered):
        clash = any(_overlap(new, other) for other in olds if other != old)
        target = f"{STAGING}{number}" if clash else new
        query = select(media_items.c.id, media_items.c.path, media_items.c.external_id)
        rows = [
            row
            for row in connection.execute(query.where(_active_under(source_id, old)))
            if row.external_id not in keep
        ]
        if not rows:
            continue
        moved += [(row.id, row.path, new + row.path[len(old) :]) for row in rows]
        _rewrite(connection, source_id, old, target, keep, now)
        if clash:
            staged.append((target, new))
    for target, new in staged:
        _rewrite(connection, source_id, target, new, (), now)
    return moved


def _rewrite(
    connection: Connection,
    source_id: int,
    old: str,
    new: str,
    keep: Collection[str],
    now: datetime,
) -> None:
    """One ``UPDATE``: ``old/rest`` becomes ``new/rest`` in ``path`` and ``folder``."""
    where = _active_under(source_id, old)
    if keep:
        where = and_(where, media_items.c.external_id.not_in(sorted(keep)))
    cut = len(old) + 1
    connection.execute(
        update(media_items)
        .where(where)
        .values(
            path=literal(new, String).concat(func.substr(media_items.c.path, cut)),
            folder=literal(new, String).concat(func.substr(media_items.c.folder, cut)),
            changed_at=now,
        )
    )
