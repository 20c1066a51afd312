"""Publishing indexed items to a publisher account, resumable after a crash.

A publication is a ``publications`` row: created (or an unfinished one claimed) before the
publisher is called, its journal written as the publisher records each step, and finished as
published or failed. Every check runs before anything is written, and an earlier success is
repeated only when asked for.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from mediasync._errors import MediasyncError, PublishError, RateLimited
from mediasync._publish_checks import CheckedRequest, check_request, unfinished
from mediasync._publish_results import Publication, PublicationStatus, PublishPlan
from mediasync._publisher import PublishMedia, PublishRequest, PublishResult

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from mediasync._app import App
    from mediasync._results import Item

__all__ = ["DatabaseJournal", "plan_publication", "publish"]


def _taken_over(publication_id: int) -> str:
    return f"publication {publication_id} was resumed by another process; this attempt stopped"


class DatabaseJournal:
    """The ``PublicationJournal`` of one attempt: each ``record`` is a committed transaction of
    its own, fenced by the attempt's number, before it returns."""

    def __init__(
        self, engine: Engine, publication_id: int, attempt: int, values: Mapping[str, str]
    ) -> None:
        self._engine = engine
        self._publication_id = publication_id
        self._attempt = attempt
        self._values = dict(values)
        self._lock = threading.Lock()  # a publisher may upload a carousel's files in threads

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def record(self, key: str, value: str) -> None:
        from mediasync._db.publications import write_journal

        if not (isinstance(key, str) and isinstance(value, str)):
            raise TypeError(f"journal keys and values are strings, not {key!r}: {value!r}")
        with self._lock:
            values = {**self._values, key: value}
            with self._engine.begin() as connection:
                if not write_journal(connection, self._publication_id, self._attempt, values):
                    raise PublishError(_taken_over(self._publication_id))
            self._values = values


def plan_publication(
    app: App,
    item_ids: Sequence[int],
    *,
    to: str,
    kind: str | None = None,
    caption: str | None = None,
    again: bool = False,
) -> PublishPlan:
    checked = check_request(app, item_ids, to, kind)
    with app.engine.connect() as connection:
        resumed, _journal, caption = unfinished(connection, checked, caption, again)
    return PublishPlan(
        account=checked.account.name,
        publisher_type=checked.account.type,
        kind=checked.kind,
        caption=caption,
        item_ids=checked.item_ids,
        resumes=None if resumed is None else resumed.id,
    )


def publish(
    app: App,
    item_ids: Sequence[int],
    *,
    to: str,
    kind: str | None = None,
    caption: str | None = None,
    again: bool = False,
) -> Publication:
    checked = check_request(app, item_ids, to, kind)
    with app.engine.begin() as connection:
        resumed, journal, caption = unfinished(connection, checked, caption, again)
        publication_id, attempt = _start(connection, checked, resumed, caption)
    steps = DatabaseJournal(app.engine, publication_id, attempt, journal)
    return _attempt(app, checked, caption, steps, publication_id, attempt)


def _start(
    connection: Connection, checked: CheckedRequest, resumed: Publication | None, caption: str
) -> tuple[int, int]:
    """(publication id, attempt number) of a new publication, or of the next attempt of the
    unfinished one."""
    from mediasync._db.publications import claim_publication, create_publication

    if resumed is None:
        publication_id = create_publication(
            connection,
            account=checked.account.name,
            publisher_type=checked.account.type,
            kind=checked.kind,
            caption=caption,
            item_ids=checked.item_ids,
        )
        return publication_id, 1
    attempt = claim_publication(connection, resumed, caption)
    if attempt is None:
        raise PublishError(_taken_over(resumed.id))
    return resumed.id, attempt


def _attempt(
    app: App,
    checked: CheckedRequest,
    caption: str,
    journal: DatabaseJournal,
    publication_id: int,
    attempt: int,
) -> Publication:
    """Calls the publisher and records how it ended; a ``MediasyncError`` is the publication's
    failure (returned), anything else a bug of the publisher (recorded, then raised)."""
    from mediasync._db.publications import get_publication

    name = checked.account.name
    media = tuple(_media(app, item) for item in checked.items)
    request = PublishRequest(media, checked.kind, caption, name)
    try:
        with checked.publisher_type(name, checked.settings) as publisher:
            result = publisher.publish(request, journal)
        if not (isinstance(result, PublishResult) and result.remote_id):
            raise TypeError(f"publish() returned {result!r}, not a PublishResult with a remote_id")
    except MediasyncError as exc:
        _finish(app, publication_id, attempt, PublicationStatus.FAILED, error=_describe(exc))
    except Exception as exc:
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        _finish(app, publication_id, attempt, PublicationStatus.FAILED, error=error)
        raise PublishError(
            f"publication {publication_id} to '{name}' failed: publisher type "
            f"'{checked.account.type}' raised {error}"
        ) from exc
    else:
        _finish(
            app,
            publication_id,
            attempt,
            PublicationStatus.PUBLISHED,
            remote_id=result.remote_id,
            permalink=result.permalink,
        )
    with app.engine.connect() as connection:
        return get_publication(connection, publication_id)


def _finish(
    app: App, publication_id: int, attempt: int, status: PublicationStatus, **values: Any
) -> None:
    from mediasync._db.publications import finish_publication

    with app.engine.begin() as connection:
        if not finish_publication(connection, publication_id, attempt, status=status, **values):
            raise PublishError(_taken_over(publication_id))


def _describe(exc: MediasyncError) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        message += f" (retry after {exc.retry_after:g}s)"
    return message


def _media(app: App, item: Item) -> PublishMedia:
    return PublishMedia(
        item_id=item.id,
        name=item.name,
        mime_type=item.mime_type,
        size=item.size,
        open=functools.partial(_open_bytes, app, item),
        taken_at=item.taken_at,
        metadata=item.metadata,
    )


def _open_bytes(app: App, item: Item) -> BinaryIO:
    """The item's bytes from its source, opened when the publisher asks for them."""
    from mediasync._db.sources import get_source
    from mediasync._item_bytes import open_item_bytes

    with app.engine.connect() as connection:
        record = get_source(connection, item.source)
    return cast(BinaryIO, open_item_bytes(item, app.open_source(record)))
