"""Error types.

Errors are types so that each layer can decide what to do with them; only the CLI edge turns
them into one line for a person. Every message is written to be read on its own, without a
traceback, and never contains a secret.
"""

from __future__ import annotations

__all__ = [
    "AlreadyPublished",
    "AuthError",
    "ConfigError",
    "CursorInvalid",
    "DatabaseError",
    "LeaseHeld",
    "MediasyncError",
    "NotSupported",
    "PluginError",
    "PublishError",
    "RateLimited",
    "RemoteError",
    "SchemaAhead",
    "SchemaBehind",
    "SettingsError",
    "SourceError",
    "SourceUnreachable",
    "UsageError",
]


class MediasyncError(Exception):
    """Base of every error mediasync raises on purpose.

    ``exit_code`` is what the CLI exits with: 1 for a failure, 2 for a usage mistake.
    """

    exit_code: int = 1


class UsageError(MediasyncError):
    """The user asked for something that cannot be done as asked (unknown name, bad option)."""

    exit_code = 2


class ConfigError(UsageError):
    """The configuration file or environment holds an unknown key or a value of the wrong type."""


class AlreadyPublished(UsageError):
    """These items were published to this account as this kind before; ``publication_id`` is
    that publication. Asking again (``--again``) publishes them once more."""

    def __init__(self, message: str, publication_id: int) -> None:
        super().__init__(message)
        self.publication_id = publication_id


class SettingsError(UsageError):
    """A source's or publisher's settings were refused by the plugin's settings class."""


class PluginError(MediasyncError):
    """A plugin failed to load or register; ``plugin`` names the one at fault."""

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class DatabaseError(MediasyncError):
    """The index database cannot be reached or used."""


class SchemaBehind(DatabaseError):
    """The database schema is older than this mediasync: ``mediasync db upgrade`` fixes it."""


class SchemaAhead(DatabaseError):
    """The database was written by a newer mediasync: refused, never downgraded."""


class LeaseHeld(MediasyncError):
    """Another sync of this source (or a copy into it) is running: one at a time, whoever
    started it (the command line, a worker, a bot)."""


class NotSupported(MediasyncError):
    """The operation needs a capability this source or publisher does not declare."""


class SourceError(MediasyncError):
    """A source failed in a way that is not one of the more specific errors below."""


class SourceUnreachable(SourceError):
    """The source cannot be read completely right now (root missing, network down, listing failed).

    A sync that meets this changes nothing in the index.
    """


class RemoteError(MediasyncError):
    """A remote service refused or failed: a source's or a publisher's alike."""


class AuthError(RemoteError):
    """Credentials are missing, invalid, revoked or lack the permission needed.

    Not a file's error: met while reading one file, it fails the whole sync.
    """


class RateLimited(RemoteError):
    """The remote service asked us to slow down; ``retry_after`` is in seconds when it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PublishError(RemoteError):
    """A publisher failed in a way that is not one of the errors above."""


class CursorInvalid(SourceError):
    """A change-feed cursor the source no longer accepts: the strategy falls back to a scan."""
