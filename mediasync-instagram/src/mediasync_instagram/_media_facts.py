"""What a file to publish is, read from its bytes: never from its name or extension.

The format comes from the file's signature (the item's mime type only names what was expected,
in messages); image dimensions from Pillow, which reads the header and decodes nothing; a
video's duration, size and tracks from its ``moov`` box, and from ``ffprobe`` when it is
installed, which also names the codecs and frame rate. Without ``ffprobe`` those go unchecked:
``MediaFacts.unchecked`` says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Literal

import attrs

from mediasync_instagram._mp4 import read_movie

__all__ = ["FFPROBE_FAILED", "FFPROBE_UNCHECKED", "MediaFacts", "read_facts", "sniff"]

Format = Literal["jpeg", "png", "webp", "heic", "gif", "mp4", "mov"]
IMAGE_FORMATS: frozenset[str] = frozenset({"jpeg", "png", "webp", "heic", "gif"})
_UNCHECKED = (
    "the video codec, the sound codec and the frame rate were not checked (only the moov box's "
    "duration, size and tracks were)"
)
FFPROBE_UNCHECKED = (
    f"ffprobe is not installed: {_UNCHECKED}; install ffmpeg to have them checked before the "
    "upload rather than refused by Instagram after it"
)
FFPROBE_FAILED = f"ffprobe could not read the file: {_UNCHECKED}"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_QUICKTIME_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@attrs.frozen
class MediaFacts:
    """A file's measured facts; ``None`` where they could not be read."""

    format: str | None
    """``jpeg``, ``png``, ``webp``, ``heic``, ``gif``, ``mp4``, ``mov``; ``None``: unknown."""
    size: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    has_moov: bool = False
    has_video: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    unchecked: tuple[str, ...] = ()

    @property
    def is_image(self) -> bool:
        return self.format in IMAGE_FORMATS

    @property
    def is_video(self) -> bool:
        return self.format in {"mp4", "mov"}

    @property
    def resource_type(self) -> Literal["image", "video"]:
        return "video" if self.is_video else "image"


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file show, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "heic"
        return "mov" if brand == b"qt  " else "mp4"
    if head[4:8] in _QUICKTIME_BOXES:
        return "mov"
    return None


def read_facts(path: Path) -> MediaFacts:
    """The facts of the file at ``path`` (a local copy of the item's bytes)."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        kind = sniff(stream.read(32))
    if kind is None or size == 0:
        return MediaFacts(None, size)
    if kind in IMAGE_FORMATS:
        width, height = _image_size(path, kind)
        return MediaFacts(kind, size, width, height)
    return _video_facts(path, kind, size)


def _image_size(path: Path, kind: str) -> tuple[int | None, int | None]:
    if kind == "heic":
        return _heif_size(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None, None
    return width, height


def _heif_size(path: Path) -> tuple[int | None, int | None]:
    """HEIF's ``ispe`` property (image spatial extents): Pillow cannot open HEIC by itself."""
    with path.open("rb") as stream:
        head = stream.read(256 * 1024)
    at = head.find(b"ispe")
    if at < 0 or len(head) < at + 16:
        return None, None
    width = int.from_bytes(head[at + 8 : at + 12], "big")
    height = int.from_bytes(head[at + 12 : at + 16], "big")
    return width, height


def _video_facts(path: Path, kind: str, size: int) -> MediaFacts:
    with path.open("rb") as stream:
        movie = read_movie(stream)
    video = None if movie is None else movie.video
    facts = MediaFacts(
        kind,
        size,
        width=None if video is None else video.width or None,
        height=None if video is None else video.height or None,
        duration=None if movie is None else movie.duration,
        has_moov=movie is not None,
        has_video=video is not None,
    )
    if movie is None:
        return facts
    probed = _ffprobe(path)
    if isinstance(probed, str):
        return attrs.evolve(facts, unchecked=(probed,))
    return _with_probe(facts, probed)


def _ffprobe(path: Path) -> dict[str, object] | str:
    """ffprobe's JSON of the file's streams and container, or the note saying why there is
    none (a failed run checks nothing rather than refusing a file the moov box found sound)."""
    program = shutil.which("ffprobe")
    if program is None:
        return FFPROBE_UNCHECKED
    command = [program, "-v", "error", "-print_format", "json", "-show_streams", "-show_format"]
    try:
        done = subprocess.run(
            [*command, str(path)], capture_output=True, text=True, timeout=60, check=False
        )
        answer = json.loads(done.stdout or "{}")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return FFPROBE_FAILED
    if done.returncode != 0 or not isinstance(answer, dict):
        return FFPROBE_FAILED
    return answer


def _with_probe(facts: MediaFacts, probed: dict[str, object]) -> MediaFacts:
    streams = [s for s in probed.get("streams") or [] if isinstance(s, dict)]  # type: ignore[attr-defined]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    about = probed.get("format")
    duration = facts.duration
    if isinstance(about, dict) and about.get("duration"):
        duration = float(about["duration"])
    if video is None:
        return attrs.evolve(facts, has_video=False, duration=duration)
    return attrs.evolve(
        facts,
        has_video=True,
        duration=duration,
        width=int(video.get("width") or facts.width or 0) or None,
        height=int(video.get("height") or facts.height or 0) or None,
        video_codec=str(video.get("codec_name") or "") or None,
        audio_codec=None if audio is None else str(audio.get("codec_name") or "") or None,
        frame_rate=_rate(str(video.get("avg_frame_rate") or video.get("r_frame_rate") or "")),
    )


def _rate(text: str) -> float | None:
    top, _, bottom = text.partition("/")
    try:
        value = float(top) / float(bottom or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value or None
