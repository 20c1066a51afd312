"""``plugin_state``: small JSON values a plugin keeps (a chat's settings, a high-water mark)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select

from mediasync._db.schema import plugin_state
from mediasync._db.sources import utcnow

__all__ = ["forget_scope", "get_state", "list_state", "set_state"]


def _key(plugin: str, scope: str, key: str) -> Any:
    return and_(
        plugin_state.c.plugin == plugin, plugin_state.c.scope == scope, plugin_state.c.key == key
    )


def get_state(connection: Connection, plugin: str, scope: str, key: str) -> Any:
    query = select(plugin_state.c.value).where(_key(plugin, scope, key))
    return connection.execute(query).scalar()


def list_state(connection: Connection, plugin: str, scope: str) -> dict[str, Any]:
    query = select(plugin_state.c.key, plugin_state.c.value).where(
        and_(plugin_state.c.plugin == plugin, plugin_state.c.scope == scope)
    )
    return {row.key: row.value for row in connection.execute(query.order_by(plugin_state.c.key))}


def set_state(connection: Connection, plugin: str, scope: str, key: str, value: Any) -> None:
    """Replaces the value; ``None`` deletes it."""
    connection.execute(delete(plugin_state).where(_key(plugin, scope, key)))
    if value is not None:
        connection.execute(
            insert(plugin_state).values(
                plugin=plugin, scope=scope, key=key, value=value, updated_at=utcnow()
            )
        )


def forget_scope(connection: Connection, scope: str) -> None:
    """Deletes every plugin's values in ``scope`` (a removed source's state)."""
    connection.execute(delete(plugin_state).where(plugin_state.c.scope == scope))
