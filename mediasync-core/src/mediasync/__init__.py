"""mediasync: index media wherever it lives, keep the index true, publish it.

This module is the public API. Plugins import from here (and from ``mediasync.hookspecs`` and
``mediasync.testing``) and nothing else; every other module is private and may change.
"""

from __future__ import annotations

from mediasync._errors import (
    AlreadyPublished,
    AuthError,
    ConfigError,
    CursorInvalid,
    DatabaseError,
    LeaseHeld,
    MediasyncError,
    NotSupported,
    PluginError,
    PublishError,
    RateLimited,
    RemoteError,
    SchemaAhead,
    SchemaBehind,
    SettingsError,
    SourceError,
    SourceUnreachable,
    UsageError,
)
from mediasync._facts.model import HashedContent, MediaFacts
from mediasync._facts.read import read_file_facts, read_media_facts
from mediasync._filehash import file_sha256, hash_file
from mediasync._media_results import DuplicateGroup, FactsProgress, FactsRefreshReport
from mediasync._models import (
    Capability,
    ChangeKind,
    HealthCheck,
    ItemChange,
    MediaEntry,
    MediaKind,
    Provenance,
    RunStatus,
    SyncCounts,
    SyncRun,
    Trigger,
)
from mediasync._publish_results import (
    Publication,
    PublicationStatus,
    PublisherInfo,
    PublishPlan,
)
from mediasync._publisher import (
    PublicationJournal,
    Publisher,
    PublishMedia,
    PublishRequest,
    PublishResult,
)
from mediasync._results import (
    CopiedItem,
    CopyProgress,
    CopyReport,
    Item,
    ItemEvent,
    SourceStatus,
    SyncProgress,
    SyncReport,
)
from mediasync._secret import Secret
from mediasync._service import Service
from mediasync._settings import NoSettings
from mediasync._source import ChangePage, FolderListing, Source, SourceState
from mediasync._strategy import SyncIndex, SyncStrategy
from mediasync._workspace import SourceInfo, Workspace
from mediasync.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "AlreadyPublished",
    "AuthError",
    "Capability",
    "ChangeKind",
    "ChangePage",
    "ConfigError",
    "CopiedItem",
    "CopyProgress",
    "CopyReport",
    "CursorInvalid",
    "DatabaseError",
    "DuplicateGroup",
    "FactsProgress",
    "FactsRefreshReport",
    "FolderListing",
    "HashedContent",
    "HealthCheck",
    "Item",
    "ItemChange",
    "ItemEvent",
    "LeaseHeld",
    "MediaEntry",
    "MediaFacts",
    "MediaKind",
    "MediasyncError",
    "NoSettings",
    "NotSupported",
    "PluginError",
    "Provenance",
    "Publication",
    "PublicationJournal",
    "PublicationStatus",
    "PublishError",
    "PublishMedia",
    "PublishPlan",
    "PublishRequest",
    "PublishResult",
    "Publisher",
    "PublisherInfo",
    "RateLimited",
    "RemoteError",
    "RunStatus",
    "SchemaAhead",
    "SchemaBehind",
    "Secret",
    "Service",
    "SettingsError",
    "Source",
    "SourceError",
    "SourceInfo",
    "SourceState",
    "SourceStatus",
    "SourceUnreachable",
    "SyncCounts",
    "SyncIndex",
    "SyncProgress",
    "SyncReport",
    "SyncRun",
    "SyncStrategy",
    "Trigger",
    "UsageError",
    "Workspace",
    "__version__",
    "file_sha256",
    "hash_file",
    "hookimpl",
    "read_file_facts",
    "read_media_facts",
]
