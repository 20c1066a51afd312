"""Model-based test of the sync engine: random histories of a folder, interleaved with syncs.

A hypothesis state machine changes a real folder the way people and programs do (create with
unique and duplicate bytes, edit with and without restoring the time, rename, move, rename a
folder, delete, bring back the same bytes, copy then delete, save through a temporary name,
rename over another file, swap two names, turn a file into a folder, NFC and NFD names, and a
new file taking a deleted file's inode), and syncs it with small batches, sometimes holding a
mass removal and releasing it, sometimes killed right after one of its commits. Before each
sync ``model.expect`` computes from the index as it is what the sync must make of it; after
it the test checks, on SQLite and PostgreSQL:

- every file has the item the rules give it, active at its path, with its size and hash (the
  hash may be one the file had with the same size and time, until ``--verify`` reads it);
- after a complete run, exactly one active item per file and nothing else active;
- the items the rules remove are removed (or, held, still active); no item is ever deleted,
  and every item's history only grows;
- a repeated sync reports nothing and writes no row of items, events or folders;
- ``--verify`` right after a plain sync finds exactly the same-size same-time edits.

Inode reuse is forced through the relabelled source (``tests/relabelled.py``). A kill is a
``BaseException`` raised right after a batch's commit: the whole batches before it are in the
index, as after ``kill -9`` (tests/engine/test_crash_and_cli.py does the real signal).

``MEDIASYNC_MODEL_PROFILE=long`` runs many more and longer histories (``nox -s model``).
"""

from __future__ import annotations

import collections
import itertools
import os
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import attrs
import hypothesis.strategies as st
import pytest
import relabelled
from engine.model import ModelFile, Row, content, expect, sha256
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event, select

from mediasync import RunStatus
from mediasync._app import App
from mediasync._config import load_config
from mediasync._db.schema import media_events, media_items
from mediasync._db.sources import add_source
from mediasync._plugins import load_plugins
from mediasync._sync.index import SyncOptions
from mediasync._sync.runner import SyncReport, sync_source
from mediasync._sync.writes import BatchWriter

PROFILES = {
    "ci": settings(max_examples=40, stateful_step_count=40),
    "long": settings(max_examples=300, stateful_step_count=60),
}
PROFILE = PROFILES[os.environ.get("MEDIASYNC_MODEL_PROFILE", "ci")]
SHARE, FLOOR = 0.2, 3
"""The mass-removal gate, set low so that small folders reach it."""

FOLDERS = ["", "d1", "d2", "d1/sub"]
NEW_FOLDERS = ["e1", "e2", "d1/e3"]
NAMES = [
    "a.jpg",
    "b.jpg",
    "IMG 0001.jpg",
    unicodedata.normalize("NFC", "café.jpg"),
    unicodedata.normalize("NFD", "café.jpg"),
]
WRITTEN_TABLES = ("media_items", "media_events", "source_folders")


class Killed(BaseException):
    """The process "dies" right after a commit."""


@contextmanager
def killed_after(commits: int | None) -> Iterator[None]:
    if commits is None:
        yield
        return
    original = BatchWriter._write
    done = 0

    def write(self: BatchWriter, *args: Any, **kwargs: Any) -> None:
        nonlocal done
        original(self, *args, **kwargs)
        done += 1
        if done >= commits:
            raise Killed

    with mock.patch.object(BatchWriter, "_write", write):
        yield


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class FolderHistory(RuleBasedStateMachine):
    app: ClassVar[App]
    workdir: ClassVar[Path]
    writes: ClassVar[list[str]]
    numbers: ClassVar[Iterator[int]]
    tally: ClassVar[collections.Counter[str]]
    """Histories, steps, syncs and kills run: the test prints them."""

    def __init__(self) -> None:
        super().__init__()
        number = next(self.numbers)
        self.root = self.workdir / f"root{number}"
        self.root.mkdir()
        self.name = f"photos{number}"
        with self.app.engine.begin() as connection:
            record = add_source(
                connection, name=self.name, type="relabelled", root=str(self.root), settings={}
            )
        self.source_id = record.id
        self.files: dict[str, ModelFile] = {}
        self.gone: list[tuple[str, bytes]] = []
        """(path, bytes) of deleted files, to bring back."""
        self.identifier_bytes: dict[str, set[bytes]] = {}
        """Every content each identifier ever named: a reused one never names old bytes again,
        or the reuse would be indistinguishable from the same file (no rule could tell)."""
        self.identifiers = itertools.count(1)
        self.tags = itertools.count(100)
        self.clock = 1_600_000_000 * 10**9
        self.batch_size = 2000
        self.events: dict[int, list[tuple[str, str | None, str | None]]] = {}
        self.tally["histories"] += 1

    @invariant()
    def count_step(self) -> None:
        self.tally["steps"] += 1

    # -- the folder --------------------------------------------------------------------------

    def _free(self, path: str) -> bool:
        """No file there, none below it (a folder), none above it (a file as a folder)."""
        parts = path.split("/")
        above = {"/".join(parts[:i]) for i in range(1, len(parts))}
        return (
            path not in self.files
            and not any(p.startswith(path + "/") for p in self.files)
            and not above.intersection(self.files)
        )

    def _identifier(self, data: bytes, reuse: st.DataObject | None) -> str:
        """A new identifier, or (given ``reuse``) one drawn from deleted files'."""
        if reuse is not None:
            current = {f.identifier for f in self.files.values()}
            free = sorted(
                i
                for i, seen in self.identifier_bytes.items()
                if i not in current and data not in seen
            )
            if free:
                return reuse.draw(st.sampled_from(free), label="reused identifier")
        return f"v{next(self.identifiers)}"

    def _write(self, path: str, data: bytes, identifier: str, mtime_ns: int | None = None) -> None:
        target = self.root / path
        if target.is_dir():
            shutil.rmtree(target)  # only empty folders are left where no file is
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self._touch(path, mtime_ns)
        relabelled.label(self.root, target, identifier)
        self.identifier_bytes.setdefault(identifier, set()).add(data)

    def _touch(self, path: str, mtime_ns: int | None) -> int:
        if mtime_ns is None:
            self.clock += 10**9
            mtime_ns = self.clock
        os.utime(self.root / path, ns=(mtime_ns, mtime_ns))
        return mtime_ns

    def _create(self, path: str, data: bytes, reuse: st.DataObject | None) -> None:
        identifier = self._identifier(data, reuse)
        self._write(path, data, identifier)
        self.files[path] = ModelFile(data, identifier, self.clock)

    def _rename(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        if (self.root / new).is_dir():
            shutil.rmtree(self.root / new)
        os.replace(self.root / old, self.root / new)
        self.files[new] = self.files.pop(old)

    def _delete(self, path: str) -> None:
        (self.root / path).unlink()
        self.gone.append((path, self.files.pop(path).data))

    def _pick(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.files)))

    @initialize(batch_size=st.sampled_from([1, 2, 3, 7, 2000]))
    def choose_batch_size(self, batch_size: int) -> None:
        self.batch_size = batch_size

    @rule(
        folder=st.sampled_from(FOLDERS),
        name=st.sampled_from(NAMES),
        duplicate=st.integers(0, 3) | st.none(),
        reuse=st.none() | st.data(),
    )
    def create(
        self, folder: str, name: str, duplicate: int | None, reuse: st.DataObject | None
    ) -> None:
        path = join(folder, name)
        if self._free(path):
            tag = next(self.tags) if duplicate is None else duplicate
            self._create(path, content(tag), reuse)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), keep_time=st.booleans(), same_size=st.booleans())
    def edit(self, data: st.DataObject, keep_time: bool, same_size: bool) -> None:
        path = self._pick(data)
        file = self.files[path]
        wide = len(file.data) > len(content(0))
        file.data = content(next(self.tags), wide=wide if same_size else not wide)
        (self.root / path).write_bytes(file.data)  # in place: the same inode
        self.identifier_bytes[file.identifier].add(file.data)
        file.mtime_ns = self._touch(path, file.mtime_ns if keep_time else None)
        file.record()

    @precondition(lambda self: self.files)
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), name=st.sampled_from(NAMES))
    def rename_or_move(self, data: st.DataObject, folder: str, name: str) -> None:
        old, new = self._pick(data), join(folder, name)
        if self._free(new):
            self._rename(old, new)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), new=st.sampled_from(NEW_FOLDERS))
    def rename_folder(self, data: st.DataObject, new: str) -> None:
        old = self._pick(data).rpartition("/")[0]
        if not old or new.startswith(old + "/") or not self._free(new):
            return
        if (self.root / new).exists():
            shutil.rmtree(self.root / new)
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.root / old, self.root / new)
        for path in [p for p in self.files if p.startswith(old + "/")]:
            self.files[new + path[len(old) :]] = self.files.pop(path)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        self._delete(self._pick(data))

    @precondition(lambda self: self.gone)
    @rule(data=st.data(), reuse=st.none() | st.data())
    def bring_back(self, data: st.DataObject, reuse: st.DataObject | None) -> None:
        """The same bytes at the old path, as a new file (from a backup, the bin)."""
        path, old = data.draw(st.sampled_from(self.gone))
        if self._free(path):
            self._create(path, old, reuse)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), name=st.sampled_from(NAMES))
    def copy_then_delete(self, data: st.DataObject, folder: str, name: str) -> None:
        old, new = self._pick(data), join(folder, name)
        if not self._free(new):
            return
        file = self.files[old]
        identifier = self._identifier(file.data, reuse=None)
        self._write(new, file.data, identifier, file.mtime_ns)  # cp -p: the time kept
        self.files[new] = ModelFile(file.data, identifier, file.mtime_ns)
        self._delete(old)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), reuse=st.none() | st.data())
    def atomic_save(self, data: st.DataObject, reuse: st.DataObject | None) -> None:
        """An editor writes ``.name.tmp`` (not listed) and renames it over the file."""
        path = self._pick(data)
        temporary = join(path.rpartition("/")[0], "." + path.rpartition("/")[2] + ".tmp")
        new = content(next(self.tags))
        identifier = self._identifier(new, reuse)
        self._write(temporary, new, identifier)
        os.replace(self.root / temporary, self.root / path)
        self.files[path] = ModelFile(new, identifier, self.clock)

    @precondition(lambda self: len(self.files) >= 2)
    @rule(data=st.data())
    def rename_over(self, data: st.DataObject) -> None:
        old, target = data.draw(
            st.lists(st.sampled_from(sorted(self.files)), min_size=2, max_size=2, unique=True)
        )
        self.gone.append((target, self.files.pop(target).data))
        os.replace(self.root / old, self.root / target)
        self.files[target] = self.files.pop(old)

    @precondition(lambda self: len(self.files) >= 2)
    @rule(data=st.data())
    def swap(self, data: st.DataObject) -> None:
        a, b = data.draw(
            st.lists(st.sampled_from(sorted(self.files)), min_size=2, max_size=2, unique=True)
        )
        parked = self.root / ".swap.tmp"
        os.replace(self.root / a, parked)
        os.replace(self.root / b, self.root / a)
        os.replace(parked, self.root / b)
        self.files[a], self.files[b] = self.files[b], self.files[a]

    @precondition(lambda self: self.files)
    @rule(data=st.data(), name=st.sampled_from(NAMES), reuse=st.none() | st.data())
    def file_becomes_folder(
        self, data: st.DataObject, name: str, reuse: st.DataObject | None
    ) -> None:
        path = self._pick(data)
        self._delete(path)
        self._create(join(path, name), content(next(self.tags)), reuse)

    # -- syncs -------------------------------------------------------------------------------

    @rule(allow=st.booleans())
    def sync(self, allow: bool) -> None:
        self._sync(allow_mass_removal=allow)

    @rule(commits=st.integers(1, 4))
    def sync_killed(self, commits: int) -> None:
        self._sync(allow_mass_removal=False, kill_after=commits)

    @rule()
    def verify_agrees(self) -> None:
        """Right after a complete sync, ``--verify`` finds the invisible edits and only them."""
        if self._sync(allow_mass_removal=True) is None:
            return  # refused: an empty folder where items were
        rows = {row.path: row for row in self._rows() if row.active}
        stale = [path for path, row in rows.items() if row.sha256 != sha256(self.files[path].data)]
        for path in stale:
            assert self.files[path].indexed_as(rows[path]), path  # an invisible edit
        verified = self._sync(allow_mass_removal=True, verify=True)
        assert verified is not None
        counts = verified.run.counts
        assert (counts.modified, counts.changes) == (len(stale), len(stale))

    # -- checks ------------------------------------------------------------------------------

    def _rows(self) -> list[Row]:
        columns = (
            media_items.c.id,
            media_items.c.external_id,
            media_items.c.path,
            media_items.c.size,
            media_items.c.mtime_us,
            media_items.c.sha256,
            media_items.c.active,
        )
        query = select(*columns).where(media_items.c.source_id == self.source_id)
        with self.app.engine.connect() as connection:
            return [Row(*row) for row in connection.execute(query)]

    def _options(self, **flags: Any) -> SyncOptions:
        options = SyncOptions(
            batch_size=self.batch_size, mass_removal_share=SHARE, mass_removal_min_items=FLOOR
        )
        return attrs.evolve(options, **flags)

    def _sync(
        self, *, allow_mass_removal: bool, verify: bool = False, kill_after: int | None = None
    ) -> SyncReport | None:
        before = self._rows()
        expected = expect(
            before, self.files, allow_mass_removal=allow_mass_removal, share=SHARE, floor=FLOOR
        )
        options = self._options(allow_mass_removal=allow_mass_removal, verify=verify)
        self.tally["syncs"] += 1
        try:
            with killed_after(kill_after):
                report = sync_source(self.app, self.name, options=options)
        except Killed:
            self.tally["killed"] += 1
            self._check_history(self._rows())
            return None
        after = self._rows()
        if expected.refused:
            assert report.run.status is RunStatus.FAILED
            assert after == before
            return None
        assert report.run.status is (RunStatus.HELD if expected.held else RunStatus.OK), (
            report.run.error
        )
        self._check_history(after)
        known = {row.id for row in before}
        active = [row for row in after if row.active]
        for path, want in expected.items.items():
            here = [row for row in active if row.path == path]
            file = self.files[path]
            if want is None:
                assert len([r for r in here if r.id not in known]) == 1, (path, here)
                row = next(r for r in here if r.id not in known)
            else:
                assert want in {r.id for r in here}, (path, want, here)
                row = next(r for r in here if r.id == want)
            assert row.size == len(file.data), path
            if verify:
                assert row.sha256 == sha256(file.data), path
            else:
                assert file.indexed_as(row), path
        removed = {row.id for row in after if not row.active}
        if expected.held:
            assert not expected.removed & removed
            return report
        assert expected.removed <= removed
        assert sorted(row.path for row in active) == sorted(self.files)
        self.writes.clear()
        again = sync_source(self.app, self.name, options=self._options())
        assert again.run.status is RunStatus.OK
        assert again.run.counts.changes == 0
        assert self.writes == [], self.writes
        return report

    def _check_history(self, rows: list[Row]) -> None:
        """No item is ever deleted; each one's events only grow at the end."""
        ids = {row.id for row in rows}
        assert set(self.events) <= ids
        query = (
            select(
                media_events.c.item_id,
                media_events.c.kind,
                media_events.c.old_path,
                media_events.c.new_path,
            )
            .where(media_events.c.item_id.in_(ids or {0}))
            .order_by(media_events.c.id)
        )
        events: dict[int, list[tuple[str, str | None, str | None]]] = {}
        with self.app.engine.connect() as connection:
            for item_id, kind, old, new in connection.execute(query):
                events.setdefault(item_id, []).append((kind, old, new))
        for item_id, known in self.events.items():
            assert events[item_id][: len(known)] == known, item_id
        for row in rows:
            kinds = [kind for kind, _, _ in events.get(row.id, [])]
            assert kinds[:1] == ["added"], (row, kinds)
            assert (kinds[-1] == "removed") is (not row.active), (row, kinds)
        self.events = events


def count_writes(app: App, writes: list[str]) -> None:
    def before(_c: Any, _k: Any, statement: str, *_rest: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE", "COPY"}:
            head = statement[:80]
            writes.extend(table for table in WRITTEN_TABLES if table in head)

    event.listen(app.engine, "before_cursor_execute", before)


@pytest.mark.slow
def test_random_histories_keep_the_index_true(tmp_path: Path, database_url: str) -> None:
    app = App(
        load_config(overrides={"database_url": database_url}),
        load_plugins(builtins=[("relabelled", relabelled)]),
    )
    writes: list[str] = []
    count_writes(app, writes)
    machine: type[FolderHistory] = type(
        "FolderHistoryHere",
        (FolderHistory,),
        {
            "app": app,
            "workdir": tmp_path,
            "writes": writes,
            "numbers": itertools.count(1),
            "tally": collections.Counter(),
        },
    )
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                PROFILE, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            ),
        )
    finally:
        app.close()
    print(f"model ({database_url.split(':')[0]}): {dict(machine.tally)}")
