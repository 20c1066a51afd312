"""``kill -9`` of a copy at its commits (and of an Instagram backfill at its requests to the
Graph API and its CDN), then the same copy to the end: every item is in the destination once,
whole, indexed with its provenance, and a third run copies nothing."""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.instagram import DAY, Account, FakeGraph
from fakes.instagram._faults import Fault
from media_factory import write_jpeg
from proofs.copies import check_destination, leftover_temporaries, visible_files
from proofs.killing import Fake, RequestKiller, database, prove

from mediasync import RunStatus, Workspace
from mediasync_instagram import _graph
from mediasync_instagram._backfill import backfill

PHOTOS = [f"{folder}/{n}.jpg" for folder in ("2023", "2024/trip", "2024/home") for n in range(4)]


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_graph, "_sleep", lambda _seconds: None)


# -- local → local --------------------------------------------------------------------------


def two_folders(folder: Path) -> None:
    """``photos`` indexed, ``backup`` empty."""
    for seed, path in enumerate(PHOTOS):
        write_jpeg(folder / "photos" / path, 3000 + seed, seed=seed)
    (folder / "backup").mkdir()
    with Workspace.open(database_url=database(folder)) as workspace:
        workspace.add_source("photos", "local", root=str(folder / "photos"), settings={})
        workspace.add_source("backup", "local", root=str(folder / "backup"), settings={})
        assert workspace.sync("photos").run.status is RunStatus.OK


UPLOAD = [
    "mediasync_local._upload:_copy",
    "mediasync_local._upload:_place",
    "mediasync_local._copies:CopyManifest.append",
]
"""A file written to its temporary name, placed under its own, recorded in the manifest."""


def test_a_local_copy_killed_at_any_write_or_commit_then_rerun_copies_each_file_once(
    tmp_path: Path,
) -> None:
    expected: collections.Counter[str] = collections.Counter()
    leftovers: list[str] = []

    def prepare(folder: Path) -> None:
        two_folders(folder)
        if not expected:
            expected.update(visible_files(folder / "photos").values())

    def check(folder: Path) -> None:
        with Workspace.open(database_url=database(folder)) as workspace:
            report = workspace.copy("photos", "backup")
            assert (report.error, report.failed) == (None, 0), report
            check_destination(workspace, "backup", folder / "backup", expected)
            again = workspace.copy("photos", "backup")
            assert (again.copied, again.found) == (0, 0), again
        leftovers.extend(leftover_temporaries(folder / "backup"))

    summary = prove(tmp_path, prepare, ["copy", "photos", "backup"], check, watch=UPLOAD)
    print(f"local copy: {summary}; {len(leftovers)} temporary files left")


# -- Instagram → local (backfill) -----------------------------------------------------------


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


class Account_:
    """The account on the fake, and a fresh index and folder per kill point."""

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph
        self.account: Account = graph.account("blue.bottle", posts=10)
        self.token = graph.issue_token(self.account, age=2 * DAY)

    def prepare(self, folder: Path) -> None:
        (folder / "backup").mkdir()
        settings = {
            "token": self.token,
            "user_id": self.account.id,
            "graph_url": self.graph.base_url,
            "api_version": self.graph.version,
        }
        with Workspace.open(database_url=database(folder)) as workspace:
            workspace.add_source("insta", "instagram", root=None, settings=settings)
            workspace.add_source("backup", "local", root=str(folder / "backup"), settings={})


def test_a_backfill_killed_at_any_commit_or_request_then_rerun_copies_each_post_once(
    tmp_path: Path, graph: FakeGraph
) -> None:
    account = Account_(graph)
    killer = RequestKiller([Fake(graph.faults, Fault("drop"))])
    files = [child for m in account.account.media for child in (m.children or [m])]
    expected = collections.Counter(hashlib.sha256(f.data or b"").hexdigest() for f in files)
    leftovers: list[str] = []

    def check(folder: Path) -> None:
        with Workspace.open(database_url=database(folder)) as workspace:
            report = backfill(workspace, "insta", "backup")
            assert (report.error, report.failed) == (None, 0), report
            check_destination(workspace, "backup", folder / "backup", expected)
            assert backfill(workspace, "insta", "backup").copied == 0
        leftovers.extend(leftover_temporaries(folder / "backup"))

    command = ["instagram", "backfill", "insta", "--to", "backup"]
    summary = prove(tmp_path, account.prepare, command, check, killer=killer, watch=UPLOAD)
    print(f"instagram backfill: {summary}; {len(leftovers)} temporary files left")
