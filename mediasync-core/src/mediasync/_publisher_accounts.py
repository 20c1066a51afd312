"""Publisher accounts: validated like sources, their secrets sealed the same way.

An account is a publisher type with settings (an Instagram user and its token, a folder); the
``Workspace`` methods of the same names delegate here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mediasync._errors import UsageError
from mediasync._publish_results import PublisherInfo

if TYPE_CHECKING:
    from mediasync._app import App
    from mediasync._db.publisher_accounts import AccountRecord
    from mediasync._publisher import Publisher

__all__ = [
    "account_owner",
    "account_record",
    "add_publisher",
    "open_publisher",
    "publisher_info",
    "publisher_infos",
    "remove_publisher",
    "update_publisher",
]


def account_owner(name: str, type_name: str) -> str:
    """Who settings belong to, in messages: ``publisher account 'ig' (instagram)``."""
    return f"publisher account '{name}' ({type_name})"


def _check_name(name: str) -> str:
    from mediasync._workspace import NAME_PATTERN

    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"invalid publisher account name {name!r}: use letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit, at most 100 characters)"
        )
    return name


def _info(app: App, record: AccountRecord) -> PublisherInfo:
    from mediasync._settings import display_settings

    publisher_type = app.plugins.publishers.get(record.type)
    return PublisherInfo(
        name=record.name,
        type=record.type,
        settings=display_settings(record.settings),
        created_at=record.created_at,
        updated_at=record.updated_at,
        kinds=() if publisher_type is None else tuple(sorted(publisher_type.kinds)),
        default_kind=None if publisher_type is None else publisher_type.default_kind,
    )


def add_publisher(
    app: App, name: str, type_name: str, settings: Mapping[str, Any]
) -> PublisherInfo:
    from mediasync._db.publisher_accounts import add_account
    from mediasync._settings import seal_settings

    _check_name(name)
    publisher_type = app.plugins.publisher_type(type_name)
    stored = seal_settings(
        publisher_type.Settings, settings, app.secrets, owner=account_owner(name, type_name)
    )
    with app.engine.begin() as connection:
        record = add_account(connection, name=name, type=type_name, settings=stored)
    return _info(app, record)


def account_record(app: App, name: str) -> AccountRecord:
    from mediasync._db.publisher_accounts import get_account

    with app.engine.connect() as connection:
        return get_account(connection, name)


def publisher_info(app: App, name: str) -> PublisherInfo:
    return _info(app, account_record(app, name))


def publisher_infos(app: App) -> list[PublisherInfo]:
    from mediasync._db.publisher_accounts import list_accounts

    with app.engine.connect() as connection:
        records = list_accounts(connection)
    return [_info(app, record) for record in records]


def update_publisher(app: App, name: str, changes: Mapping[str, Any]) -> PublisherInfo:
    from mediasync._db.publisher_accounts import update_account_settings
    from mediasync._settings import merge_settings

    record = account_record(app, name)
    publisher_type = app.plugins.publisher_type(record.type)
    stored = merge_settings(
        publisher_type.Settings,
        record.settings,
        changes,
        app.secrets,
        owner=account_owner(name, record.type),
    )
    with app.engine.begin() as connection:
        return _info(app, update_account_settings(connection, name, stored))


def remove_publisher(app: App, name: str) -> None:
    from mediasync._db.publisher_accounts import remove_account

    with app.engine.begin() as connection:
        remove_account(connection, name)


def open_publisher(app: App, record: AccountRecord) -> Publisher:
    """An instance of the account's publisher type, settings decrypted and structured."""
    from mediasync._settings import open_stored_settings

    publisher_type = app.plugins.publisher_type(record.type)
    settings = open_stored_settings(
        publisher_type.Settings,
        record.settings,
        app.secrets,
        owner=account_owner(record.name, record.type),
    )
    return publisher_type(record.name, settings)
