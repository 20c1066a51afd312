"""The application a command works in: configuration, plugins, the index and the secret box.

Built lazily, so commands that need neither configuration nor a database (``plugins``,
``--help``) work even when those are broken.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mediasync._config import AppConfig
from mediasync._plugins import Plugins
from mediasync._secret import SecretBox
from mediasync._source import Source

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from mediasync._db.sources import SourceRecord

__all__ = ["App", "StoredSourceState", "source_state_scope"]

SECRET_KEY_FILE = "secret.key"


class App:
    def __init__(self, config: AppConfig, plugins: Plugins) -> None:
        self.config = config
        self.plugins = plugins

    @cached_property
    def engine(self) -> Engine:
        """Connected and at the current schema (a fresh database is created on first use)."""
        from mediasync._db.engine import connect
        from mediasync._db.migrate import ensure_schema

        engine = connect(self.config.resolved_database_url(), self._owns_database_folder)
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        return engine

    def raw_engine(self) -> Engine:
        """Connected but unchecked, for ``mediasync db`` which inspects and migrates."""
        from mediasync._db.engine import connect

        return connect(self.config.resolved_database_url(), self._owns_database_folder)

    @property
    def _owns_database_folder(self) -> bool:
        """The default database lives in our data dir, which we make; a folder the user named
        is theirs to make."""
        return not self.config.database_url

    @cached_property
    def secrets(self) -> SecretBox:
        return SecretBox(self.config.resolved_data_dir() / SECRET_KEY_FILE)

    def open_source(self, record: SourceRecord) -> Source:
        """An instance of the record's source type with its settings decrypted and structured.

        The one a ``mediasync sync`` began listing at start-up when it is this very source
        (``mediasync._sync.early``): its first ``list_folders`` goes on where that walk is.
        """
        from mediasync._settings import open_stored_settings
        from mediasync._sync.early import claim

        source_type = self.plugins.source_type(record.type)
        source = claim(record, source_type)
        if source is None:
            settings = open_stored_settings(
                source_type.Settings,
                record.settings,
                self.secrets,
                owner=f"source '{record.name}' ({record.type})",
            )
            source = source_type(record.name, record.root, settings)
        source.settings_saver = functools.partial(self._save_settings, record.name)
        source.state_store = StoredSourceState(self, record.type, record.name)
        return source

    def _save_settings(self, name: str, changes: Mapping[str, Any]) -> None:
        from mediasync._workspace import Workspace

        Workspace(self).update_settings(name, changes)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


class StoredSourceState:
    """A source's ``SourceState``: ``plugin_state`` rows of its type, scope ``source:NAME``
    (``Workspace.remove_source`` forgets them with the source)."""

    def __init__(self, app: App, plugin: str, source: str) -> None:
        self.app = app
        self.plugin = plugin
        self.scope = source_state_scope(source)

    def get(self, key: str) -> Any:
        from mediasync._db.state import get_state

        with self.app.engine.connect() as connection:
            return get_state(connection, self.plugin, self.scope, key)

    def set(self, key: str, value: Any) -> None:
        from mediasync._db.state import set_state

        with self.app.engine.begin() as connection:
            set_state(connection, self.plugin, self.scope, key, value)


def source_state_scope(source: str) -> str:
    return f"source:{source}"
