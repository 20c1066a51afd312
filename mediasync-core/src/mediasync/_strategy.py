"""The ``SyncStrategy`` base class and the index interface a strategy drives.

A strategy decides *how* to learn what a source has now (list everything, read a change feed,
read newest-first until something known); the engine behind ``SyncIndex`` decides what changed
and writes it. Strategies never touch the database themselves.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import ClassVar, Protocol

from mediasync._models import Capability, MediaEntry
from mediasync._source import FolderListing, Source

__all__ = ["SyncIndex", "SyncStrategy"]


class SyncIndex(Protocol):
    """The sync engine as a strategy sees it, for one source and one run."""

    @property
    def cursor(self) -> str | None:
        """The strategy's stored cursor from the last successful run, if any."""
        ...

    def observe(self, entries: Iterable[MediaEntry]) -> None:
        """Feeds (part of) a full listing; what was not observed by ``finish_scan`` is removed."""
        ...

    def observe_folders(self, folders: Iterable[FolderListing]) -> None:
        """Like ``observe``, folder by folder; folders with an unchanged fingerprint are skipped."""
        ...

    def finish_scan(self) -> None:
        """Declares the listing complete, so unseen items may be marked removed."""
        ...

    def apply(
        self,
        upserts: Iterable[MediaEntry],
        removed: Iterable[str],
        *,
        moved_folders: Sequence[tuple[str, str]] = (),
        removed_folders: Sequence[str] = (),
    ) -> None:
        """Applies changes from a feed: entries added or changed, ``source_id`` values removed,
        and whole folders moved or removed (see ``ChangePage``).

        Raises:
            MassRemovalHeld: the removals so far in this run would pass the mass-removal share;
                nothing of this call was written (the cursor stays where it was).
        """
        ...

    def is_known(self, source_id: str) -> bool:
        """Whether the index already holds this item (active)."""
        ...

    def known(self, source_ids: Sequence[str]) -> frozenset[str]:
        """Which of these the index holds (active): one query for a whole page of a feed."""
        ...

    @property
    def full(self) -> bool:
        """The run was asked to read the whole source (``sync --full``)."""
        ...

    @property
    def reconcile_every(self) -> timedelta:
        """How often a strategy that reads only part of a source reads it whole (config
        ``sync.reconcile_days``): the only time it may decide removals."""
        ...

    @property
    def stop_after_known(self) -> int:
        """Newest-first reads stop after this many indexed items in a row (config)."""
        ...

    def save_cursor(self, cursor: str) -> None:
        """Stores the cursor, committed together with (after) the changes it describes."""
        ...


class SyncStrategy(abc.ABC):
    """Base class of every sync strategy; registered by class, instantiated per run."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    required_capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LISTABLE})

    @classmethod
    def supports(cls, source: type[Source]) -> bool:
        return cls.required_capabilities <= source.capabilities

    @abc.abstractmethod
    def run(self, source: Source, index: SyncIndex) -> None:
        """Drives one run of ``source`` into ``index``.

        Raises:
            SourceUnreachable: the source could not be read completely; nothing is removed.
        """
