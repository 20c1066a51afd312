"""What Instagram takes, per kind, checked before anything is uploaded.

Numbers from Meta's Content Publishing documentation (IG User Media reference: Image, Story
and Reel Specifications; the carousel limits; the caption limits). A failed rule is one line
naming the file, the rule and what was measured. Where Meta only scales (a narrow image), the
floor here is mediasync's own: an image under 320 px wide (a 1x1 pixel, an icon) is refused
rather than posted as a blurry enlargement.
"""

from __future__ import annotations

import re

import attrs

from mediasync import MediaKind, PublishError, PublishMedia, PublishRequest
from mediasync_instagram._media_facts import MediaFacts

__all__ = ["CONVERTED_FORMATS", "check_facts", "check_request", "check_staged_jpeg"]

MB = 1000 * 1000
IMAGE_MAX_BYTES = 8 * 1024 * 1024
"""Image Specifications: "8 MB maximum" (Instagram's error says 8 MiB)."""
IMAGE_MIN_WIDTH = 320
FEED_RATIO = (4 / 5, 1.91)
CAPTION_MAX, HASHTAGS_MAX, MENTIONS_MAX = 2200, 30, 20
CHILDREN_MIN, CHILDREN_MAX = 2, 10
CONVERTED_FORMATS = frozenset({"png", "webp", "heic"})
"""Formats staged with an eager JPEG derivative: "JPEG is the only image format supported"."""
VIDEO_CODECS = frozenset({"h264", "hevc"})
AUDIO_CODECS = frozenset({"aac"})
FRAME_RATES = (23.0, 60.0)
_HASHTAG = re.compile(r"#\w+")
_MENTION = re.compile(r"@[\w.]+")


@attrs.frozen
class VideoLimits:
    what: str
    max_bytes: int
    seconds: tuple[float, float]
    ratio: tuple[float, float] | None = None


VIDEO_LIMITS = {
    "reel": VideoLimits("a reel", 300 * MB, (3.0, 15 * 60.0), (0.01, 10.0)),
    "story": VideoLimits("a story video", 100 * MB, (3.0, 60.0)),
    "carousel": VideoLimits("a carousel video", 100 * MB, (3.0, 60.0)),
}


def _fail(media: PublishMedia, rule: str) -> PublishError:
    return PublishError(f"{media.name}: {rule}; nothing was uploaded")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def check_request(request: PublishRequest) -> None:
    """The count, caption and media kinds, before any byte is read.

    Raises:
        PublishError: the first rule broken, in one line.
    """
    count, kind = len(request.media), request.kind
    if kind == "carousel" and not CHILDREN_MIN <= count <= CHILDREN_MAX:
        raise PublishError(f"a carousel holds 2 to 10 photos or videos; this one {count}")
    if kind != "carousel" and count != 1:
        raise PublishError(
            f"{'an' if kind == 'reel' else 'a'} {kind} holds one file, not {count}: "
            "publish several as --as carousel"
        )
    if kind != "story":  # stories take no caption: it is not sent
        check_caption(request.caption)
    for media in request.media:
        if kind == "feed" and media.kind is MediaKind.VIDEO:
            raise _fail(media, "a feed post is a photo: publish a video with --as reel")
        if kind == "reel" and media.kind is MediaKind.IMAGE:
            raise _fail(media, "a reel is a video: publish a photo with --as feed or story")


def check_caption(caption: str) -> None:
    if len(caption) > CAPTION_MAX:
        raise PublishError(f"caption at most {CAPTION_MAX} characters; this one {len(caption)}")
    hashtags = len(_HASHTAG.findall(caption))
    if hashtags > HASHTAGS_MAX:
        raise PublishError(f"caption at most {HASHTAGS_MAX} hashtags; this one {hashtags}")
    mentions = len(_MENTION.findall(caption))
    if mentions > MENTIONS_MAX:
        raise PublishError(f"caption at most {MENTIONS_MAX} @mentions; this one {mentions}")


def check_facts(kind: str, media: PublishMedia, facts: MediaFacts) -> None:
    """The file's own facts against the rules of ``kind``.

    Raises:
        PublishError: the first rule broken, naming the measured value.
    """
    if facts.size == 0:
        raise _fail(media, "the file is empty (0 bytes)")
    if facts.format is None:
        raise _fail(
            media,
            f"not a photo or video Instagram takes: the bytes are no JPEG, PNG, "
            f"WebP, HEIC, MP4 or MOV (mime type {media.mime_type or 'unknown'})",
        )
    if facts.format == "gif":
        raise _fail(
            media,
            "GIF is not published: Instagram takes JPEG photos and MP4/MOV "
            "videos (convert an animation to MP4)",
        )
    if kind == "feed" and facts.is_video:
        raise _fail(
            media,
            f"a feed post is a photo, this is a {facts.format.upper()} video: "
            "publish it with --as reel",
        )
    if kind == "reel" and facts.is_image:
        raise _fail(media, f"a reel is a video, this is a {facts.format.upper()} image")
    if facts.is_image:
        _check_image(kind, media, facts)
    else:
        _check_video(VIDEO_LIMITS[kind], media, facts)


def _check_image(kind: str, media: PublishMedia, facts: MediaFacts) -> None:
    if facts.width is None or facts.height is None:
        raise _fail(media, f"the {facts.format} image's dimensions cannot be read")
    size = f"{facts.width}x{facts.height} px"
    if facts.width < IMAGE_MIN_WIDTH or facts.height < 1:
        raise _fail(media, f"an image is at least {IMAGE_MIN_WIDTH} px wide; this one {size}")
    if facts.format == "jpeg" and facts.size > IMAGE_MAX_BYTES:
        raise _fail(media, f"a JPEG is at most 8 MB; this one {facts.size / MB:.1f} MB")
    if kind in {"feed", "carousel"}:
        _check_ratio(media, facts.width, facts.height)


def _check_ratio(media: PublishMedia, width: int, height: int) -> None:
    low, high = FEED_RATIO
    ratio = width / height
    if not low - 1e-9 <= ratio <= high + 1e-9:
        raise _fail(
            media,
            f"a feed or carousel photo's aspect ratio is 4:5 to 1.91:1; this one "
            f"{ratio:.2f}:1 ({width}x{height} px)",
        )


def _check_video(limits: VideoLimits, media: PublishMedia, facts: MediaFacts) -> None:
    if not facts.has_moov:
        raise _fail(media, "no moov box: not a playable MP4/MOV (no duration, no tracks)")
    if not facts.has_video:
        raise _fail(media, "the file has no video stream")
    if facts.size > limits.max_bytes:
        raise _fail(
            media,
            f"{limits.what} is at most {limits.max_bytes // MB} MB; this one "
            f"{facts.size / MB:.1f} MB",
        )
    low, high = limits.seconds
    if facts.duration is None or not low <= facts.duration <= high:
        measured = "unreadable" if facts.duration is None else f"{facts.duration:.1f} s"
        raise _fail(
            media, f"{limits.what} lasts {_duration(low)} to {_duration(high)}; this one {measured}"
        )
    if limits.ratio and facts.width and facts.height:
        ratio = facts.width / facts.height
        if not limits.ratio[0] <= ratio <= limits.ratio[1]:
            raise _fail(
                media, f"{limits.what}'s aspect ratio is 0.01:1 to 10:1; this one {ratio:.2f}:1"
            )
    _check_codecs(limits, media, facts)


def _check_codecs(limits: VideoLimits, media: PublishMedia, facts: MediaFacts) -> None:
    """Only what ``ffprobe`` measured (nothing when it is not installed)."""
    if facts.video_codec is not None and facts.video_codec not in VIDEO_CODECS:
        raise _fail(media, f"{limits.what} is H.264 or HEVC; this one {facts.video_codec}")
    if facts.audio_codec is not None and facts.audio_codec not in AUDIO_CODECS:
        raise _fail(media, f"{limits.what}'s sound is AAC; this one {facts.audio_codec}")
    low, high = FRAME_RATES
    if facts.frame_rate is not None and not low <= facts.frame_rate <= high:
        raise _fail(
            media,
            f"{limits.what} runs at 23 to 60 frames per second; this one {facts.frame_rate:.1f}",
        )


def check_staged_jpeg(media: PublishMedia, size: int) -> None:
    """The JPEG Cloudinary derived from a PNG, WebP or HEIC: at most 8 MB too."""
    if size > IMAGE_MAX_BYTES:
        raise PublishError(
            f"{media.name}: its JPEG is at most 8 MB; converted it is {size / MB:.1f} MB"
        )
