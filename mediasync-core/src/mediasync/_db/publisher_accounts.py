"""Reading and writing ``publisher_accounts`` rows (settings arrive sealed, never in clear)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from mediasync._db.schema import publisher_accounts
from mediasync._db.sources import as_utc, utcnow
from mediasync._errors import UsageError

__all__ = [
    "AccountRecord",
    "add_account",
    "get_account",
    "list_accounts",
    "remove_account",
    "update_account_settings",
]


@attrs.frozen(slots=True)
class AccountRecord:
    id: int
    name: str
    type: str
    settings: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> AccountRecord:
        values = dict(row._mapping)
        values["settings"] = dict(values["settings"] or {})
        values["created_at"] = as_utc(values["created_at"])
        values["updated_at"] = as_utc(values["updated_at"])
        return cls(**values)


def add_account(
    connection: Connection, *, name: str, type: str, settings: Mapping[str, Any]
) -> AccountRecord:
    taken = UsageError(f"a publisher account named '{name}' already exists")
    if connection.execute(
        select(publisher_accounts.c.id).where(publisher_accounts.c.name == name)
    ).first():
        raise taken
    now = utcnow()
    try:
        connection.execute(
            publisher_accounts.insert().values(
                name=name, type=type, settings=dict(settings), created_at=now, updated_at=now
            )
        )
    except IntegrityError:
        raise taken from None
    return get_account(connection, name)


def get_account(connection: Connection, name: str) -> AccountRecord:
    row = connection.execute(
        select(publisher_accounts).where(publisher_accounts.c.name == name)
    ).first()
    if row is None:
        names = connection.execute(
            select(publisher_accounts.c.name).order_by(publisher_accounts.c.name)
        ).scalars()
        known = ", ".join(names) or "none; add one with `mediasync publishers add`"
        raise UsageError(f"no publisher account named '{name}' (accounts: {known})")
    return AccountRecord.from_row(row)


def list_accounts(connection: Connection) -> list[AccountRecord]:
    rows = connection.execute(select(publisher_accounts).order_by(publisher_accounts.c.name))
    return [AccountRecord.from_row(row) for row in rows]


def update_account_settings(
    connection: Connection, name: str, settings: Mapping[str, Any]
) -> AccountRecord:
    record = get_account(connection, name)
    connection.execute(
        publisher_accounts.update()
        .where(publisher_accounts.c.id == record.id)
        .values(settings=dict(settings), updated_at=utcnow())
    )
    return get_account(connection, name)


def remove_account(connection: Connection, name: str) -> None:
    """Forgets the account; its publications stay (they name the account, not its row)."""
    record = get_account(connection, name)
    connection.execute(publisher_accounts.delete().where(publisher_accounts.c.id == record.id))
