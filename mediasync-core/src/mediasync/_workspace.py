"""``Workspace``: the one application layer over the index, for every client of mediasync.

The built-in commands, the worker, a bot, a plugin's commands and a user's own script all do
what they do through this class, and get typed values back (``SourceInfo``, ``SourceStatus``,
``SyncRun``, ``Item``, ``SyncReport``). SQL stays in ``_db``; the sync engine stays behind
``sync``. Open one with ``Workspace.open()``; inside a ``mediasync`` command,
``Workspace.current()`` is the command's own.
"""

from __future__ import annotations

import contextvars
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from mediasync._copy_template import DEFAULT_FOLDER_TEMPLATE
from mediasync._errors import UsageError
from mediasync._models import RunStatus, SyncRun, Trigger
from mediasync._results import (
    CopiedItem,
    CopyProgress,
    CopyReport,
    DatabaseState,
    Item,
    SourceStatus,
    SyncProgress,
    SyncReport,
)

if TYPE_CHECKING:
    from mediasync._app import App
    from mediasync._db.items import ItemOrder, Orientation
    from mediasync._db.sources import SourceRecord
    from mediasync._doctor import Finding
    from mediasync._item_bytes import ItemStream
    from mediasync._media_results import DuplicateGroup, FactsProgress, FactsRefreshReport
    from mediasync._plugins import Plugins
    from mediasync._publish_results import Publication, PublisherInfo, PublishPlan
    from mediasync._publisher import Publisher
    from mediasync._secret import Secret
    from mediasync._source import Source
    from mediasync._sync.worker import Worker

__all__ = ["SourceInfo", "Workspace", "check_source_name"]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_UNSET: Any = object()
_CURRENT: contextvars.ContextVar[Workspace] = contextvars.ContextVar("mediasync_workspace")


def _aware(moment: datetime) -> datetime:
    """A date given without a zone is UTC, as everywhere in the index."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_source_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"invalid source name {name!r}: use letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit, at most 100 characters)"
        )
    return name


@attrs.frozen(slots=True)
class SourceInfo:
    """A configured source; ``settings`` are redacted for display."""

    name: str
    type: str
    root: str | None
    enabled: bool
    interval_seconds: int | None
    settings: Mapping[str, Any]
    created_at: datetime
    items_active: int
    items_removed: int
    strategy: str | None = None
    updated_at: datetime | None = None


def _health(record: SourceRecord, last: SyncRun | None) -> str:
    if not record.enabled:
        return "disabled"
    if last is None:
        return "never synced"
    if record.consecutive_failures:
        return f"failing ({record.consecutive_failures} in a row)"
    return "held" if last.status is RunStatus.HELD else "ok"


class Workspace:
    """The index, sources and secrets of one configuration.

    Safe to use from several threads: each call takes its own database connection.
    """

    def __init__(self, app: App | Callable[[], App]) -> None:
        """``app`` may be a factory: the configuration is then read at first use, so that a
        command which needs none (``plugins``, ``--help``) works when it is broken."""
        self._factory: Callable[[], App] | None = None if not callable(app) else app
        self._app: App | None = None if callable(app) else app
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        config: Path | str | None = None,
        *,
        database_url: str | None = None,
        plugins: Plugins | None = None,
    ) -> Workspace:
        """A workspace without the command line: for scripts, bots and tests.

        Args:
            config: a TOML file (default: ``mediasync.toml`` in the user's config directory,
                or ``MEDIASYNC_CONFIG``).
            database_url: overrides the configured index database.
            plugins: the loaded plugins (default: every installed one, as the CLI loads them).

        Use it as a context manager, or call ``close``.
        """
        from mediasync._app import App
        from mediasync._config import load_config
        from mediasync._plugins import load_plugins

        overrides = {"database_url": database_url} if database_url else {}
        path = None if config is None else Path(config)
        loaded = load_plugins() if plugins is None else plugins
        return cls(App(load_config(path, overrides=overrides), loaded))

    @classmethod
    def current(cls) -> Workspace:
        """The workspace of the running ``mediasync`` command."""
        try:
            return _CURRENT.get()
        except LookupError:
            raise RuntimeError(
                "Workspace.current() is only available inside a mediasync command; "
                "use Workspace.open() elsewhere"
            ) from None

    def make_current(self) -> Callable[[], None]:
        """Makes this the workspace ``current()`` returns (the CLI does, per command); call
        what it returns to undo that."""
        token = _CURRENT.set(self)
        return lambda: _CURRENT.reset(token)

    @property
    def app(self) -> App:
        """The application behind the workspace (core's own code only)."""
        if self._app is None:
            with self._lock:
                if self._app is None:
                    assert self._factory is not None
                    self._app = self._factory()
        return self._app

    @property
    def opened(self) -> bool:
        return self._app is not None

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

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
        strategy: str | None = None,
    ) -> SourceInfo:
        """Validates and stores a source; secrets are sealed before they reach the database.

        Every way of adding a source (``sources add``, ``sync PATH``, the default source of
        the configuration, a plugin's ``connect``) comes here, so all are checked alike.

        Raises:
            UsageError: bad name, unknown type or strategy, bad root, duplicate name.
            SettingsError: a setting is unknown or of the wrong type.
        """
        from mediasync._db.sources import add_source
        from mediasync._settings import seal_settings

        check_source_name(name)
        app = self.app
        source_type = app.plugins.source_type(type_name)
        root = source_type.normalize_root(root)
        if strategy is not None:
            strategy_type = app.plugins.strategy(strategy)
            if not strategy_type.supports(source_type):
                raise UsageError(
                    f"strategy '{strategy}' needs capabilities "
                    f"{', '.join(sorted(strategy_type.required_capabilities))} that source type "
                    f"'{type_name}' does not declare"
                )
        if interval_seconds is not None and interval_seconds < 1:
            raise UsageError(f"interval must be at least 1 second, not {interval_seconds}")
        stored = seal_settings(
            source_type.Settings, settings, app.secrets, owner=f"source '{name}' ({type_name})"
        )
        with app.engine.begin() as connection:
            add_source(
                connection,
                name=name,
                type=type_name,
                root=root,
                settings=stored,
                interval_seconds=interval_seconds,
                strategy=strategy,
                enabled=enabled,
            )
        return self.source(name)

    def source(self, name: str) -> SourceInfo:
        from mediasync._db.sources import get_source, item_counts

        with self.app.engine.connect() as connection:
            record = get_source(connection, name)
            counts = item_counts(connection, record.id)
        return self._info(record, counts)

    @staticmethod
    def start_listing_early(
        target: str,
        *,
        database_url: str | None = None,
        config_path: str | None = None,
        in_child_process: bool = False,
    ) -> bool:
        """Begins listing the source a coming ``sync`` of ``target`` will read, before the
        workspace (or anything heavy) is even imported: the listing of a local folder then
        overlaps the process's set-up. The sync takes it over only if it opens exactly that
        source; see ``mediasync._sync.early``. Returns whether a listing was started.
        ``in_child_process`` walks in a forked child, on the other core, when this process has
        no other thread yet (the console entry point does); otherwise on a thread.
        """
        from mediasync._sync.early import start_early_listing

        return start_early_listing(
            target,
            database_url=database_url,
            config_path=config_path,
            in_child_process=in_child_process,
        )

    def sources(self, type_name: str | None = None, *, counts: bool = True) -> list[SourceInfo]:
        """Every source (of ``type_name``); ``counts=False`` skips counting their items (each
        ``items_active`` and ``items_removed`` is then 0), which costs a pass over the index."""
        from mediasync._db.sources import item_counts, list_sources

        none = {"active": 0, "removed": 0}
        with self.app.engine.connect() as connection:
            return [
                self._info(record, item_counts(connection, record.id) if counts else none)
                for record in list_sources(connection)
                if type_name in (None, record.type)
            ]

    @staticmethod
    def _info(record: SourceRecord, counts: Mapping[str, int]) -> SourceInfo:
        from mediasync._settings import display_settings

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
            strategy=record.strategy,
            updated_at=record.updated_at,
        )

    def update_source(
        self,
        name: str,
        *,
        settings: Mapping[str, Any] | None = None,
        root: str | None = _UNSET,
        interval_seconds: int | None = _UNSET,
        enabled: bool | None = None,
    ) -> SourceInfo:
        """Changes a source in place: its items and their history stay.

        ``settings`` replaces the keys given (a key set to ``None`` is removed); ``root`` is
        checked as at ``add_source``; ``interval_seconds=None`` returns to the configured
        default. Everything is validated before anything is written.

        Raises:
            UsageError, SettingsError: as ``add_source``; nothing is changed.
        """
        from sqlalchemy import update

        from mediasync._db.schema import sources
        from mediasync._db.sources import utcnow

        record = self._record(name)
        values: dict[str, Any] = {}
        if settings is not None:
            values["settings"] = self._merged_settings(record, settings)
        if root is not _UNSET:
            source_type = self.app.plugins.source_type(record.type)
            values["root"] = source_type.normalize_root(root)
        if interval_seconds is not _UNSET:
            if interval_seconds is not None and interval_seconds < 1:
                raise UsageError(f"interval must be at least 1 second, not {interval_seconds}")
            values["interval_seconds"] = interval_seconds
        if enabled is not None:
            values["enabled"] = enabled
        if values:
            values["updated_at"] = utcnow()
            with self.app.engine.begin() as connection:
                connection.execute(
                    update(sources).where(sources.c.id == record.id).values(**values)
                )
        return self.source(name)

    def update_settings(self, name: str, changes: Mapping[str, Any]) -> SourceInfo:
        """``update_source(name, settings=changes)``."""
        return self.update_source(name, settings=changes)

    def _merged_settings(self, record: SourceRecord, changes: Mapping[str, Any]) -> Any:
        from mediasync._settings import merge_settings

        app = self.app
        source_type = app.plugins.source_type(record.type)
        owner = f"source '{record.name}' ({record.type})"
        return merge_settings(
            source_type.Settings, record.settings, changes, app.secrets, owner=owner
        )

    def remove_source(self, name: str) -> int:
        """Forgets a source and its index rows (the media are not touched); returns how many
        item rows went with it."""
        from mediasync._app import source_state_scope
        from mediasync._db.sources import remove_source
        from mediasync._db.state import forget_scope

        with self.app.engine.begin() as connection:
            removed = remove_source(connection, name)
            forget_scope(connection, source_state_scope(name))
            return removed

    def open_source(self, name: str) -> Source:
        """The source instance, settings decrypted: use it as a context manager."""
        return self.app.open_source(self._record(name))

    # -- syncs and their runs ------------------------------------------------------------------

    def sync(
        self,
        name: str,
        *,
        trigger: Trigger = Trigger.CLI,
        dry_run: bool = False,
        verify: bool = False,
        allow_mass_removal: bool = False,
        wait: bool = False,
        accept_root_change: bool = False,
        on_progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
        list_changes: int = 0,
        full: bool = False,
    ) -> SyncReport:
        """Syncs one source now and records the run; callable from any thread.

        Takes the source's lease like the CLI and the worker, so one source is never synced
        twice at once. The source's own failures are on the report (``run.status``, ``run.error``),
        not raised. ``list_changes``: keep up to this many changes on the report (``changes``;
        dry runs too), counting the rest (``unlisted_changes``). ``full``: read the whole
        source even where its strategy reads only what changed (and decide removals).

        Raises:
            UsageError: no such source. LeaseHeld: another sync of it is running (without
                ``wait``).
        """
        from mediasync._sync.index import SyncOptions
        from mediasync._sync.runner import sync_source

        app = self.app
        options = SyncOptions.from_config(
            app.config.sync,
            dry_run=dry_run,
            verify=verify,
            allow_mass_removal=allow_mass_removal,
            list_changes=list_changes,
            full=full,
        )
        return sync_source(
            app,
            name,
            trigger=trigger,
            options=options,
            wait=wait,
            accept_root_change=accept_root_change,
            on_progress=on_progress,
            cancel=cancel,
        )

    def worker(self, worker_id: str | None = None, *, once: bool = False) -> Worker:
        """The scheduler loop of ``mediasync run``: ``run()`` syncs every enabled source on its
        interval until ``stop`` (a ``threading.Event``) is set, or with ``once`` until nothing
        is due; several workers share the sources through leases in the database."""
        from mediasync._sync.lease import default_owner
        from mediasync._sync.worker import Worker

        return Worker(self.app, worker_id or default_owner(), once=once)

    def last_run(self, name: str) -> SyncRun | None:
        """The source's latest finished run."""
        runs = self.runs(name, limit=10)
        return next((run for run in runs if run.status is not RunStatus.RUNNING), None)

    def runs(self, name: str, limit: int = 20) -> list[SyncRun]:
        """The source's runs, newest first."""
        from mediasync._db.runs import recent_runs

        record = self._record(name)
        with self.app.engine.connect() as connection:
            return recent_runs(connection, record.id, limit)

    def status(self, name: str | None = None) -> list[SourceStatus]:
        """Every source's state (or one's): last run, item counts, health, schedule, lease."""
        from mediasync._db.runs import last_runs
        from mediasync._db.sources import get_source, item_counts, list_sources

        with self.app.engine.connect() as connection:
            records = [get_source(connection, name)] if name else list_sources(connection)
            runs = last_runs(connection)
            result = []
            for record in records:
                counts = item_counts(connection, record.id)
                last = runs.get(record.id)
                result.append(
                    SourceStatus(
                        name=record.name,
                        type=record.type,
                        root=record.root,
                        enabled=record.enabled,
                        health=_health(record, last),
                        consecutive_failures=record.consecutive_failures,
                        items_active=counts["active"],
                        items_removed=counts["removed"],
                        last_run=last,
                        next_due_at=record.next_due_at,
                        lease_owner=record.lease_owner,
                        lease_expires_at=record.lease_expires_at,
                    )
                )
        return result

    def database(self) -> DatabaseState:
        """The schema's revision against the one this mediasync needs (nothing is migrated)."""
        from mediasync._db.engine import redact_url
        from mediasync._db.migrate import HEAD, KNOWN_REVISIONS, current_revision

        engine = self.app.raw_engine()
        try:
            with engine.connect() as connection:
                revision = current_revision(connection)
        finally:
            engine.dispose()
        if revision == HEAD:
            verdict = "current"
        elif revision is None:
            verdict = "empty"
        elif revision in KNOWN_REVISIONS:
            verdict = "behind"
        else:
            verdict = "ahead"
        return DatabaseState(redact_url(engine.url), revision, HEAD, verdict)

    def upgrade_database(self) -> tuple[str | None, str | None]:
        """Migrates the schema to this mediasync's (creating it if empty): (from, to)."""
        from mediasync._db.migrate import upgrade

        engine = self.app.raw_engine()
        try:
            return upgrade(engine)
        finally:
            engine.dispose()

    def doctor(self) -> list[Finding]:
        """What needs the user's attention (database, plugins, sources), each with its fix."""
        from mediasync._doctor import diagnose

        restore = self.make_current()  # as in ``publish``: a check may read the index
        try:
            return diagnose(self.app)
        finally:
            restore()

    # -- items ---------------------------------------------------------------------------------

    def items(
        self,
        *,
        source: str | None = None,
        active: bool | None = True,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        path_glob: str | None = None,
        order: ItemOrder = "path",
        limit: int | None = None,
        after_id: int | None = None,
        group_id: str | None = None,
        taken_since: datetime | None = None,
        taken_until: datetime | None = None,
        min_width: int | None = None,
        min_height: int | None = None,
        orientation: Orientation | None = None,
    ) -> Iterator[Item]:
        """Streams the items matching every filter (memory stays flat however many).

        ``active=None`` gives removed items too, ``False`` only those. ``since``/``until``
        bound the modification time, ``taken_since``/``taken_until`` the capture time (items
        whose capture time is unknown never match these). ``min_width``/``min_height``: the
        size as shown; ``orientation``: ``portrait``, ``landscape`` or ``square``.
        ``path_glob`` matches the whole path (``*`` crosses folders). ``order``: ``path``,
        ``id``, ``taken`` (oldest first, unknown last) or ``size`` (largest first).
        ``after_id`` pages by id (the order is then by id). ``group_id`` gives one group's
        items (a carousel's children) in their position order. The iterator holds a database
        connection until it is exhausted or closed.
        """
        from mediasync._db.items import iter_items

        source_id = None if source is None else self._record(source).id
        with self.app.engine.connect() as connection:
            yield from iter_items(
                connection,
                source_id=source_id,
                active=active,
                kind=kind,
                since=since,
                until=until,
                path_glob=path_glob,
                order=order,
                limit=limit,
                after_id=after_id,
                group_id=group_id,
                taken_since=None if taken_since is None else _aware(taken_since),
                taken_until=None if taken_until is None else _aware(taken_until),
                min_width=min_width,
                min_height=min_height,
                orientation=orientation,
            )

    def duplicates(
        self, sources: Sequence[str] = (), *, across_sources: bool = False
    ) -> Iterator[DuplicateGroup]:
        """Streams the groups of active items with the same bytes (SHA-256), the most wasted
        bytes first, each group's items by source and path. The groups come from the hash
        index alone, then only their items are read, a page of groups at a time.

        ``sources``: only items of these sources (all when empty). ``across_sources``: only
        groups held by two sources or more (the posts already in the Drive folder, the photos
        both on the laptop and in Drive). The iterator holds a database connection until it
        is exhausted or closed.

        Raises:
            UsageError: no such source (at the call, before any group).
        """
        source_ids = [self._record(name).id for name in sources] or None
        return self._duplicate_groups(source_ids, across_sources)

    def _duplicate_groups(
        self, source_ids: list[int] | None, across_sources: bool
    ) -> Iterator[DuplicateGroup]:
        from mediasync._db.duplicates import duplicate_groups

        with self.app.engine.connect() as connection:
            yield from duplicate_groups(
                connection, source_ids=source_ids, across_sources=across_sources
            )

    def refresh_metadata(
        self,
        source: str | None = None,
        *,
        on_progress: Callable[[FactsProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> list[FactsRefreshReport]:
        """Reads the media facts (capture time, size, duration, camera) of the items indexed
        before they were read, from their files' headers; one report per source.

        Resumable: each page of items is written as it is read, and a later call goes on with
        the items left. Files changed since they were indexed are left to the next sync;
        sources whose bytes are not on this machine are skipped (their listing gives facts).

        Raises:
            UsageError: no such source.
        """
        from mediasync._db.sources import list_sources
        from mediasync._facts_refresh import refresh_source_facts

        if source is not None:
            records = [self._record(source)]
        else:
            with self.app.engine.connect() as connection:
                records = list_sources(connection)
        return [
            refresh_source_facts(self.app, record, on_progress=on_progress, cancel=cancel)
            for record in records
        ]

    def item(self, item_id: int) -> Item:
        """One item with its history.

        Raises:
            UsageError: no item with that id.
        """
        from mediasync._db.items import item_by_id, item_events

        with self.app.engine.connect() as connection:
            found = item_by_id(connection, item_id)
            if found is None:
                raise UsageError(f"no item with id {item_id}")
            return attrs.evolve(found, events=tuple(item_events(connection, item_id)))

    def open_item(self, item_id: int) -> ItemStream:
        """Streams an indexed item's bytes from its source (a 2 GB video is never in memory).

        Use it as a context manager; closing it releases the source too. ``.item`` on the
        stream is the ``Item`` being read.

        Raises:
            UsageError: no such item, or it was removed.
            NotSupported: its source cannot download.
            SourceUnreachable, RemoteError: the source could not be read.
        """
        from mediasync._item_bytes import open_item_bytes

        item = self.item(item_id)
        return open_item_bytes(item, self.open_source(item.source))

    # -- publishing ----------------------------------------------------------------------------

    def add_publisher(
        self, name: str, type_name: str, *, settings: Mapping[str, Any]
    ) -> PublisherInfo:
        """Validates and stores a publisher account; secrets are sealed as a source's are.

        Raises:
            UsageError: bad or taken name, unknown publisher type.
            SettingsError: a setting is unknown or of the wrong type.
        """
        from mediasync._publisher_accounts import add_publisher

        return add_publisher(self.app, name, type_name, settings)

    def publishers(self) -> list[PublisherInfo]:
        from mediasync._publisher_accounts import publisher_infos

        return publisher_infos(self.app)

    def publisher(self, name: str) -> PublisherInfo:
        from mediasync._publisher_accounts import publisher_info

        return publisher_info(self.app, name)

    def update_publisher(self, name: str, *, settings: Mapping[str, Any]) -> PublisherInfo:
        """Replaces the settings given (one set to ``None`` goes back to its default), checked
        as at ``add_publisher``; a bad value changes nothing."""
        from mediasync._publisher_accounts import update_publisher

        return update_publisher(self.app, name, settings)

    def remove_publisher(self, name: str) -> None:
        """Forgets the account; the history of its publications stays."""
        from mediasync._publisher_accounts import remove_publisher

        remove_publisher(self.app, name)

    def open_publisher(self, name: str) -> Publisher:
        """The account's publisher instance, settings decrypted: use it as a context manager."""
        from mediasync._publisher_accounts import account_record, open_publisher

        return open_publisher(self.app, account_record(self.app, name))

    def plan_publication(
        self,
        item_ids: Sequence[int],
        *,
        to: str,
        kind: str | None = None,
        caption: str | None = None,
        again: bool = False,
    ) -> PublishPlan:
        """Every check of ``publish``, and which publication it would resume; writes nothing."""
        from mediasync._publishing import plan_publication

        return plan_publication(self.app, item_ids, to=to, kind=kind, caption=caption, again=again)

    def publish(
        self,
        item_ids: Sequence[int],
        *,
        to: str,
        kind: str | None = None,
        caption: str | None = None,
        again: bool = False,
    ) -> Publication:
        """Publishes items (in order) to the account ``to`` as ``kind`` (default: the
        publisher's ``default_kind``), their bytes streamed from their sources.

        An unfinished publication of the same items, kind and account (interrupted, or failed)
        is resumed with its journal, so nothing is posted twice; ``caption=None`` keeps its
        caption. The publisher's own failures are on the returned publication (``status``
        ``failed``, ``error``), not raised: the next identical call resumes it.

        Raises:
            UsageError: no such account or item, a removed item, a kind or media kind the
                publisher does not declare. NotSupported: an item's source cannot download.
            SettingsError: the account's settings are no longer valid.
            AlreadyPublished: published before (without ``again``).
            PublishError: the publisher raised something other than a ``MediasyncError`` (a
                bug; recorded on the publication first), or another process resumed it.
        """
        from mediasync._publishing import publish

        restore = self.make_current()  # a publisher may read the index (another source's token)
        try:
            return publish(self.app, item_ids, to=to, kind=kind, caption=caption, again=again)
        finally:
            restore()

    def publications(
        self, *, account: str | None = None, limit: int | None = None
    ) -> list[Publication]:
        """The history, newest first (an account's only, with ``account``)."""
        from mediasync._db.publications import list_publications

        with self.app.engine.connect() as connection:
            return list_publications(connection, account, limit)

    def publication(self, publication_id: int) -> Publication:
        from mediasync._db.publications import get_publication

        with self.app.engine.connect() as connection:
            return get_publication(connection, publication_id)

    # -- copies --------------------------------------------------------------------------------

    def copy(
        self,
        source: str,
        destination: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        folder_template: str = DEFAULT_FOLDER_TEMPLATE,
        limit: int | None = None,
        dry_run: bool = False,
        on_progress: Callable[[CopyProgress], None] | None = None,
        on_item: Callable[[CopiedItem], None] | None = None,
        where: Callable[[Item], bool] | None = None,
    ) -> CopyReport:
        """Copies the active items of ``source`` (as its index lists them) into
        ``destination``, indexing each copy there at once; callable from any thread.

        Idempotent: an item whose copy the destination's index holds, or the destination
        itself (its marker, from ``Source.upload(provenance=...)``), is not copied again, so
        an interrupted copy goes on where it stopped. ``since``/``until`` bound the item's
        date (capture time, else modification time; since inclusive, until exclusive).
        ``folder_template`` places each copy (see ``TEMPLATE_FIELDS``); ``limit`` copies at
        most that many; ``where`` keeps only the items it is true for (a plugin's own filter,
        such as Instagram's stories). ``on_item`` hears of each item copied, found or failed. A
        destination that is full, read-only or unreachable stops the copy: ``CopyReport.error``
        says why.

        Raises:
            UsageError: an unknown source, the same source twice, a source that cannot
                download or a destination that cannot be written to, a bad template, kind,
                dates or limit (all before anything is copied).
            LeaseHeld: a sync of the destination is running.
        """
        from mediasync._copy_template import FolderTemplate
        from mediasync._copying import CopyRequest, copy_items

        kinds = ("image", "video", "audio", "other")
        if kind is not None and kind not in kinds:
            raise UsageError(f"unknown kind {kind!r} (use one of {', '.join(kinds)})")
        if limit is not None and limit < 1:
            raise UsageError(f"limit must be at least 1, not {limit}")
        since = None if since is None else _aware(since)
        until = None if until is None else _aware(until)
        if since is not None and until is not None and since >= until:
            raise UsageError("since must be before until")
        request = CopyRequest(
            source,
            destination,
            FolderTemplate.parse(folder_template),
            since=since,
            until=until,
            kind=kind,
            limit=limit,
            dry_run=dry_run,
            where=where,
        )
        return copy_items(self.app, request, on_progress, on_item)

    # -- plugin state --------------------------------------------------------------------------

    def get_state(self, plugin: str, scope: str, key: str) -> Any:
        """A plugin's own JSON value (a chat's settings, a backfill's high-water mark)."""
        from mediasync._db.state import get_state

        with self.app.engine.connect() as connection:
            return get_state(connection, plugin, scope, key)

    def set_state(self, plugin: str, scope: str, key: str, value: Any) -> None:
        """Replaces the value; ``None`` deletes it."""
        from mediasync._db.state import set_state

        with self.app.engine.begin() as connection:
            set_state(connection, plugin, scope, key, value)

    def list_state(self, plugin: str, scope: str) -> dict[str, Any]:
        """Every value a plugin keeps in ``scope``, by key (all of a bot's chats, say)."""
        from mediasync._db.state import list_state

        with self.app.engine.connect() as connection:
            return list_state(connection, plugin, scope)

    def seal_secret(self, value: str) -> dict[str, str]:
        """A secret in the form to keep in plugin state: never the value in clear.

        ``$env:NAME`` and ``$file:PATH`` are kept as that reference (read again by each
        ``open_secret``); anything else is encrypted with the key in the user's data directory,
        as a ``Secret`` setting of a source is.
        """
        from mediasync._secret import parse_reference

        return parse_reference(value) or self.app.secrets.seal(value)

    def open_secret(self, sealed: Mapping[str, str], name: str = "secret") -> Secret:
        """The secret ``seal_secret`` sealed (a reference is resolved now).

        Raises:
            SettingsError: the key file changed, or the reference cannot be read; ``name``
                says which secret in the message.
        """
        from mediasync._secret import Secret

        return Secret(self.app.secrets.open(dict(sealed), name))

    def _record(self, name: str) -> SourceRecord:
        from mediasync._db.sources import get_source

        with self.app.engine.connect() as connection:
            return get_source(connection, name)
