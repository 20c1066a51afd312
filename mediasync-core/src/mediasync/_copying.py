"""``copy``: the items of one source written into another, each indexed there at once.

This module checks the request and holds the destination's lease (so that no sync of it runs
meanwhile); ``_copy_run`` does the copying, ``_copy_transfer`` one item on a worker thread, and
``_sync.copies`` the destination's index. An item that cannot be read or written (a file gone,
a name refused) is counted and the copy goes on. A destination that is full, read-only or
refusing, or a source that is unreachable, stops it: what was copied is indexed first, so that
a re-run goes on from there, and neither the index nor the destination's markers let it copy
anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from mediasync._app import App
from mediasync._copy_run import CopyRun
from mediasync._copy_template import FolderTemplate
from mediasync._db.sources import SourceRecord, get_source
from mediasync._errors import UsageError
from mediasync._models import Capability
from mediasync._results import CopiedItem, CopyProgress, CopyReport, Item
from mediasync._sync.copies import CopyIndex
from mediasync._sync.lease import Lease, LeaseHeld, acquire, default_owner
from mediasync._sync.observers import ObserverQueue

__all__ = ["CopyRequest", "copy_items"]


@attrs.frozen(slots=True)
class CopyRequest:
    """What ``Workspace.copy`` was asked, checked (see there)."""

    source: str
    destination: str
    template: FolderTemplate
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    limit: int | None = None
    dry_run: bool = False
    where: Callable[[Item], bool] | None = None

    def wants(self, item: Item) -> bool:
        """Whether the item's date (the template's ``{taken}``) is within since/until, and
        ``where`` (if any) keeps it."""
        taken = item.taken_at or item.mtime
        in_time = (self.since is None or taken >= self.since) and (
            self.until is None or taken < self.until
        )
        return in_time and (self.where is None or self.where(item))


def _records(app: App, request: CopyRequest) -> tuple[SourceRecord, SourceRecord]:
    """The two sources, refused unless one can download and the other can be written to."""
    if request.source == request.destination:
        raise UsageError(f"cannot copy '{request.source}' into itself: name another source")
    with app.engine.connect() as connection:
        source = get_source(connection, request.source)
        destination = get_source(connection, request.destination)
    needs = ((source, Capability.DOWNLOADABLE, "from"), (destination, Capability.WRITABLE, "into"))
    for record, capability, direction in needs:
        if capability not in app.plugins.source_type(record.type).capabilities:
            raise UsageError(
                f"cannot copy {direction} '{record.name}': its type '{record.type}' lacks the "
                f"'{capability}' capability"
            )
    return source, destination


def copy_items(
    app: App,
    request: CopyRequest,
    on_progress: Callable[[CopyProgress], None] | None = None,
    on_item: Callable[[CopiedItem], None] | None = None,
) -> CopyReport:
    """Runs one copy (see the module's docstring).

    Raises:
        UsageError: an unknown source, the same one twice, a missing capability.
        LeaseHeld: a sync of the destination (or another copy into it) is running.
    """
    source, destination = _records(app, request)
    lease: Lease | None = None
    if not request.dry_run:
        ttl = timedelta(seconds=app.config.sync.lease_seconds)
        try:
            lease = acquire(app.engine, destination.id, default_owner(), ttl)
        except LeaseHeld:
            raise LeaseHeld(
                f"cannot copy into '{destination.name}' now: a sync of it (or another copy "
                "into it) is running; try again once it has finished"
            ) from None
    try:
        with ObserverQueue(app.plugins, enabled=lease is not None, name=destination.name) as out:
            index = CopyIndex(
                app.engine,
                destination.id,
                destination.name,
                lease,
                lambda change: out.notify("item_changed", change=change),
            )
            run = CopyRun(app, request, (source, destination), index, on_progress, on_item)
            return run.run()
    finally:
        if lease is not None:
            lease.release(app.engine)
