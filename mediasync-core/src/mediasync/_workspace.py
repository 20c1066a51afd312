"""``Workspace``: the public face of the configured index, for plugins' own commands.

A plugin's ``gdrive connect`` or ``instagram backfill`` needs to add a source, update its
settings, open it, or keep a little state of its own. It does that through this class and never
through core's private modules, exactly as a third-party plugin would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import click

from mediasync._models import SyncRun, Trigger

if TYPE_CHECKING:
    from mediasync._app import App
    from mediasync._db.sources import SourceRecord
    from mediasync._source import Source

__all__ = ["SourceInfo", "Workspace"]


@attrs.frozen(slots=True)
class SourceInfo:
    """A configured source as plugins see it; ``settings`` are redacted for display."""

    name: str
    type: str
    root: str | None
    enabled: bool
    interval_seconds: int | None
    settings: Mapping[str, Any]
    created_at: datetime
    items_active: int
    items_removed: int


class Workspace:
    """The index, sources and secrets a command works with."""

    def __init__(self, app: App) -> None:
        self._app = app

    @classmethod
    def current(cls) -> Workspace:
        """The workspace of the running ``mediasync`` command (inside a click command)."""
        from mediasync._cli.output import CliState

        state = click.get_current_context().find_object(CliState)
        if state is None:
            raise RuntimeError("Workspace.current() is only available inside a mediasync command")
        return cls(state.app)

    # -- sources -------------------------------------------------------------------------------

    def add_source(
        self,
        name: str,
        type_name: str,
        *,
        root: str | None,
        settings: Mapping[str, Any],
        interval_seconds: int | None = None,
        enabled: bool = True,
    ) -> SourceInfo:
        """Validates and stores a source; secrets are sealed before they reach the database.

        Raises:
            UsageError: unknown type, bad root, duplicate name; SettingsError: bad settings.
        """
        from mediasync._cli.sources_cmd import check_name
        from mediasync._db.sources import add_source
        from mediasync._settings import seal_settings

        check_name(name)
        source_type = self._app.plugins.source_type(type_name)
        root = source_type.normalize_root(root)
        stored = seal_settings(
            source_type.Settings,
            settings,
            self._app.secrets,
            owner=f"source '{name}' ({type_name})",
        )
        with self._app.engine.begin() as connection:
            add_source(
                connection,
                name=name,
                type=type_name,
                root=root,
                settings=stored,
                interval_seconds=interval_seconds,
                enabled=enabled,
            )
        return self.source(name)

    def source(self, name: str) -> SourceInfo:
        from mediasync._db.sources import get_source, item_counts
        from mediasync._settings import display_settings

        with self._app.engine.connect() as connection:
            record = get_source(connection, name)
            counts = item_counts(connection, record.id)
        return SourceInfo(
            name=record.name,
            type=record.type,
            root=record.root,
            enabled=record.enabled,
            interval_seconds=record.interval_seconds,
            settings=display_settings(record.settings),
            created_at=record.created_at,
            items_active=counts["active"],
            items_removed=counts["removed"],
        )

    def sources(self, type_name: str | None = None) -> list[SourceInfo]:
        from mediasync._db.sources import list_sources

        with self._app.engine.connect() as connection:
            names = [r.name for r in list_sources(connection) if type_name in (None, r.type)]
        return [self.source(name) for name in names]

    def update_settings(self, name: str, changes: Mapping[str, Any]) -> SourceInfo:
        """Replaces some settings (a key set to ``None`` is removed), validated as at ``add``."""
        from sqlalchemy import update

        from mediasync._db.schema import sources
        from mediasync._db.sources import get_source, utcnow
        from mediasync._settings import open_stored_settings, seal_settings, shared_converter

        record = self._record(name)
        source_type = self._app.plugins.source_type(record.type)
        owner = f"source '{name}' ({record.type})"
        current = open_stored_settings(
            source_type.Settings, record.settings, self._app.secrets, owner=owner
        )
        raw: dict[str, Any] = shared_converter().unstructure(current)
        for key, value in changes.items():
            if value is None:
                raw.pop(key, None)
            else:
                raw[key] = value
        raw = {k: v for k, v in raw.items() if v is not None}
        stored = seal_settings(source_type.Settings, raw, self._app.secrets, owner=owner)
        with self._app.engine.begin() as connection:
            get_source(connection, name)
            connection.execute(
                update(sources)
                .where(sources.c.name == name)
                .values(settings=stored, updated_at=utcnow())
            )
        return self.source(name)

    def open_source(self, name: str) -> Source:
        """The source instance, settings decrypted: use it as a context manager."""
        return self._app.open_source(self._record(name))

    def sync(self, name: str, trigger: Trigger = Trigger.CLI) -> SyncRun:
        from mediasync._sync.runner import sync_source

        return sync_source(self._app, name, trigger=trigger).run

    def last_run(self, name: str) -> Mapping[str, Any] | None:
        from mediasync._cli.status_cmd import _last_runs

        record = self._record(name)
        with self._app.engine.connect() as connection:
            return _last_runs(connection).get(record.id)

    # -- plugin state --------------------------------------------------------------------------

    def get_state(self, plugin: str, scope: str, key: str) -> Any:
        """A plugin's own JSON value (a chat's settings, a backfill's high-water mark)."""
        from sqlalchemy import and_, select

        from mediasync._db.schema import plugin_state

        query = select(plugin_state.c.value).where(
            and_(
                plugin_state.c.plugin == plugin,
                plugin_state.c.scope == scope,
                plugin_state.c.key == key,
            )
        )
        with self._app.engine.connect() as connection:
            return connection.execute(query).scalar()

    def set_state(self, plugin: str, scope: str, key: str, value: Any) -> None:
        from sqlalchemy import and_, delete, insert

        from mediasync._db.schema import plugin_state
        from mediasync._db.sources import utcnow

        where = and_(
            plugin_state.c.plugin == plugin,
            plugin_state.c.scope == scope,
            plugin_state.c.key == key,
        )
        with self._app.engine.begin() as connection:
            connection.execute(delete(plugin_state).where(where))
            if value is not None:
                connection.execute(
                    insert(plugin_state).values(
                        plugin=plugin, scope=scope, key=key, value=value, updated_at=utcnow()
                    )
                )

    def _record(self, name: str) -> SourceRecord:
        from mediasync._db.sources import get_source

        with self._app.engine.connect() as connection:
            return get_source(connection, name)
