"""What ``Workspace`` hands back about media facts: duplicate groups and metadata refreshes."""

from __future__ import annotations

import attrs

from mediasync._results import Item

__all__ = ["DuplicateGroup", "FactsProgress", "FactsRefreshReport"]


@attrs.frozen(slots=True)
class DuplicateGroup:
    """Active items with the same bytes (SHA-256), in one or several sources.

    ``size`` is the bytes of one copy; ``wasted_bytes`` what all copies but one take
    (``size * (len(items) - 1)``), the order ``Workspace.duplicates`` gives groups in.
    """

    sha256: str
    size: int | None
    wasted_bytes: int
    items: tuple[Item, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources holding a copy, sorted, each once."""
        return tuple(sorted({item.source for item in self.items}))


@attrs.frozen(slots=True)
class FactsProgress:
    """Where a running ``refresh_metadata`` is (after each batch written)."""

    source: str
    done: int
    total: int


@attrs.frozen(slots=True)
class FactsRefreshReport:
    """What ``refresh_metadata`` did for one source.

    ``read``: items whose facts were read and written. ``changed``: files that changed since
    they were indexed, left for the next sync (which hashes them and reads their facts).
    ``missing``: files that could not be opened. ``left``: items still without facts (a
    stopped run, or a source whose bytes are not on this machine: ``skipped`` says why).
    ``notes``: why some facts stayed unknown (a reader not installed), each once.
    """

    source: str
    read: int = 0
    changed: int = 0
    missing: int = 0
    left: int = 0
    skipped: str | None = None
    notes: tuple[str, ...] = ()
