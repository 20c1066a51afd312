# mypy: disable-error-code="no-untyped-call"
# (The cloudinary SDK has no annotations.)
"""Instagram publishing on the loopback fakes: a story from Drive, and a 300 MB reel's memory.

    python bench/run.py instagram-publish [--stories 5] [--story-mb 8] [--reel-mb 300]

1. STORIES video stories of STORY_MB, each a Drive item with no file extension (only Drive's
   mime type says video), published one after the other through ``Workspace.publish``: the
   wall time of each (median, range) and the calls one of them costs on the Graph API, on
   Cloudinary and on Drive.
2. One reel of REEL_MB on Drive, published with Cloudinary's chunked upload (``upload_large``,
   20 MB chunks): wall time, peak Python allocations (tracemalloc) and peak RSS growth (the
   kernel's high-water mark, reset first through ``/proc/self/clear_refs``), against two
   baselines measured in the same run on the same bytes: reading the item from Drive into a
   file (``Workspace.open_item``, 1 MiB copies), and the bare SDK's ``upload_large`` of that
   file.

The three fakes run in a child process, so what is measured here is mediasync's own work and
the client libraries' (the Graph fake keeps each video it fetches in memory, as Instagram keeps
it; that is not ours to count). Graph pauses between status reads are 0.01 s (the fake answers
``IN_PROGRESS`` once per container). The index is SQLite in a temporary directory. Not a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import multiprocessing
import os
import shutil
import statistics
import struct
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MB = 1000 * 1000
CHUNK = 20 * MB
_T = TypeVar("_T")


# -- the fakes, in a child process ----------------------------------------------------------------


def _movie(seconds: float, size: int) -> bytes:
    """An MP4 of ``size`` bytes whose ``moov`` comes first (the tests' own headers)."""
    from instagram.helpers import movie

    head = movie(seconds, size=0)[:-8]  # without its empty mdat
    padding = size - len(head) - 8
    body = bytearray(head)
    body += struct.pack(">I", 8 + padding) + b"mdat"
    body += os.urandom(1 << 20) * (padding >> 20) + os.urandom(padding & ((1 << 20) - 1))
    return bytes(body)


def _serve(connection: Connection) -> None:
    """Runs the Drive, Graph and Cloudinary fakes and answers the bench's commands."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes.cloudinary import FakeCloudinary
    from fakes.drive import FakeDrive
    from fakes.instagram import DAY, FakeGraph

    with (
        FakeGraph(processing_polls={"IMAGE": 1, "VIDEO": 1, "CAROUSEL": 1}) as graph,
        FakeCloudinary() as cloud,
        FakeDrive() as drive,
    ):
        account = graph.account("bench.publisher", posts=3)
        key = drive.service_account()
        folder = drive.folder("To post")
        drive.share(folder, key["client_email"], "reader")
        connection.send(
            {
                "graph_url": graph.base_url,
                "api_version": graph.version,
                "user_id": account.id,
                "token": graph.issue_token(account, age=2 * DAY),
                "drive_key": key,
                "drive_folder": folder,
                "drive_endpoint": drive.api_endpoint,
                "cloud": {
                    "cloud_name": cloud.cloud_name,
                    "api_key": cloud.api_key,
                    "api_secret": cloud.api_secret,
                    "upload_prefix": cloud.upload_prefix,
                },
            }
        )
        fakes: dict[str, Any] = {"graph": graph, "cloudinary": cloud, "drive": drive}
        while True:
            command, args = connection.recv()
            if command == "stop":
                return
            if command == "video":
                name, seconds, size = args
                drive.add_file(name, _movie(seconds, size), under=folder, mime_type="video/mp4")
                connection.send(None)
            elif command == "reset":
                graph.reset_counts()
                drive.reset_counts()
                cloud.reset_log()
                connection.send(None)
            elif command == "calls":
                connection.send({name: dict(fake.calls) for name, fake in fakes.items()})
            elif command == "state":
                chunks = len({c.upload_id for c in cloud.chunks}), len(cloud.chunks)
                published = [m.product_type for m in graph.published(account)]
                connection.send({"published": published, "left": len(cloud.leftovers()),
                                 "chunked_uploads_and_parts": chunks})  # fmt: skip


class FakeHost:
    """The child process holding the fakes."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.config: dict[str, Any] = self._connection.recv()

    def ask(self, command: str, *args: Any) -> Any:
        self._connection.send((command, args))
        return self._connection.recv()

    def stop(self) -> None:
        self._connection.send(("stop", ()))
        self._process.join(30)


# -- measuring -------------------------------------------------------------------------------------


@attrs.frozen
class Measured:
    seconds: float
    peak_allocated: int
    """tracemalloc's peak over the phase."""
    rss_growth: int | None
    """The RSS high-water mark's rise over the RSS at the start (None where not Linux)."""

    def line(self) -> str:
        rss = "n/a" if self.rss_growth is None else f"+{self.rss_growth / 2**20:.1f} MiB"
        return (
            f"{self.seconds:6.2f} s, peak Python allocations {self.peak_allocated / 2**20:5.1f} "
            f"MiB, peak RSS {rss}"
        )


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


def measured(work: Callable[[], _T]) -> tuple[Measured, _T]:
    gc.collect()
    reset = _reset_rss_peak()
    before = _status_kib("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    high = _status_kib("VmHWM")
    growth = high - before if reset and high is not None and before is not None else None
    return Measured(seconds, peak, growth), result


# -- the runs --------------------------------------------------------------------------------------


@contextmanager
def _workspace(workdir: Path, config: dict[str, Any]) -> Iterator[Any]:
    os.environ["XDG_DATA_HOME"] = str(workdir / "data")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    from mediasync import Workspace

    with Workspace.open(database_url=f"sqlite:///{workdir / 'index.db'}") as workspace:
        keys = ("token", "user_id", "graph_url", "api_version")
        workspace.add_source("insta", "instagram", root=None, settings={k: config[k] for k in keys})
        drive = {"credentials": json.dumps(config["drive_key"]),
                 "api_endpoint": config["drive_endpoint"]}  # fmt: skip
        workspace.add_source("drive", "gdrive", root=config["drive_folder"], settings=drive)
        staging = {"account": "insta", "poll_seconds": 0.01, **config["cloud"]}
        workspace.add_publisher("ig", "instagram", settings=staging)
        restore = workspace.make_current()
        try:
            yield workspace
        finally:
            restore()


def _drive_item(workspace: Any, host: FakeHost, name: str, seconds: float, size: int) -> int:
    host.ask("video", name, seconds, size)
    workspace.sync("drive")
    return int(next(i.id for i in workspace.items(source="drive") if i.path == name))


def _published(done: Any) -> None:
    if done.error is not None or done.remote_id is None:
        sys.exit(f"publication {done.id} failed: {done.error}")


def stories(workspace: Any, host: FakeHost, count: int, size: int) -> None:
    times: list[float] = []
    calls: dict[str, dict[str, int]] = {}
    for number in range(count):
        item = _drive_item(workspace, host, f"story{number:02d}", 8.0, size)
        host.ask("reset")
        started = time.perf_counter()
        done = workspace.publish([item], to="ig", kind="story")
        times.append(time.perf_counter() - started)
        _published(done)
        calls = host.ask("calls")
    state = host.ask("state")
    print(f"\n1. a {size / MB:.0f} MB video story from a Drive item with no extension, x{count}")
    print(f"   wall time: median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f})")  # fmt: skip
    for name, counted in calls.items():
        total = sum(counted.values())
        listed = ", ".join(f"{k} {v}" for k, v in sorted(counted.items()))
        print(f"   {name}: {total} requests ({listed})")
    print(f"   posted: {state['published'].count('STORY')} stories; left on Cloudinary: "
          f"{state['left']}")  # fmt: skip


def reel(workspace: Any, host: FakeHost, size: int, workdir: Path) -> None:
    import cloudinary.uploader

    item = _drive_item(workspace, host, "reel", 60.0, size)
    copy = workdir / "baseline-copy"

    def read() -> None:
        with workspace.open_item(item) as stream, copy.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)

    options = workspace_cloud(workspace)

    def bare_upload() -> Any:
        return cloudinary.uploader.upload_large(
            str(copy), resource_type="video", chunk_size=CHUNK, **options
        )

    read_cost, _ = measured(read)
    sdk_cost, answer = measured(bare_upload)
    cloudinary.uploader.destroy(answer["public_id"], resource_type="video", **options)
    copy.unlink()
    host.ask("reset")
    ours, done = measured(lambda: workspace.publish([item], to="ig", kind="reel"))
    _published(done)
    calls = host.ask("calls")
    state = host.ask("state")
    floor = read_cost.seconds + sdk_cost.seconds
    print(f"\n2. a {size / MB:.0f} MB reel from Drive, staged with upload_large "
          f"({CHUNK // MB} MB chunks)")  # fmt: skip
    print(f"   baseline, read from Drive into a file:   {read_cost.line()}")
    print(f"   baseline, the SDK's upload_large alone:  {sdk_cost.line()}")
    print(f"   mediasync publish (read, check, stage, post, delete): {ours.line()}")
    print(f"   ratios: time {ours.seconds / floor:.2f}x read + upload_large "
          f"({floor:.2f} s); peak allocations {_ratio(ours, sdk_cost)} the SDK's upload, "
          f"{_ratio(ours, read_cost)} the read")  # fmt: skip
    parts = calls["cloudinary"].get("upload", 0)
    graph_calls = sum(calls["graph"].values())
    downloads = calls["drive"].get("files.media", 0)
    print(
        f"   Cloudinary: {parts} upload parts; Graph: {graph_calls} requests; Drive: {downloads} "
        f"ranged downloads; posted {state['published'].count('REELS')} reel, left on "
        f"Cloudinary {state['left']}"
    )


def _ratio(ours: Measured, other: Measured) -> str:
    return f"{ours.peak_allocated / max(other.peak_allocated, 1):.2f}x"


def workspace_cloud(workspace: Any) -> dict[str, str]:
    """The publisher account's Cloudinary options, as the SDK takes them per call."""
    with workspace.open_publisher("ig") as publisher:
        options: dict[str, str] = publisher.settings.cloudinary_options()
    return options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", type=int, default=5)
    parser.add_argument("--story-mb", type=float, default=8.0)
    parser.add_argument("--reel-mb", type=float, default=300.0)
    args = parser.parse_args(argv)
    # Without ffprobe every video logs that its codecs went unchecked: once is enough here.
    logging.getLogger("mediasync.instagram").setLevel(logging.ERROR)
    if shutil.which("ffprobe") is None:
        print("ffprobe is not installed: video codecs are not checked (as in the tests)")
    host = FakeHost()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            with _workspace(workdir, host.config) as workspace:
                stories(workspace, host, args.stories, int(args.story_mb * MB))
                reel(workspace, host, int(args.reel_mb * MB), workdir)
    finally:
        host.stop()


if __name__ == "__main__":
    main()
