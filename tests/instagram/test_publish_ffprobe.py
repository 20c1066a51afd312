"""Video facts from ffprobe when it is installed (a fake ``ffprobe`` on PATH prints what the
real one would), and a warning naming what goes unchecked when it is not."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import FakeGraph
from instagram.helpers import Photos, movie

from mediasync import PublicationStatus, PublishError, PublishMedia, Workspace
from mediasync_instagram._media_facts import FFPROBE_FAILED, read_facts
from mediasync_instagram._rules import check_facts

# What is checked here happens before or beside the journal, the same on either index
# database: SQLite only keeps the suite fast (the journal's paths run on both elsewhere).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SOUND = {"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": "48000"}


def probed(
    codec: str = "h264", rate: str = "30/1", duration: str = "10.000000", audio: str = "aac"
) -> dict[str, Any]:
    """What ``ffprobe -print_format json -show_streams -show_format`` prints for an MP4."""
    video = {
        "index": 0,
        "codec_name": codec,
        "codec_type": "video",
        "width": 1080,
        "height": 1920,
        "r_frame_rate": rate,
        "avg_frame_rate": rate,
        "duration": duration,
    }
    return {
        "streams": [video, {**SOUND, "codec_name": audio}],
        "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": duration},
    }


@pytest.fixture
def ffprobe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``ffprobe(answer, status=0)`` puts an ``ffprobe`` first on PATH that prints ``answer``
    as JSON and exits with ``status``; the arguments of each run are kept in ``runs``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    runs = folder / "runs.jsonl"

    def install(answer: dict[str, Any], status: int = 0) -> Path:
        script = folder / "ffprobe"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, sys\n"
            f"open({str(runs)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
            f"print({json.dumps(json.dumps(answer, indent=2))})\n"
            f"sys.exit({status})\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return runs

    return install


def facts_checked(tmp_path: Path, kind: str, data: bytes) -> None:
    path = tmp_path / "clip"
    path.write_bytes(data)
    media = PublishMedia(1, "clip.mp4", "video/mp4", len(data), lambda: io.BytesIO(data))
    check_facts(kind, media, read_facts(path))


@pytest.mark.parametrize(
    ("kind", "answer", "message"),
    [
        ("reel", probed(codec="vp9"), "a reel is H.264 or HEVC; this one vp9"),
        ("reel", probed(audio="opus"), "a reel's sound is AAC; this one opus"),
        ("story", probed(rate="120/1"), "a story video runs at 23 to 60 frames per second; "),
        ("reel", probed(duration="901.5"), "a reel lasts 3 s to 15 min; this one 901.5 s"),
        ("story", probed(duration="61.2"), "a story video lasts 3 s to 1 min; this one 61.2 s"),
    ],
    ids=["codec", "sound", "frame-rate", "reel-duration", "story-duration"],
)
def test_ffprobes_facts_decide_over_the_moov_box(
    ffprobe: Any, tmp_path: Path, kind: str, answer: dict[str, Any], message: str
) -> None:
    runs = ffprobe(answer)

    with pytest.raises(PublishError, match=message):
        facts_checked(tmp_path, kind, movie(10.0))  # the moov box says 10 s: fine by itself

    [argv] = [json.loads(line) for line in runs.read_text().splitlines()]
    assert argv[:6] == ["-v", "error", "-print_format", "json", "-show_streams", "-show_format"]
    assert argv[-1] == str(tmp_path / "clip")


def test_a_video_ffprobe_finds_sound_only_in_is_refused(ffprobe: Any, tmp_path: Path) -> None:
    ffprobe({"streams": [SOUND], "format": {"duration": "10.0"}})

    with pytest.raises(PublishError, match="the file has no video stream"):
        facts_checked(tmp_path, "reel", movie(10.0))


def test_a_failed_ffprobe_checks_nothing_and_says_so(ffprobe: Any, tmp_path: Path) -> None:
    ffprobe({}, status=1)
    path = tmp_path / "clip"
    path.write_bytes(movie(10.0))

    facts = read_facts(path)

    assert (facts.has_video, facts.video_codec, facts.duration) == (True, None, 10.0)
    assert facts.unchecked == (FFPROBE_FAILED,)


@sqlite_only
def test_a_codec_ffprobe_names_fails_the_publication_before_any_upload(
    ffprobe: Any,
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    cloud: FakeCloudinary,
) -> None:
    ffprobe(probed(codec="mpeg4"))
    item = photos.add("old.mp4", movie(10.0))

    done = workspace.publish([item], to=publisher_account, kind="reel")

    assert done.status is PublicationStatus.FAILED
    assert done.error == "old.mp4: a reel is H.264 or HEVC; this one mpeg4; nothing was uploaded"
    assert cloud.requests_to("upload") == []
    assert graph.containers() == []


@sqlite_only
def test_without_ffprobe_the_video_is_published_with_a_warning_naming_what_was_not_checked(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    empty = tmp_path / "no-ffprobe"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    item = photos.add("clip.mp4", movie(10.0))

    with caplog.at_level(logging.WARNING, logger="mediasync.instagram"):
        done = workspace.publish([item], to=publisher_account, kind="reel")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    [warning] = [r.getMessage() for r in caplog.records if "ffprobe" in r.getMessage()]
    assert warning.startswith("clip.mp4: ffprobe is not installed: the video codec, the sound ")
    assert "codec and the frame rate were not checked" in warning
