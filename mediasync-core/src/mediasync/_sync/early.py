"""The listing of ``mediasync sync NAME``, begun before the rest of the process is up.

Setting up a ``mediasync`` process (SQLAlchemy, every plugin, the command line, the index) takes
several times as long as starting Python. ``start_early_listing`` runs first, from the console
entry point: it reads the source's row straight from the index (SQLite through the standard
library's ``sqlite3``, read-only; PostgreSQL through psycopg), imports only the plugin of that
source type, builds the source and starts its ``list_folders`` on a thread, so the walk of the
folders overlaps the set-up.

The sync takes the listing over (``claim``, from ``App.open_source``) only when it opens that
same source: same name, type, root and stored settings, same class, the ``scan`` strategy of a
source that lists folder by folder, and no other sync of it running or finished since the listing
began. Otherwise it lists as it always does and the early listing is
dropped. Nothing is written or decided early: the listing is a snapshot like any other, compared
with the index under the run's lease; a folder that cannot be listed fails the sync, as it would
have. Best effort by design: anything unusual (another database, a source with secrets, a plugin
selection, an option this parser does not know) means no early listing, never an error.

From the console entry point the walk runs in a forked child process rather than a thread
(``in_child_process``): on a thread, every ``stat`` of the walk gave up the GIL and waited for
the importing main thread to hand it back, so a no-op ``mediasync sync`` cost the walk plus the
set-up; in a child the two use both cores. The child sends each folder's listing (pickled: the
fingerprint and the facts its entries are built from) down a pipe, then the attributes the
listing set on its copy of the source (the local source's skipped files), or the error that
ended it; a thread of the parent reads them into the same queue the thread would fill. Only a
process with no other thread forks (a fork copies one thread, not the locks others may hold),
and only for a source that pickles; anything else lists on a thread as before. The child, having
no other thread and nothing else to do, lets the listing use more processes
(``listing_processes``): the local source shares its subtrees out among helpers there.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mediasync._db.sources import SourceRecord
    from mediasync._source import FolderListing, Source

__all__ = ["EarlyListing", "claim", "start_early_listing"]

_QUEUED_FILES = 100_000
"""Files listed ahead of the engine at most (a folder more): what an early listing may hold in
memory, about 20 MB; on a warm cache, about what the walk gets through while the rest of the
process starts."""

_LISTING_PROCESSES = 4
"""The most processes the child's listing may spread over (``listing_processes``): past that,
a walk of warm folders gains little, and a walk of cold ones only makes the disk seek."""

_pending: EarlyListing | None = None
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Done:
    """The child's listing ended: the attributes its source had then."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state


class _Built:
    """The entries of a folder whose own ``build`` does not pickle, built in the child."""

    def __init__(self, entries: tuple[Any, ...]) -> None:
        self.entries = entries

    def __call__(self) -> tuple[Any, ...]:
        return self.entries


class _Pickled:
    """A folder's ``build`` as the child pickled it, unpickled only if the sync calls it.

    The engine builds the entries of changed folders only: on a re-sync most folders' files
    are never unpickled (80 ms of the parent's CPU per 100k files, measured, against 14 ms for
    the folders alone)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __call__(self) -> Any:
        return pickle.loads(self.data)()


class EarlyListing:
    """A source's ``list_folders`` running on its own thread (or in a child process, the thread
    then receiving it), its folders queued for the sync."""

    def __init__(
        self,
        name: str,
        type_name: str,
        root: str | None,
        stored: Mapping[str, Any],
        source: Source,
        *,
        in_child_process: bool = False,
    ) -> None:
        self.name, self.type_name, self.root, self.stored = name, type_name, root, dict(stored)
        self.source = source
        self.started = datetime.now(UTC)
        self._folders: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._room = threading.Condition()
        self._queued = 0
        """Files in ``_folders`` (guarded by ``_room``)."""
        listing = source.list_folders()  # checks the root now, on this thread
        self.child: int | None = None
        """The pid of the child process listing, if one does."""
        work: tuple[Any, ...] = (self._walk, listing)
        if in_child_process:
            forked = _fork_listing(listing, source)
            if forked is not None:
                self.child, stream = forked
                work = (self._receive, stream)
        self._thread = threading.Thread(
            target=work[0], args=work[1:], name="mediasync-early-listing", daemon=True
        )
        self._thread.start()

    def _wait_for_room(self, count: int) -> None:
        with self._room:
            while self._queued >= _QUEUED_FILES:
                self._room.wait()
            self._queued += count

    def _walk(self, listing: Iterator[FolderListing]) -> None:
        try:
            for folder in listing:
                self._wait_for_room(folder.count)
                self._folders.put(folder)
        except BaseException as exc:  # handed to the sync, which raises it as its own
            self._folders.put(_Failed(exc))
            return
        self._folders.put(_END)

    def _receive(self, stream: Any) -> None:
        """Queues what the child sends; its source's attributes are taken over at the end."""
        from mediasync._source import FolderListing

        ended: object
        try:
            with stream:
                while True:
                    item = pickle.load(stream)
                    if type(item) is tuple:  # (path, fingerprint, count, pickled build)
                        path, fingerprint, count, build = item
                        self._wait_for_room(count)
                        self._folders.put(FolderListing(path, fingerprint, count, _Pickled(build)))
                        continue
                    if isinstance(item, _Done):
                        vars(self.source).update(item.state)
                        ended = _END
                    else:
                        ended = item
                    break
        except BaseException as exc:  # the child died, or sent what cannot be read
            ended = _Failed(_lost(self.root, exc))
        finally:
            if self.child is not None:
                os.waitpid(self.child, 0)
        self._folders.put(ended)

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


def _lost(root: str | None, exc: BaseException) -> BaseException:
    from mediasync._errors import SourceUnreachable

    return SourceUnreachable(
        f"the listing of {root} ended before it was complete ({type(exc).__name__}); "
        "nothing was changed: sync again"
    )


def _fork_listing(listing: Iterator[FolderListing], source: Source) -> tuple[int, Any] | None:
    """Forks a child that runs ``listing``; returns its pid and the stream it writes to."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return None
    try:
        pickle.dumps(vars(source), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: it never returns
        os.close(read_end)
        _list_in_child(listing, source, write_end)
    os.close(write_end)
    return pid, open(read_end, "rb", buffering=1 << 16)  # closed by _receive


def _list_in_child(listing: Iterator[FolderListing], source: Source, fd: int) -> None:
    """Writes each folder, then ``_Done`` or ``_Failed``, and exits without any ``atexit``
    function, flush or finalizer of the parent's (they belong to the parent)."""
    code = 0
    try:
        from mediasync import _source

        _source._listing_processes = _usable_cores()
        out = open(fd, "wb", buffering=1 << 16)  # noqa: SIM115 - os._exit ends everything
        try:
            for folder in listing:
                try:
                    build = pickle.dumps(folder.build, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:
                    built = _Built(tuple(folder.entries()))
                    build = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
                sent = (folder.path, folder.fingerprint, folder.count, build)
                out.write(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
            end: object = _Done(dict(vars(source)))
        except BrokenPipeError:
            raise
        except BaseException as exc:
            end = _Failed(exc)
        try:
            data = pickle.dumps(end, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # what does not pickle is told by its type
            error = end.error if isinstance(end, _Failed) else RuntimeError("unpicklable state")
            lost = _Failed(_lost(getattr(source, "root", None), error))
            data = pickle.dumps(lost, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(data)
        out.flush()
    except BaseException:  # the parent is gone (a broken pipe), or stopped us
        code = 1
    finally:
        os._exit(code)


def _usable_cores() -> int:
    """The cores this process may run on, at most ``_LISTING_PROCESSES``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _LISTING_PROCESSES))


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
    in_child_process: bool = False,
) -> bool:
    """Starts listing the source ``target`` names (or whose root it is), if it can.

    Args:
        target: what ``mediasync sync TARGET`` was given: a source name or a folder.
        database_url: ``--db``; else the environment's, the configuration's or the default.
        config_path: ``--config``.
        environ: the environment (default ``os.environ``).
        in_child_process: walk in a forked child when this process has no other thread (the
            console entry point); a thread otherwise.

    Returns:
        Whether a listing was started (a later ``claim`` may still not take it).
    """
    global _pending
    environ = os.environ if environ is None else environ
    try:
        _pending = _start(target, database_url, config_path, environ, in_child_process)
    except Exception:  # best effort: the sync lists as usual
        import logging  # only now: 8 ms before the first scandir otherwise

        logging.getLogger("mediasync.sync").debug("no early listing", exc_info=True)
        _pending = None
    return _pending is not None


def _start(
    target: str,
    database_url: str | None,
    config_path: str | None,
    environ: Mapping[str, str],
    in_child_process: bool,
) -> EarlyListing | None:
    if environ.get("MEDIASYNC_LOAD_PLUGINS") is not None or environ.get(
        "MEDIASYNC_DISABLE_PLUGINS"
    ):
        return None
    index = _index(database_url, config_path, environ)
    if index is None:
        return None
    kind, where = index
    if kind == "sqlite":
        if not os.path.exists(where):
            return None
        row = _source_row(where, target)
    else:
        row = _postgres_source_row(where, target)
    if row is None:
        return None
    name, type_name, root, settings_value, strategy = row
    # PostgreSQL's driver reads ``json`` itself; SQLite gives the text.
    stored = json.loads(settings_value) if isinstance(settings_value, str) else settings_value
    stored = stored or {}
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
    return EarlyListing(name, type_name, root, stored, source, in_child_process=in_child_process)


def _index(
    database_url: str | None, config_path: str | None, environ: Mapping[str, str]
) -> tuple[str, str] | None:
    """("sqlite", file) or ("postgresql", libpq URI) of the index the command will open, as
    ``_config`` resolves it; ``None`` for any other."""
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
            return "sqlite", os.path.join(os.path.expanduser(data_dir), "index.db")
        import platformdirs

        folder = platformdirs.user_data_dir("mediasync", appauthor=False)
        return "sqlite", os.path.join(folder, "index.db")
    scheme, separator, rest = url.partition("://")
    if scheme in {"postgresql", "postgres", "postgresql+psycopg"} and separator and rest:
        return "postgresql", f"postgresql://{rest}"
    if scheme not in {"sqlite", "sqlite+pysqlite"} or not rest.startswith("/") or rest == "/":
        return None
    return "sqlite", rest[1:].partition("?")[0]


_Row = tuple[str, str, str | None, Any, str | None]
"""(name, type, root, settings, strategy): settings as text from SQLite, parsed from psycopg."""


def _source_row(path: str, target: str) -> _Row | None:
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _find_row(
            lambda sql, value: connection.execute(sql, (value,)).fetchone(), "?", target
        )
    finally:
        connection.close()


def _postgres_source_row(uri: str, target: str) -> _Row | None:
    """The row from PostgreSQL: psycopg's import (about 150 ms) is one the command makes
    anyway, made here before the walk rather than after it. The connection is closed before
    any fork, and gives up after 3 s: the command's own then reports what is wrong."""
    import psycopg

    with psycopg.connect(uri, connect_timeout=3, autocommit=True) as connection:
        return _find_row(
            lambda sql, value: connection.execute(sql, (value,)).fetchone(), "%s", target
        )


def _find_row(fetch: Any, marker: str, target: str) -> _Row | None:
    """The source named ``target``, else the local source whose root it is (a path)."""
    query = "SELECT name, type, root, settings, strategy FROM sources WHERE "
    row = fetch(f"{query}name = {marker}", target)
    if row is None and (os.sep in target or target.startswith((".", "~"))):
        root = os.path.abspath(os.path.expanduser(target))
        row = fetch(f"{query}type = 'local' AND root = {marker}", root)
    return None if row is None else cast("_Row", tuple(row))


def _source_type(type_name: str) -> type[Source] | None:
    """The class of ``type_name`` from the installed plugin of the same name, imported alone."""
    import importlib

    found = [value for name, value in _entry_points("mediasync") if name == type_name]
    if len(found) != 1:
        return None
    module_name, _, attribute = found[0].partition(":")
    module: Any = importlib.import_module(module_name.strip())
    for part in attribute.strip().split(".") if attribute.strip() else ():
        module = getattr(module, part)
    register_sources = getattr(module, "register_sources", None)
    if register_sources is None:
        return None
    registered: list[type[Source]] = []
    register_sources(registered.append)
    chosen = [cls for cls in registered if getattr(cls, "type_name", None) == type_name]
    return chosen[0] if len(chosen) == 1 else None


def _entry_points(group: str) -> list[tuple[str, str]]:
    """(name, value) of the entry points of ``group``, read straight from the
    ``entry_points.txt`` of each ``*.dist-info`` folder on ``sys.path``.

    ``importlib.metadata`` costs 30 ms to import (it brings the ``email`` package), a quarter of
    the time to the first scandir. A distribution found twice counts once, the first on the
    path, as ``importlib.metadata`` has it. A reading that differs from the real one costs
    nothing but the early listing: the sync takes it over only from the very class the plugin
    loader registers.
    """
    import sys

    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            distribution = name[: -len(".dist-info")].partition("-")[0].lower().replace("-", "_")
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                with open(os.path.join(folder or ".", name, "entry_points.txt")) as handle:
                    text = handle.read()
            except OSError:
                continue
            found.extend(_section(text, group))
    return found


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of ``[group]`` in an ``entry_points.txt``."""
    entries: list[tuple[str, str]] = []
    inside = False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            inside = line == f"[{group}]"
            continue
        if inside:
            name, equals, value = line.partition("=")
            if equals:
                entries.append((name.strip(), value.strip()))
    return entries
