"""Instagram backfill against the loopback Graph API fake: API calls, wall time, memory.

    python bench/run.py instagram [--posts 5000] [--video-mb 200]

An account of POSTS posts (a fifth carousels of two to four children, a tenth videos: the fake's
own mix) is backed up into a local folder:

1. the full backfill, against a floor measured in the same run: the same pages read and the
   same files downloaded by a bare httpx loop that writes each file (no index, no names);
2. an incremental backfill with nothing new (target: 1 API call) and with 10 new posts
   (target: at most 3 calls);
3. the peak of Python allocations (tracemalloc) while one video of VIDEO_MB is copied: flat,
   because the bytes stream from the CDN to the file (the fake holds the video in memory
   before the measurement starts).

Everything runs in this process (the fake's server threads share the interpreter, so wall
times include the fake's own work); the index is SQLite in a temporary directory. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

DAY = 86400.0


def _workspace(workdir: Path) -> Any:
    os.environ["XDG_DATA_HOME"] = str(workdir / "data")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    from mediasync import Workspace

    return Workspace.open(database_url=f"sqlite:///{workdir / 'index.db'}")


def _floor(graph: Any, account: Any, token: str, target: Path) -> tuple[int, float]:
    """Pages and downloads with nothing else: (API calls, seconds)."""
    import httpx

    started = time.perf_counter()
    calls = 0
    fields = "id,media_type,media_url,timestamp,children{id,media_type,media_url}"
    url: str | None = f"{graph.base_url}/{graph.version}/{account.id}/media"
    params: dict[str, Any] | None = {"fields": fields, "limit": 50, "access_token": token}
    target.mkdir(parents=True, exist_ok=True)
    with httpx.Client(timeout=60) as client:
        while url:
            page = client.get(url, params=params).json()
            calls += 1
            params = None  # the next link carries the query
            for media in page["data"]:
                for child in (media.get("children") or {}).get("data") or [media]:
                    if "media_url" not in child:
                        continue
                    with (
                        client.stream("GET", child["media_url"]) as response,
                        open(target / child["id"], "wb") as out,
                    ):
                        for chunk in response.iter_raw(1 << 20):
                            out.write(chunk)
            url = page.get("paging", {}).get("next")
    return calls, time.perf_counter() - started


def _backfill(workspace: Any, graph: Any) -> tuple[Any, int, int, float]:
    from mediasync_instagram._backfill import backfill

    graph.reset_counts()
    started = time.perf_counter()
    report = backfill(workspace, "insta", "backup")
    seconds = time.perf_counter() - started
    if not report.ok:
        sys.exit(f"backfill failed: {report.error or report.errors}")
    return report, graph.api_calls(), len(graph.downloads()), seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--video-mb", type=int, default=200)
    args = parser.parse_args(argv)
    from fakes.instagram import FakeGraph

    with tempfile.TemporaryDirectory() as tmp, FakeGraph() as graph:
        workdir = Path(tmp)
        account = graph.account("bench.account", posts=args.posts)
        token = graph.issue_token(account, age=2 * DAY)
        floor_calls, floor_seconds = _floor(graph, account, token, workdir / "floor")
        files = sum(len(m.children) or 1 for m in account.media)
        (workdir / "backup").mkdir()
        with _workspace(workdir) as workspace:
            settings = {"token": token, "user_id": account.id, "graph_url": graph.base_url,
                        "api_version": graph.version}  # fmt: skip
            workspace.add_source("insta", "instagram", root=None, settings=settings)
            workspace.add_source("backup", "local", root=str(workdir / "backup"), settings={})
            full, full_calls, full_downloads, full_seconds = _backfill(workspace, graph)
            none, none_calls, _, none_seconds = _backfill(workspace, graph)
            for number in range(10):
                graph.post_image(account, f"new {number}")
            ten, ten_calls, _, ten_seconds = _backfill(workspace, graph)

            video = os.urandom(1 << 20) * args.video_mb
            graph.post_video(account, "a long one", data=b"\x00\x00\x00\x18ftypmp42" + video)
            del video
            tracemalloc.start()
            big, _, _, big_seconds = _backfill(workspace, graph)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

    print(f"account: {args.posts} posts, {files} files")
    print(f"floor (bare httpx pages + downloads): {floor_calls} calls, {floor_seconds:.2f} s")
    print(
        f"full backfill: {full.copied} copied, {full_calls} API calls, {full_downloads} "
        f"downloads, {full_seconds:.2f} s ({full_seconds / floor_seconds:.2f}x the floor)"
    )
    print(f"nothing new: {none.copied} copied, {none_calls} API calls (target 1), "
          f"{none_seconds:.2f} s")  # fmt: skip
    print(f"10 new posts: {ten.copied} copied, {ten_calls} API calls (target <= 3), "
          f"{ten_seconds:.2f} s")  # fmt: skip
    print(f"{args.video_mb} MB video: copied {big.copied} in {big_seconds:.2f} s, peak Python "
          f"allocations {peak / 2**20:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
