"""The checks a publication passes before anything is written, and what it would resume.

Everything a user can get wrong (an item id, a removed item, an account, a kind, the account's
settings, an earlier success) is found here, in the order they would fix it, so that
``--dry-run`` and the real thing refuse alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from mediasync._errors import AlreadyPublished, NotSupported, UsageError
from mediasync._models import Capability, MediaKind
from mediasync._publish_results import Publication, PublicationStatus

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from mediasync._app import App
    from mediasync._db.publisher_accounts import AccountRecord
    from mediasync._publisher import Publisher
    from mediasync._results import Item

__all__ = ["CheckedRequest", "check_request", "unfinished"]


@attrs.frozen(slots=True)
class CheckedRequest:
    """A request that passed every check."""

    account: AccountRecord
    publisher_type: type[Publisher]
    settings: Any
    kind: str
    items: tuple[Item, ...]

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(item.id for item in self.items)


def _check_item(app: App, connection: Connection, item_id: int, publisher: type[Publisher]) -> Item:
    from mediasync._db.items import item_by_id
    from mediasync._db.sources import get_source

    item = item_by_id(connection, item_id)
    if item is None:
        raise UsageError(f"no item with id {item_id}")
    if not item.active:
        raise UsageError(f"item {item_id} ({item.path} in '{item.source}') was removed")
    if MediaKind(item.kind) not in publisher.media_kinds:
        kinds = ", ".join(sorted(publisher.media_kinds))
        raise UsageError(
            f"item {item_id} is {item.kind}; publisher type '{publisher.type_name}' "
            f"publishes {kinds}"
        )
    source = get_source(connection, item.source)
    if Capability.DOWNLOADABLE not in app.plugins.source_type(source.type).capabilities:
        raise NotSupported(
            f"item {item_id} is in source '{source.name}' (type '{source.type}'), "
            "which cannot download its bytes"
        )
    return item


def check_request(app: App, item_ids: Sequence[int], to: str, kind: str | None) -> CheckedRequest:
    """Everything that can be known before publishing, in the order a user would fix it."""
    from mediasync._publisher_accounts import account_owner, account_record
    from mediasync._settings import open_stored_settings

    if not item_ids:
        raise UsageError("nothing to publish: give at least one item id")
    seen: set[int] = set()
    for item_id in item_ids:
        if item_id in seen:
            raise UsageError(f"item {item_id} is given twice")
        seen.add(item_id)
    account = account_record(app, to)
    publisher = app.plugins.publishers.get(account.type)
    if publisher is None:
        installed = ", ".join(sorted(app.plugins.publishers)) or "none"
        raise UsageError(
            f"publisher account '{to}' is of type '{account.type}', which is not installed "
            f"(installed publisher types: {installed})"
        )
    kind = kind or publisher.default_kind
    if kind not in publisher.kinds:
        raise UsageError(
            f"publisher type '{account.type}' cannot publish as '{kind}' "
            f"(it publishes as: {', '.join(sorted(publisher.kinds))})"
        )
    settings = open_stored_settings(
        publisher.Settings, account.settings, app.secrets, owner=account_owner(to, account.type)
    )
    with app.engine.connect() as connection:
        items = tuple(_check_item(app, connection, i, publisher) for i in item_ids)
    return CheckedRequest(account, publisher, settings, kind, items)


def unfinished(
    connection: Connection, checked: CheckedRequest, caption: str | None, again: bool
) -> tuple[Publication | None, dict[str, str], str]:
    """The publication to resume (or ``None``), its journal, and the caption to publish with.

    Raises:
        AlreadyPublished: published before, and ``again`` was not given.
        UsageError: an interrupted publication of it recorded steps under another caption.
    """
    from mediasync._db.publications import last_published, latest_publication, request_key

    key = request_key(checked.account.name, checked.kind, checked.item_ids)
    done = None if again else last_published(connection, key)
    if done is not None:
        items = ", ".join(str(i) for i in done.item_ids)
        noun = "item" if len(done.item_ids) == 1 else "items"
        at = f"{done.finished_at or done.updated_at:%Y-%m-%d %H:%M} UTC"
        raise AlreadyPublished(
            f"{noun} {items} already published to '{done.account}' as {done.kind}: publication "
            f"{done.id} on {at}; add --again to publish again",
            done.id,
        )
    latest = latest_publication(connection, key)
    if latest is None or latest[0].status is PublicationStatus.PUBLISHED:
        return None, {}, caption or ""
    publication, journal = latest
    if caption is not None and caption != publication.caption and journal:
        raise UsageError(
            f"publication {publication.id} of these items was interrupted with another caption "
            "after it started posting: publish it with that caption (or none) to finish it"
        )
    return publication, journal, publication.caption if caption is None else caption
