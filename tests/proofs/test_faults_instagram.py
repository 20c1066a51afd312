"""The Graph API (and its CDN) and Cloudinary with one request in ten failing (Graph's
transient errors and throttling, 429 and 5xx from Cloudinary, HTML pages from a proxy, dropped
connections, slow answers), seeded: a backfill and three publications end exactly as without
faults (every post copied once, each photo posted once, nothing left staged)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.cloudinary._faults import Fault as CloudFault
from fakes.instagram import DAY, Account, FakeGraph
from fakes.instagram._faults import Fault as GraphFault
from instagram.helpers import photo, publisher_settings, source_settings
from proofs.copies import visible_files
from proofs.faults import SEEDS, RandomFaults, random_faults

from mediasync import PublicationStatus, Workspace
from mediasync_instagram._backfill import backfill
from mediasync_instagram._publisher import InstagramPublisher

GRAPH_KINDS = [
    GraphFault("error", code=1),
    GraphFault("error", code=2),
    GraphFault("error", code=4),
    GraphFault("html"),
    GraphFault("drop"),
    GraphFault("slow", delay=0.05),
]
CLOUD_KINDS = [
    CloudFault("error", status=500),
    CloudFault("error", status=429),
    CloudFault("html", status=502),
    CloudFault("drop"),
    CloudFault("slow", delay=0.05),
]


@attrs.frozen
class Outcome:
    backup: dict[str, str]
    indexed: dict[str, str | None]
    published: list[tuple[PublicationStatus, int]]
    """Each publication's status, and the posts with its caption."""
    staged: int
    """Staged copies on Cloudinary once the sweeper ran."""


@attrs.define
class Accounts:
    """One account backed up, another one posting (so that posts do not change the backup)."""

    graph: FakeGraph
    cloud: FakeCloudinary
    backed_up: Account
    posting: Account
    reruns: list[str] = attrs.field(factory=list)
    """Commands run a second time, as their failure told the user to: a backfill whose file
    failed three times in a row, a publication stopped by Cloudinary's (hourly) rate limit."""
    left_for_sweeper: int = 0
    """Staged copies whose deletion failed (a 429 is not retried): the sweeper deleted them."""

    def add_sources(self, workspace: Workspace) -> None:
        for name, account in [("insta", self.backed_up), ("poster", self.posting)]:
            token = self.graph.issue_token(account, age=2 * DAY)
            settings = source_settings(self.graph, account, token)
            workspace.add_source(name, "instagram", root=None, settings=settings)
        settings = publisher_settings(self.cloud, account="poster")
        workspace.add_publisher("ig", "instagram", settings=settings)


def instagram_story(accounts: Accounts, folder: Path) -> Outcome:
    (folder / "backup").mkdir()
    (folder / "photos").mkdir()
    for seed in range(3):
        (folder / "photos" / f"{seed}.jpg").write_bytes(photo(seed=seed))
    with Workspace.open(database_url=f"sqlite:///{folder / 'index.db'}") as workspace:
        accounts.add_sources(workspace)
        workspace.add_source("backup", "local", root=str(folder / "backup"), settings={})
        workspace.add_source("photos", "local", root=str(folder / "photos"), settings={})
        report = backfill(workspace, "insta", "backup")
        if report.failed:  # a download that failed 3 times in a row: the file is left for
            accounts.reruns.append(folder.name)  # the next run, which the user is told of
            report = backfill(workspace, "insta", "backup")
        assert (report.error, report.failed) == (None, 0), report
        workspace.sync("photos")
        published = []
        for item in workspace.items(source="photos"):
            caption = f"{folder.name} {item.path}"
            done = workspace.publish([item.id], to="ig", caption=caption)
            if "rate limit" in (done.error or ""):  # Cloudinary's is hourly: fails the run,
                accounts.reruns.append(f"{folder.name} publish")  # resumed at the next slot
                done = workspace.publish([item.id], to="ig")
            posts = [m for m in accounts.graph.published(accounts.posting) if m.caption == caption]
            published.append((done.status, len(posts)))
        accounts.left_for_sweeper += len(accounts.cloud.leftovers())
        with workspace.open_publisher("ig") as publisher:
            assert isinstance(publisher, InstagramPublisher)
            publisher.stage().sweep(timedelta(0))
        return Outcome(
            visible_files(folder / "backup"),
            {item.path: item.sha256 for item in workspace.items(source="backup")},
            published,
            len(accounts.cloud.leftovers()),
        )


def test_instagram_and_cloudinary_with_one_request_in_ten_failing_end_as_without_faults(
    tmp_path: Path, graph: FakeGraph, cloud: FakeCloudinary
) -> None:
    accounts = Accounts(
        graph, cloud, graph.account("blue.bottle", posts=10), graph.account("poster", posts=0)
    )
    graph.set_publishing_quota(1000)

    def story(name: str, *injectors: RandomFaults) -> Outcome:
        folder = tmp_path / name
        folder.mkdir()
        with random_faults(*injectors):
            return instagram_story(accounts, folder)

    clean = [RandomFaults(graph.faults, GRAPH_KINDS, seed=0, rate=0)]
    clean.append(RandomFaults(cloud.faults, CLOUD_KINDS, seed=0, rate=0))
    expected = story("clean", *clean)
    assert expected.published == [(PublicationStatus.PUBLISHED, 1)] * 3
    assert expected.staged == 0
    for seed in SEEDS:
        faulted = RandomFaults(graph.faults, GRAPH_KINDS, seed=seed)
        staged = RandomFaults(cloud.faults, CLOUD_KINDS, seed=seed)
        assert story(f"seed-{seed}", faulted, staged) == expected, f"seed {seed}"
        for name, injector, reference in [
            ("graph", faulted, clean[0]),
            ("cloudinary", staged, clean[1]),
        ]:
            extra = injector.requests - reference.requests
            print(
                f"{name}, seed {seed}: {injector.requests} requests ({extra:+d} on "
                f"{reference.requests} without faults), faults {dict(injector.injected)}"
            )
    print(f"commands run again as their failure said: {accounts.reruns or 'none'}")
    print(f"staged copies left for the sweeper: {accounts.left_for_sweeper}")


@pytest.mark.parametrize("status", [502, 503, 429])
def test_a_cdn_download_answered_with_a_passing_error_is_asked_again(
    tmp_path: Path, graph: FakeGraph, status: int
) -> None:
    account = graph.account("blue.bottle", posts=3)
    token = graph.issue_token(account, age=2 * DAY)
    (tmp_path / "backup").mkdir()
    with Workspace.open(database_url=f"sqlite:///{tmp_path / 'index.db'}") as workspace:
        settings = source_settings(graph, account, token)
        workspace.add_source("insta", "instagram", root=None, settings=settings)
        workspace.add_source("backup", "local", root=str(tmp_path / "backup"), settings={})
        graph.fail_next("cdn", kind="html", status=status, times=2)
        report = backfill(workspace, "insta", "backup")
    assert (report.failed, report.errors) == (0, ())
    assert len(visible_files(tmp_path / "backup")) == sum(
        len(m.children) or 1 for m in account.media
    )
