"""Value types that flow between layers: source listings, health, sync runs and item changes.

All are frozen attrs classes so they can be passed to plugins and observers without anyone
changing them underneath the engine.
"""

from __future__ import annotations

import enum
import hashlib
import json
import posixpath
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "Capability",
    "ChangeKind",
    "HealthCheck",
    "ItemChange",
    "MediaEntry",
    "MediaKind",
    "Provenance",
    "RunStatus",
    "SyncCounts",
    "SyncRun",
    "Trigger",
    "metadata_revision",
]


class Capability(enum.StrEnum):
    """What a source or publisher can do, declared up front rather than discovered by trial."""

    LISTABLE = "listable"
    DOWNLOADABLE = "downloadable"
    WRITABLE = "writable"
    CHANGE_FEED = "change_feed"
    STABLE_IDS = "stable_ids"
    """Identifiers survive renames and moves (a Drive file id, an Instagram media id)."""
    NATIVE_HASH = "native_hash"
    """The listing carries a SHA-256 without reading the bytes."""
    NEWEST_FIRST = "newest_first"
    """The listing comes newest first, so a sync may stop at the first known item."""
    FOLDER_FINGERPRINTS = "folder_fingerprints"
    """``list_folders`` gives each folder's digest, so unchanged folders cost no index reads."""


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    OTHER = "other"

    @classmethod
    def from_mime_type(cls, mime_type: str | None) -> MediaKind:
        major = (mime_type or "").partition("/")[0]
        return {"image": cls.IMAGE, "video": cls.VIDEO, "audio": cls.AUDIO}.get(major, cls.OTHER)


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen(slots=True)
class Provenance:
    """Where copied bytes came from: the item ``source_id`` of source ``source`` (a
    ``source_type``), copied at ``copied_at``.

    A destination's ``Source.upload`` keeps it beside the file (Drive ``appProperties``, a
    local manifest) so that ``copy`` finds the copy again even when the index is lost.
    """

    source_type: str
    source: str
    source_id: str
    copied_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What two copies of the same bytes share: the source's name and its identifier."""
        return (self.source, self.source_id)


def metadata_revision(
    taken_at: datetime | None,
    metadata: Mapping[str, Any],
    group_id: str | None = None,
    position: int | None = None,
) -> str | None:
    """A digest of the facts a source reports beside the file, for sources without an etag.

    ``None`` when there are none: the source says nothing about them, so the index keeps
    what it knows (a copy's caption, say) instead of clearing it.
    """
    if taken_at is None and not metadata and group_id is None and position is None:
        return None
    facts = {
        "taken_at": None if taken_at is None else taken_at.isoformat(),
        "metadata": metadata,
        "group_id": group_id,
        "position": position,
    }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str)
    return "sha1:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


@attrs.frozen(slots=True)
class MediaEntry:
    """One media file as a source sees it now.

    ``source_id`` is the source's own identifier for the file: stable across renames for sources
    declaring ``STABLE_IDS``; for a local folder it is device and inode, which the engine confirms
    by size, modification time and content hash. ``path`` is relative to the source's root, POSIX
    separators, including the file name. ``sha256`` is ``None`` when the source cannot provide it
    without reading the bytes: the engine then asks ``Source.sha256`` only for new or changed files.
    ``size`` is ``None`` for feeds that do not report it (known once the bytes are read).

    Beside the file facts, what the source knows about the media: ``taken_at`` (capture time),
    ``width``, ``height``, ``duration``, a free ``metadata`` mapping (caption, permalink, …), and
    ``group_id``/``position`` for items that belong together (a carousel's children). The diff
    compares ``revision`` (``etag`` when the source has one, else a digest of ``taken_at``,
    ``metadata`` and the group), so a caption edited at the source updates the item without its
    bytes being read. A ``revision`` of ``None`` means the source says nothing: the index keeps
    what it has.
    """

    source_id: str
    path: str
    size: int | None
    mtime: datetime
    mime_type: str | None = None
    sha256: str | None = None
    native_hash: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    taken_at: datetime | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    group_id: str | None = None
    position: int | None = None
    provenance: Provenance | None = None
    """Set on the entries a ``copy`` wrote (and by sources that can read their markers back)."""
    etag: str | None = None
    """The source's own version of the metadata, if any; else ``revision`` digests it."""

    @property
    def revision(self) -> str | None:
        if self.etag is not None:
            return self.etag
        return metadata_revision(self.taken_at, self.metadata, self.group_id, self.position)

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def kind(self) -> MediaKind:
        return MediaKind.from_mime_type(self.mime_type)


@attrs.frozen(slots=True)
class HealthCheck:
    """The answer of ``Source.check()`` and ``Publisher.check()``.

    ``problem`` says what is wrong and ``fix`` what the user should do, both in one line.
    ``expires_at`` is when credentials stop working, where the plugin knows it.
    """

    ok: bool
    detail: str = ""
    problem: str | None = None
    fix: str | None = None
    expires_at: datetime | None = None

    @classmethod
    def healthy(cls, detail: str = "") -> HealthCheck:
        return cls(ok=True, detail=detail)

    @classmethod
    def failed(cls, problem: str, fix: str | None = None) -> HealthCheck:
        return cls(ok=False, problem=problem, fix=fix)


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    RENAMED = "renamed"
    MOVED = "moved"
    REMOVED = "removed"
    RESTORED = "restored"
    METADATA = "metadata"
    """The source's facts beside the file changed (a caption, a capture time), not its bytes."""


class Trigger(enum.StrEnum):
    CLI = "cli"
    SCHEDULE = "schedule"
    TELEGRAM = "telegram"
    API = "api"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    HELD = "held"
    """Finished, but removals were held back by the mass-removal gate."""
    CANCELLED = "cancelled"
    """Stopped between two batches because the worker was asked to stop."""


@attrs.frozen(slots=True)
class SyncCounts:
    added: int = 0
    modified: int = 0
    renamed: int = 0
    moved: int = 0
    removed: int = 0
    restored: int = 0
    unchanged: int = 0
    errors: int = 0
    held_removals: int = 0
    metadata: int = 0

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in attrs.fields(cls))

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)

    @property
    def changes(self) -> int:
        moves = self.renamed + self.moved
        return self.added + self.modified + moves + self.removed + self.restored + self.metadata


@attrs.frozen(slots=True)
class SyncRun:
    """A finished sync run, as handed to the ``sync_finished`` observers."""

    id: int
    source: str
    strategy: str
    trigger: Trigger
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    counts: SyncCounts
    worker: str | None = None
    error: str | None = None


@attrs.frozen(slots=True)
class ItemChange:
    """One change to one indexed item, as handed to the ``item_changed`` observers."""

    kind: ChangeKind
    source: str
    item_id: int
    path: str
    old_path: str | None = None
    sync_run_id: int | None = None
