"""mediasync: index media wherever it lives, keep the index true, publish it.

This module is the public API. Plugins import from here (and from ``mediasync.hookspecs`` and
``mediasync.testing``) and nothing else; every other module is private and may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from mediasync._logging import log_handler
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
    from mediasync._source import (
        ChangePage,
        FileKey,
        FolderFiles,
        FolderListing,
        Source,
        SourceState,
        listing_processes,
    )
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
    "FileKey",
    "FolderFiles",
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
    "listing_processes",
    "log_handler",
    "read_file_facts",
    "read_media_facts",
]

_LAZY: dict[str, str] = {
    "AlreadyPublished": "mediasync._errors",
    "AuthError": "mediasync._errors",
    "Capability": "mediasync._models",
    "ChangeKind": "mediasync._models",
    "ChangePage": "mediasync._source",
    "ConfigError": "mediasync._errors",
    "CopiedItem": "mediasync._results",
    "CopyProgress": "mediasync._results",
    "CopyReport": "mediasync._results",
    "CursorInvalid": "mediasync._errors",
    "DatabaseError": "mediasync._errors",
    "DuplicateGroup": "mediasync._media_results",
    "FactsProgress": "mediasync._media_results",
    "FactsRefreshReport": "mediasync._media_results",
    "FileKey": "mediasync._source",
    "FolderFiles": "mediasync._source",
    "FolderListing": "mediasync._source",
    "listing_processes": "mediasync._source",
    "HashedContent": "mediasync._facts.model",
    "HealthCheck": "mediasync._models",
    "Item": "mediasync._results",
    "ItemChange": "mediasync._models",
    "ItemEvent": "mediasync._results",
    "LeaseHeld": "mediasync._errors",
    "MediaEntry": "mediasync._models",
    "MediaFacts": "mediasync._facts.model",
    "MediaKind": "mediasync._models",
    "MediasyncError": "mediasync._errors",
    "NoSettings": "mediasync._settings",
    "NotSupported": "mediasync._errors",
    "PluginError": "mediasync._errors",
    "Provenance": "mediasync._models",
    "Publication": "mediasync._publish_results",
    "PublicationJournal": "mediasync._publisher",
    "PublicationStatus": "mediasync._publish_results",
    "PublishError": "mediasync._errors",
    "PublishMedia": "mediasync._publisher",
    "PublishPlan": "mediasync._publish_results",
    "PublishRequest": "mediasync._publisher",
    "PublishResult": "mediasync._publisher",
    "Publisher": "mediasync._publisher",
    "PublisherInfo": "mediasync._publish_results",
    "RateLimited": "mediasync._errors",
    "RemoteError": "mediasync._errors",
    "RunStatus": "mediasync._models",
    "SchemaAhead": "mediasync._errors",
    "SchemaBehind": "mediasync._errors",
    "Secret": "mediasync._secret",
    "Service": "mediasync._service",
    "SettingsError": "mediasync._errors",
    "Source": "mediasync._source",
    "SourceError": "mediasync._errors",
    "SourceInfo": "mediasync._workspace",
    "SourceState": "mediasync._source",
    "SourceStatus": "mediasync._results",
    "SourceUnreachable": "mediasync._errors",
    "SyncCounts": "mediasync._models",
    "SyncIndex": "mediasync._strategy",
    "SyncProgress": "mediasync._results",
    "SyncReport": "mediasync._results",
    "SyncRun": "mediasync._models",
    "SyncStrategy": "mediasync._strategy",
    "Trigger": "mediasync._models",
    "UsageError": "mediasync._errors",
    "Workspace": "mediasync._workspace",
    "file_sha256": "mediasync._filehash",
    "hash_file": "mediasync._filehash",
    "hookimpl": "mediasync.hookspecs",
    "log_handler": "mediasync._logging",
    "read_file_facts": "mediasync._facts.read",
    "read_media_facts": "mediasync._facts.read",
}
"""Where each public name lives. Imported on first use (PEP 562), so that ``import mediasync``
costs almost nothing and a command (or a plugin) pays only for what it touches: the start-up of
``mediasync sync`` depends on it. ``tests/core/test_public_api.py`` keeps this and the imports
above in step."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mediasync' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
