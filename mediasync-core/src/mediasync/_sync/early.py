"""The listing of ``mediasync sync NAME``, begun before the rest of the process is up.

Setting up a ``mediasync`` process (SQLAlchemy, every plugin, the command line, the index) takes
several times as long as starting Python. ``start_early_listing`` runs first, from the console
entry point: it reads the source's row straight from a SQLite index (the standard library's
``sqlite3``, read-only), imports only the plugin of that source type, builds the source and
starts its ``list_folders`` on a thread, so the walk of the folders overlaps the set-up.

The sync takes the listing over (``claim``, from ``App.open_source``) only when it opens that
same source: same name, type, root and stored settings, same class, the ``scan`` strategy of a
source that lists folder by folder, and no other sync of it running or finished since the listing
began. Otherwise it lists as it always does and the early listing is
dropped. Nothing is written or decided early: the listing is a snapshot like any other, compared
with the index under the run's lease; a folder that cannot be listed fails the sync, as it would
have. Best effort by design: anything unusual (another database, a source with secrets, a plugin
selection, an option this parser does not know) means no early listing, never an error.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mediasync._db.sources import SourceRecord
    from mediasync._source import FolderListing, Source

__all__ = ["EarlyListing", "claim", "start_early_listing"]

logger = logging.getLogger("mediasync.sync")

_QUEUED_FILES = 100_000
"""Files listed ahead of the engine at most (a folder more): what an early listing may hold in
memory, about 20 MB; on a warm cache, about what the walk gets through while the rest of the
process starts."""

_pending: EarlyListing | None = None
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class EarlyListing:
    """A source's ``list_folders`` running on its own thread, its folders queued for the sync."""

    def __init__(
        self, name: str, type_name: str, root: str | None, stored: Mapping[str, Any], source: Source
    ) -> None:
        self.name, self.type_name, self.root, self.stored = name, type_name, root, dict(stored)
        self.source = source
        self.started = datetime.now(UTC)
        self._folders: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._room = threading.Condition()
        self._queued = 0
        """Files in ``_folders`` (guarded by ``_room``)."""
        listing = source.list_folders()  # checks the root now, on this thread
        self._thread = threading.Thread(
            target=self._walk, args=(listing,), name="mediasync-early-listing", daemon=True
        )
        self._thread.start()

    def _walk(self, listing: Iterator[FolderListing]) -> None:
        try:
            for folder in listing:
                with self._room:
                    while self._queued >= _QUEUED_FILES:
                        self._room.wait()
                    self._queued += folder.count
                self._folders.put(folder)
        except BaseException as exc:  # handed to the sync, which raises it as its own
            self._folders.put(_Failed(exc))
            return
        self._folders.put(_END)

    def matches(self, record: SourceRecord, source_type: type[Source]) -> bool:
        """Whether the sync of ``record`` may use this listing: the same source, and no other
        sync holding it or finished since the listing began (whose newer snapshot of the
        folder this older one would then undo). ``record`` is read before the run's lease."""
        return (
            record.lease_owner is None
            and record.updated_at < self.started
            and (record.name, record.type, record.root) == (self.name, self.type_name, self.root)
            and dict(record.settings) == self.stored
            and type(self.source) is source_type
            and (record.strategy or source_type.default_strategy) == "scan"
        )

    def folders(self) -> Iterator[FolderListing]:
        """The folders as the thread lists them; later calls of ``list_folders`` list afresh."""
        vars(self.source).pop("list_folders", None)
        while True:
            item = self._folders.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            item = cast("FolderListing", item)
            with self._room:
                self._queued -= item.count
                self._room.notify()
            yield item


def claim(record: SourceRecord, source_type: type[Source]) -> Source | None:
    """The early-built source for ``record``, whose first ``list_folders`` is the early one."""
    global _pending
    early = _pending
    if early is None or not early.matches(record, source_type):
        return None
    _pending = None
    vars(early.source)["list_folders"] = early.folders
    return early.source


def start_early_listing(
    target: str,
    *,
    database_url: str | None = None,
    config_path: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Starts listing the source ``target`` names (or whose root it is), if it can.

    Args:
        target: what ``mediasync sync TARGET`` was given: a source name or a folder.
        database_url: ``--db``; else the environment's, the configuration's or the default.
        config_path: ``--config``.
        environ: the environment (default ``os.environ``).

    Returns:
        Whether a listing was started (a later ``claim`` may still not take it).
    """
    global _pending
    environ = os.environ if environ is None else environ
    try:
        _pending = _start(target, database_url, config_path, environ)
    except Exception:  # best effort: the sync lists as usual
        logger.debug("no early listing", exc_info=True)
        _pending = None
    return _pending is not None


def _start(
    target: str, database_url: str | None, config_path: str | None, environ: Mapping[str, str]
) -> EarlyListing | None:
    if environ.get("MEDIASYNC_LOAD_PLUGINS") is not None or environ.get(
        "MEDIASYNC_DISABLE_PLUGINS"
    ):
        return None
    path = _sqlite_path(database_url, config_path, environ)
    if path is None or not os.path.exists(path):
        return None
    row = _source_row(path, target)
    if row is None:
        return None
    name, type_name, root, settings_text, strategy = row
    stored = json.loads(settings_text) if settings_text else {}
    if not isinstance(stored, dict) or any(isinstance(v, dict) for v in stored.values()):
        return None  # secrets are left to the real path
    source_type = _source_type(type_name)
    if source_type is None:
        return None
    import attrs

    from mediasync._models import Capability

    if Capability.FOLDER_FINGERPRINTS not in source_type.capabilities:
        return None
    if (strategy or source_type.default_strategy) != "scan":
        return None
    settings = source_type.Settings()
    if stored and stored != json.loads(json.dumps(attrs.asdict(settings))):
        from mediasync._settings import parse_settings

        settings = parse_settings(source_type.Settings, stored, owner=f"source '{name}'")
    source = source_type(name, root, settings)
    if not hasattr(source, "__dict__"):
        return None
    return EarlyListing(name, type_name, root, stored, source)


def _sqlite_path(
    database_url: str | None, config_path: str | None, environ: Mapping[str, str]
) -> str | None:
    """The SQLite file the command will open, as ``_config`` resolves it; ``None`` if another."""
    url = database_url or environ.get("MEDIASYNC_DATABASE_URL")
    data_dir = environ.get("MEDIASYNC_DATA_DIR")
    if not url:
        config = config_path or environ.get("MEDIASYNC_CONFIG")
        if config is None:
            from mediasync._config import default_config_path

            default = default_config_path()
            config = str(default) if default.exists() else None
        if config is not None:
            import tomllib

            with open(config, "rb") as handle:
                values = tomllib.load(handle)
            url = values.get("database_url")
            data_dir = data_dir or values.get("data_dir")
    if not url:
        if data_dir:
            return os.path.join(os.path.expanduser(data_dir), "index.db")
        import platformdirs

        return os.path.join(platformdirs.user_data_dir("mediasync", appauthor=False), "index.db")
    scheme, _, rest = url.partition(":///")
    if scheme not in {"sqlite", "sqlite+pysqlite"} or not rest:
        return None
    return rest.partition("?")[0]


def _source_row(path: str, target: str) -> tuple[str, str, str | None, str, str | None] | None:
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT name, type, root, settings, strategy FROM sources WHERE "
        row = connection.execute(query + "name = ?", (target,)).fetchone()
        if row is None and (os.sep in target or target.startswith((".", "~"))):
            root = os.path.abspath(os.path.expanduser(target))
            row = connection.execute(query + "type = 'local' AND root = ?", (root,)).fetchone()
    finally:
        connection.close()
    return None if row is None else tuple(row)


def _source_type(type_name: str) -> type[Source] | None:
    """The class of ``type_name`` from the installed plugin of the same name, imported alone."""
    from importlib import metadata

    found = [ep for ep in metadata.entry_points(group="mediasync") if ep.name == type_name]
    if len(found) != 1:
        return None
    module = found[0].load()
    register_sources = getattr(module, "register_sources", None)
    if register_sources is None:
        return None
    registered: list[type[Source]] = []
    register_sources(registered.append)
    chosen = [cls for cls in registered if getattr(cls, "type_name", None) == type_name]
    return chosen[0] if len(chosen) == 1 else None
