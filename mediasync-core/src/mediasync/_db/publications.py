"""Reading and writing ``publications`` rows: the history, and the journal of each attempt.

Every write that belongs to one attempt is fenced by the attempt's number (``attempts`` as the
attempt claimed it): when a second process resumes a publication the first one still holds, the
first one's next write changes nothing and it learns that it lost the publication.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from mediasync._db.schema import publications
from mediasync._db.sources import as_utc, utcnow
from mediasync._errors import UsageError
from mediasync._publish_results import Publication, PublicationStatus

__all__ = [
    "claim_publication",
    "create_publication",
    "finish_publication",
    "get_publication",
    "last_published",
    "latest_publication",
    "list_publications",
    "request_key",
    "write_journal",
]

KEY_LENGTH = 500
UNFINISHED = (PublicationStatus.RUNNING.value, PublicationStatus.FAILED.value)


def request_key(account: str, kind: str, item_ids: Sequence[int]) -> str:
    """``album:post:3,4`` names what was published where; a long list of items is digested so
    that the key fits its column (names and kinds are short)."""
    items = ",".join(str(item_id) for item_id in item_ids)
    key = f"{account}:{kind}:{items}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"{account}:{kind}:sha256:{hashlib.sha256(items.encode()).hexdigest()}"


def _publication(row: Any) -> Publication:
    values = row._mapping
    return Publication(
        id=values["id"],
        account=values["account"],
        publisher_type=values["publisher_type"],
        kind=values["kind"],
        caption=values["caption"] or "",
        item_ids=tuple(values["item_ids"]),
        status=PublicationStatus(values["status"]),
        remote_id=values["remote_id"],
        permalink=values["permalink"],
        error=values["error"],
        attempts=values["attempts"],
        created_at=as_utc(values["created_at"]),  # type: ignore[arg-type]
        updated_at=as_utc(values["updated_at"]),  # type: ignore[arg-type]
        finished_at=as_utc(values["finished_at"]),
    )


def get_publication(connection: Connection, publication_id: int) -> Publication:
    row = connection.execute(select(publications).where(publications.c.id == publication_id))
    found = row.first()
    if found is None:
        raise UsageError(f"no publication with id {publication_id}")
    return _publication(found)


def latest_publication(
    connection: Connection, key: str
) -> tuple[Publication, dict[str, str]] | None:
    """The newest publication of this request, with its journal."""
    row = connection.execute(
        select(publications)
        .where(publications.c.request_key == key)
        .order_by(publications.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return _publication(row), dict(row._mapping["journal"] or {})


def last_published(connection: Connection, key: str) -> Publication | None:
    row = connection.execute(
        select(publications)
        .where(
            publications.c.request_key == key,
            publications.c.status == PublicationStatus.PUBLISHED.value,
        )
        .order_by(publications.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _publication(row)


def list_publications(
    connection: Connection, account: str | None = None, limit: int | None = None
) -> list[Publication]:
    """Newest first."""
    query = select(publications).order_by(publications.c.id.desc())
    if account is not None:
        query = query.where(publications.c.account == account)
    if limit is not None:
        query = query.limit(limit)
    return [_publication(row) for row in connection.execute(query)]


def create_publication(
    connection: Connection,
    *,
    account: str,
    publisher_type: str,
    kind: str,
    caption: str,
    item_ids: Sequence[int],
) -> int:
    """A new publication in its first attempt (``attempts`` 1, status running)."""
    now = utcnow()
    result = connection.execute(
        publications.insert().values(
            account=account,
            publisher_type=publisher_type,
            kind=kind,
            caption=caption,
            item_ids=list(item_ids),
            request_key=request_key(account, kind, item_ids),
            status=PublicationStatus.RUNNING.value,
            journal={},
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    )
    (publication_id,) = result.inserted_primary_key or (None,)
    assert isinstance(publication_id, int)
    return publication_id


def claim_publication(connection: Connection, publication: Publication, caption: str) -> int | None:
    """Starts the next attempt of an unfinished publication: its number, or ``None`` when
    another process claimed it first (or finished it) since ``publication`` was read."""
    attempt = publication.attempts + 1
    result = connection.execute(
        publications.update()
        .where(
            publications.c.id == publication.id,
            publications.c.attempts == publication.attempts,
            publications.c.status.in_(UNFINISHED),
        )
        .values(
            status=PublicationStatus.RUNNING.value,
            attempts=attempt,
            caption=caption,
            error=None,
            updated_at=utcnow(),
        )
    )
    return attempt if result.rowcount == 1 else None


def write_journal(
    connection: Connection, publication_id: int, attempt: int, journal: Mapping[str, str]
) -> bool:
    """Replaces the journal; ``False`` when the attempt no longer holds the publication."""
    result = connection.execute(
        publications.update()
        .where(publications.c.id == publication_id, publications.c.attempts == attempt)
        .values(journal=dict(journal), updated_at=utcnow())
    )
    return result.rowcount == 1


def finish_publication(
    connection: Connection,
    publication_id: int,
    attempt: int,
    *,
    status: PublicationStatus,
    remote_id: str | None = None,
    permalink: str | None = None,
    error: str | None = None,
) -> bool:
    """Records how the attempt ended; ``False`` when it no longer holds the publication."""
    now = utcnow()
    values: dict[str, Any] = {"status": status.value, "error": error, "updated_at": now}
    if status is PublicationStatus.PUBLISHED:
        values.update(remote_id=remote_id, permalink=permalink, finished_at=now)
    result = connection.execute(
        publications.update()
        .where(publications.c.id == publication_id, publications.c.attempts == attempt)
        .values(**values)
    )
    return result.rowcount == 1
