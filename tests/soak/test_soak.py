"""A worker under load for an hour, compressed (``nox -s soak``; skipped unless MEDIASYNC_SOAK=1).

Four ``mediasync run`` processes share one PostgreSQL schema made for the run and keep 200
sources in sync: local folders of a few files each, folders of the fake Drive, an account on
the fake Graph API. One of them runs the Telegram bot (``--with-telegram``); three chats are
allowed: one watches every source, one the remote ones, one none (it asks ``/help`` now and
then). All along, files churn (added, edited in place, renamed, moved, moved to another source,
removed, parked outside and brought back; Drive files trashed, restored, deleted; new posts),
every fake fails one request in ten, and every ``MEDIASYNC_SOAK_KILL_SECONDS`` one of w1-w3 is
SIGKILLed and started again (w4 never is: its memory curve spans the whole soak). Then the churn
stops, and every source must get a successful run that started afterwards. Checked:

- the index equals the truth for every source (files on disk, in Drive, posts on the Graph);
- no two runs of one source overlapped; no run left open, no lease left behind;
- the memory of every worker that lived long enough is flat from its second minute on;
- no chat got more messages than the notification rules allow for the runs recorded;
- every worker stopped by SIGTERM exits 0, and none ended on its own.

``MEDIASYNC_SOAK_MINUTES`` (default 8) is the churn's length; the whole session (install, setup,
churn, convergence, checks) stays under 15 minutes on a 2-core machine. The report is printed
(``-s``) and written to ``soak-report.txt`` in the test's directory.
"""

from __future__ import annotations

import collections
import os
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.drive import FakeDrive
from fakes.drive._faults import Fault as DriveFault
from fakes.instagram import DAY, FakeGraph
from fakes.instagram._faults import Fault as GraphFault
from fakes.telegram import FakeTelegram
from fakes.telegram._faults import Fault as BotFault
from instagram.helpers import source_settings
from proofs.drive_truth import drive_settings, drive_truth, indexed
from proofs.faults import RandomFaults, random_faults
from soak.fleet import Fleet, Life
from soak.runs import Run, allowed_notifications, overlapping, read_runs
from soak.world import Churn, DriveFolders, Instagram, LocalFolders, Op, local_truth
from sqlalchemy import select
from telegram_bot import connect, watch

from mediasync import Workspace
from mediasync._db.schema import sources, sync_runs

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("MEDIASYNC_SOAK") != "1", reason="the soak runs with `nox -s soak`"
    ),
    pytest.mark.postgres,
    pytest.mark.slow,
]

MINUTES = float(os.environ.get("MEDIASYNC_SOAK_MINUTES", "8"))
KILL_SECONDS = float(os.environ.get("MEDIASYNC_SOAK_KILL_SECONDS", "20"))
SEED = int(os.environ.get("MEDIASYNC_SOAK_SEED", "1"))
CHURN_PER_SECOND = 4.0
LOCAL, DRIVE = 190, 9  # and one Instagram account: 200 sources
INTERVALS = {"local": 30, "gdrive": 15, "instagram": 10}
LEASE_SECONDS = 20
MAX_BACKOFF_SECONDS = 60
SLOTS = ("w1", "w2", "w3", "w4")
KILLABLE = ("w1", "w2", "w3")
BOT_SLOT = "w1"
SAMPLE_SECONDS = 2.0
HELP_SECONDS = 45.0
CONVERGE_SECONDS = 240.0
RSS_GROWTH_KB = float(os.environ.get("MEDIASYNC_SOAK_RSS_MB", "30")) * 1024
"""How much a worker's memory may grow past its second minute's level."""
CHAT_ALL, CHAT_REMOTE, CHAT_QUIET = 501, 502, 503

DRIVE_KINDS = [
    DriveFault("429", retry_after=0),
    DriveFault("500"),
    DriveFault("503"),
    DriveFault("403-rate"),
    DriveFault("drop"),
    DriveFault("slow", delay=0.05),
]
GRAPH_KINDS = [
    GraphFault("error", code=1),
    GraphFault("error", code=2),
    GraphFault("error", code=4),  # throttling: longer than max_wait_seconds, the run fails
    GraphFault("html"),
    GraphFault("drop"),
    GraphFault("slow", delay=0.05),
]
BOT_KINDS = [
    BotFault("error", error_code=429, retry_after=1),
    BotFault("error", error_code=500),
    BotFault("html"),
    BotFault("drop"),
    BotFault("slow", delay=0.05),
]


@pytest.fixture
def fakes() -> Iterator[tuple[FakeDrive, FakeGraph, FakeTelegram]]:
    with FakeDrive() as drive, FakeGraph() as graph, FakeTelegram() as telegram:
        yield drive, graph, telegram


def test_four_workers_under_churn_faults_and_kills(
    tmp_path: Path,
    postgres_url: str,
    fakes: tuple[FakeDrive, FakeGraph, FakeTelegram],
) -> None:
    drive, graph, telegram = fakes
    began = time.monotonic()
    rng = random.Random(SEED)
    local = LocalFolders(tmp_path / "media", LOCAL, rng)
    key = drive.service_account()
    remote = DriveFolders(drive, key["client_email"], DRIVE, rng)
    instagram = Instagram(graph, posts=30)
    drive_names = [f"drive-{n:02d}" for n in range(DRIVE)]

    with Workspace.open(database_url=postgres_url) as workspace:
        for root in local.roots:
            workspace.add_source(
                root.name,
                "local",
                root=str(root),
                settings={},
                interval_seconds=INTERVALS["local"],
            )
        for name, folder in zip(drive_names, remote.roots, strict=True):
            workspace.add_source(
                name,
                "gdrive",
                root=folder,
                settings=drive_settings(drive, key),
                interval_seconds=INTERVALS["gdrive"],
            )
        token = graph.issue_token(instagram.account, age=2 * DAY)
        workspace.add_source(
            "insta",
            "instagram",
            root=None,
            settings=source_settings(graph, instagram.account, token, max_wait_seconds=1),
            interval_seconds=INTERVALS["instagram"],
        )
        everything = [*local.names, *drive_names, "insta"]
        connect(workspace, telegram, allowed=(CHAT_ALL, CHAT_REMOTE, CHAT_QUIET))
        for chat in (CHAT_ALL, CHAT_REMOTE, CHAT_QUIET):
            telegram.chat(chat)
        watch(workspace, CHAT_ALL, *everything)
        watch(workspace, CHAT_REMOTE, *drive_names, "insta")

        injectors = [
            RandomFaults(drive.faults, DRIVE_KINDS, seed=SEED),
            RandomFaults(graph.faults, GRAPH_KINDS, seed=SEED + 1),
            RandomFaults(telegram.faults, BOT_KINDS, seed=SEED + 2),
        ]
        environment = {
            **os.environ,
            "MEDIASYNC_DATABASE_URL": postgres_url,
            "MEDIASYNC_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
            "MEDIASYNC_SYNC_MAX_BACKOFF_SECONDS": str(MAX_BACKOFF_SECONDS),
        }
        fleet = Fleet(SLOTS, environment, tmp_path / "logs", {BOT_SLOT: ["--with-telegram"]})
        churn = Churn(
            [*local.ops(), *halved(remote.ops()), *halved(instagram.ops())],
            CHURN_PER_SECOND,
            SEED + 3,
        )
        kills: list[Life] = []
        helps = 0
        setup_seconds = time.monotonic() - began
        try:
            with random_faults(*injectors):
                fleet.start()
                churn.start()
                started = time.monotonic()
                next_kill, next_help = started + KILL_SECONDS, started + 20
                kill_rng = random.Random(SEED + 4)
                while time.monotonic() - started < MINUTES * 60:
                    time.sleep(SAMPLE_SECONDS)
                    fleet.sample()
                    now = time.monotonic()
                    if now >= next_kill:
                        kills.append(fleet.kill(kill_rng.choice(KILLABLE)))
                        next_kill += KILL_SECONDS
                    if now >= next_help:
                        telegram.send_text(CHAT_QUIET, "/help")
                        helps += 1
                        next_help += HELP_SECONDS
                churn.finish()
                churn_seconds = time.monotonic() - started
                stopped = datetime.now(UTC)
                converged, waiting = converge(workspace, fleet, everything, stopped)
                answered = wait_for_answers(telegram, fleet, helps)
                codes = fleet.stop()
            faults = {
                name: (injector.requests, sum(injector.injected.values()))
                for name, injector in zip(("drive", "graph", "telegram"), injectors, strict=True)
            }
        finally:
            churn.stop.set()
            fleet.kill_all()

        runs = read_runs(workspace.app.engine)
        with workspace.app.engine.connect() as connection:
            leased = (
                connection.execute(select(sources.c.name).where(sources.c.lease_owner.is_not(None)))
                .scalars()
                .all()
            )
        wrong = index_differences(workspace, local, remote, instagram, drive_names)

    messages = {
        chat: [m.text or "" for m in telegram.outbox(chat)]
        for chat in (CHAT_ALL, CHAT_REMOTE, CHAT_QUIET)
    }
    too_many = notification_excess(
        messages, runs, {CHAT_ALL: everything, CHAT_REMOTE: [*drive_names, "insta"]}
    )
    memory = memory_growth(fleet)
    logs = {slot: (tmp_path / "logs" / f"{slot}.log").read_text(errors="replace") for slot in SLOTS}
    report = make_report(
        setup_seconds=setup_seconds,
        churn_seconds=churn_seconds,
        converged=converged,
        total_seconds=time.monotonic() - began,
        churn=churn,
        kills=kills,
        fleet=fleet,
        runs=runs,
        faults=faults,
        messages=messages,
        helps=(helps, answered),
        memory=memory,
        logs=logs,
    )
    print(report)
    (tmp_path / "soak-report.txt").write_text(report)

    problems = []
    if converged is None:
        problems.append(f"{len(waiting)} sources never synced after the churn: {waiting[:5]}")
    if wrong:
        problems.append(f"{len(wrong)} sources differ from the truth: {wrong[:5]}")
    if overlaps := overlapping(runs):
        problems.append(f"{len(overlaps)} overlapping runs: {overlaps[:3]}")
    if leased:
        problems.append(f"leases left behind: {leased[:5]}")
    if missing := sorted(set(everything) - set(runs)):
        problems.append(f"never synced: {missing[:5]}")
    if fleet.unexpected:
        problems.append(
            "workers ended on their own: "
            + ", ".join(
                f"{life.slot} pid {life.pid} exit {life.returncode}" for life in fleet.unexpected
            )
        )
    if any(code != 0 for code in codes.values()):
        problems.append(f"exit codes on SIGTERM: {codes}")
    if grown := {k: v for k, v in memory.items() if v[1] is not None and v[1] > RSS_GROWTH_KB}:
        problems.append(f"memory grew: {grown}")
    if too_many:
        problems.append(f"more messages than the rules allow: {too_many[:5]}")
    if messages[CHAT_QUIET] and not answered:
        problems.append("the bot never answered /help")
    if churn.errors:
        problems.append(f"the churn itself failed: {churn.errors[:3]}")
    assert not problems, "\n".join(problems)


def halved(ops: list[tuple[float, Op]]) -> list[tuple[float, Op]]:
    return [(weight / 2, op) for weight, op in ops]


def converge(
    workspace: Workspace, fleet: Fleet, names: list[str], stopped: datetime
) -> tuple[float | None, list[str]]:
    """Waits until every source had a successful run that started after ``stopped``: the
    seconds it took (``None`` past ``CONVERGE_SECONDS``), and the sources still waiting."""
    began = time.monotonic()
    query = (
        select(sources.c.name)
        .join(sync_runs, sync_runs.c.source_id == sources.c.id)
        .where(sync_runs.c.status == "ok")
        .where(sync_runs.c.started_at > stopped)
        .distinct()
    )
    waiting = list(names)
    while time.monotonic() - began < CONVERGE_SECONDS:
        fleet.sample()
        with workspace.app.engine.connect() as connection:
            done = set(connection.execute(query).scalars())
        waiting = sorted(set(names) - done)
        if not waiting:
            return time.monotonic() - began, []
        time.sleep(SAMPLE_SECONDS)
    return None, waiting


def wait_for_answers(telegram: FakeTelegram, fleet: Fleet, asked: int) -> int:
    """The bot's answers to the ``/help`` of the quiet chat, once all came (or 60 s passed)."""
    deadline = time.monotonic() + 60
    while len(telegram.outbox(CHAT_QUIET)) < asked and time.monotonic() < deadline:
        fleet.sample()
        time.sleep(1)
    return len(telegram.outbox(CHAT_QUIET))


def compare(name: str, index: dict[str, str | None], truth: dict[str, str]) -> str | None:
    if index == truth:
        return None
    missing = sorted(set(truth) - set(index))
    extra = sorted(set(index) - set(truth))
    different = sorted(p for p in set(truth) & set(index) if truth[p] != index[p])
    return f"{name}: missing {missing[:3]}, extra {extra[:3]}, other bytes {different[:3]}"


def index_differences(
    workspace: Workspace,
    local: LocalFolders,
    remote: DriveFolders,
    instagram: Instagram,
    drive_names: list[str],
) -> list[str]:
    """One line per source whose active items differ from the truth."""
    wrong = []
    for root in local.roots:
        index = {item.path: item.sha256 for item in workspace.items(source=root.name)}
        wrong.append(compare(root.name, index, local_truth(root)))
    for name, folder in zip(drive_names, remote.roots, strict=True):
        try:
            drive_index = indexed(workspace, name)
        except AssertionError as exc:
            wrong.append(f"{name}: {exc}")
            continue
        truth = drive_truth(remote.drive, folder)
        wrong.append(
            compare(
                name,
                {p: f"{x.file_id} {x.sha256}" for p, x in drive_index.items()},
                {p: f"{x.file_id} {x.sha256}" for p, x in truth.items()},
            )
        )
    with instagram.graph.store.lock:
        posts = instagram.truth()
    ids = {item.source_id for item in workspace.items(source="insta")}
    if ids != posts:
        wrong.append(f"insta: missing {sorted(posts - ids)[:3]}, extra {sorted(ids - posts)[:3]}")
    return [line for line in wrong if line]


NOTICE = re.compile(
    r"^(?:\u26a0\ufe0f (?P<failed>[^\s:]+): |\u2705 (?P<recovered>\S+) syncs again|"
    r"(?P<changed>\S+) synced: )"
)


def notification_excess(
    messages: dict[int, list[str]], runs: dict[str, list[Run]], watched: dict[int, list[str]]
) -> list[str]:
    """Where a chat got more messages (or failure alerts) about a source than the rules allow
    for its runs, or a message about a source it does not watch."""
    excess = []
    for chat, texts in messages.items():
        per_source: collections.Counter[str] = collections.Counter()
        alerts: collections.Counter[str] = collections.Counter()
        for text in texts:
            match = NOTICE.match(text)
            if match is None:
                continue  # an answer to a command
            source = match["failed"] or match["recovered"] or match["changed"]
            per_source[source] += 1
            alerts[source] += bool(match["failed"])
        for source, count in per_source.items():
            if source not in watched.get(chat, ()):
                excess.append(f"chat {chat}: {count} messages about unwatched {source}")
                continue
            allowed, allowed_alerts = allowed_notifications(runs.get(source, []))
            if count > allowed or alerts[source] > allowed_alerts:
                excess.append(
                    f"chat {chat}, {source}: {count} messages ({alerts[source]} alerts), "
                    f"the rules allow {allowed} ({allowed_alerts})"
                )
    return excess


def memory_growth(fleet: Fleet) -> dict[str, tuple[float | None, float | None]]:
    """For each process that lived three minutes or more: its second minute's RSS level, and
    how far its RSS rose above that level afterwards (kB)."""
    growth: dict[str, tuple[float | None, float | None]] = {}
    for life in fleet.lives:
        if life.age() < 180:
            continue
        base = life.level(60, 120)
        later = [kb for age, kb in life.rss if age >= 120]
        growth[f"{life.slot} pid {life.pid}"] = (
            base,
            None if base is None or not later else max(later) - base,
        )
    return growth


def mb(kb: float | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f}"


def make_report(
    *,
    setup_seconds: float,
    churn_seconds: float,
    converged: float | None,
    total_seconds: float,
    churn: Churn,
    kills: list[Life],
    fleet: Fleet,
    runs: dict[str, list[Run]],
    faults: dict[str, tuple[int, int]],
    messages: dict[int, list[str]],
    helps: tuple[int, int],
    memory: dict[str, tuple[float | None, float | None]],
    logs: dict[str, str],
) -> str:
    every = [run for own in runs.values() for run in own]
    statuses = collections.Counter(
        "interrupted" if run.interrupted else run.status for run in every
    )
    per_source = sorted(len(own) for own in runs.values())
    kinds = {"local": "local-", "drive": "drive-", "insta": "insta"}
    lines = [
        "",
        "== soak report ==",
        f"time: setup {setup_seconds:.0f}s, churn {churn_seconds:.0f}s, convergence "
        f"{'-' if converged is None else f'{converged:.0f}s'}, whole test {total_seconds:.0f}s",
        f"sources: {len(runs)} synced; churn {sum(churn.counts.values())} changes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(churn.counts.items())),
        f"runs: {len(every)} ({dict(sorted(statuses.items()))}); per source min "
        f"{per_source[0] if per_source else 0}, median "
        f"{per_source[len(per_source) // 2] if per_source else 0}, max "
        f"{per_source[-1] if per_source else 0}",
    ]
    for kind, prefix in kinds.items():
        own = [run for name, rs in runs.items() if name.startswith(prefix) for run in rs]
        by = collections.Counter(run.status for run in own)
        lines.append(f"  {kind}: {len(own)} runs {dict(sorted(by.items()))}")
    slots = collections.Counter(life.slot for life in kills)
    lines.append(f"kills: {len(kills)} SIGKILLs ({dict(sorted(slots.items()))}), restarts as many")
    lines.append(
        "faults: "
        + ", ".join(f"{name} {bad} of {total} requests" for name, (total, bad) in faults.items())
    )
    lines.append(
        "telegram: "
        + ", ".join(f"chat {chat} {len(texts)} messages" for chat, texts in messages.items())
        + f"; /help asked {helps[0]}, answers {helps[1]}"
    )
    lines.append("memory (RSS MB): slot pid: start / 2nd minute / last / max, lived")
    for life in fleet.lives:
        if life.age() < 90 and life.slot != "w4":
            continue
        values = [kb for _, kb in life.rss]
        minutes = [life.level(m * 60, m * 60 + 10) for m in range(int(life.age() // 60) + 1)]
        lines.append(
            f"  {life.slot} {life.pid}: {mb(values[0] if values else None)} / "
            f"{mb(life.level(60, 120))} / {mb(values[-1] if values else None)} / "
            f"{mb(max(values) if values else None)}, {life.age():.0f}s"
            + (" (killed)" if life.killed else "")
            + "; by minute: "
            + " ".join(mb(level) for level in minutes)
        )
    lines.append(
        "memory growth past the 2nd minute (MB): "
        + ", ".join(f"{name} {mb(grown)}" for name, (_, grown) in memory.items())
    )
    warnings: collections.Counter[str] = collections.Counter()
    for text in logs.values():
        for line in text.splitlines():
            if any(f'"level": "{level}"' in line for level in ("warning", "error")) or (
                line.startswith(("error:", "Traceback"))
            ):
                message = re.sub(r"\d+", "N", line.split('"message": ', 1)[-1])[:110]
                warnings[message] += 1
    lines.append("worker log warnings and errors (most common):")
    lines += [f"  {count:5d} {message}" for message, count in warnings.most_common(12)]
    return "\n".join(lines) + "\n"
