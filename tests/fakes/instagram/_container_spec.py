"""What a ``POST /{ig-user-id}/media`` asks for, checked against the IG User Media reference.

Facts followed (IG User Media, "Creating"; Content Publishing guide):

- ``media_type`` is ``CAROUSEL``, ``REELS`` or ``STORIES``, or ``VIDEO`` for a video carousel item
  (the guide's "set to VIDEO, REELS, or STORIES"; the reference's carousel item request); without
  it the container is an image. Another value is 100/2207023 "The media type … is unknown."
- ``image_url`` "For images only and required for images"; ``video_url`` "Required for videos and
  reels"; a story takes one of them ("either … but not both").
- ``is_carousel_item`` "Applies only to images and video"; "Reels cannot appear in carousels".
- ``children``: "Required for carousels … up to 10 container IDs", comma separated; a carousel
  needs "at least 2 photos/videos and no more than 10" (100/2207028).
- ``caption``: "Maximum 2200 characters, 30 hashtags, and 20 @ tags" (36004/2207010 for the
  length, 100/2207040 for the tags); "Not supported on images or videos in carousels".
- ``alt_text``: "For image posts only … up to 1000 character … Reels and stories are not
  supported." ``share_to_feed``: reels (and carousels, in the reference's request syntax).
  ``cover_url``: "For Reels only". ``thumb_offset``: "For videos and reels", milliseconds, "must
  be greater than or equal to 0" (1/2207057).

Stricter than the documentation (which lists what applies, not what happens otherwise): a
parameter that does not apply to the container's kind is refused (code 100) rather than ignored,
so is a caption on a story, ``VIDEO`` outside a carousel (single feed videos are reels since July
2023), more than 30 hashtags (code 100, no subcode is documented), a parameter the reference does
not list, a boolean other than ``true``/``false``, and the same child twice. Documented parameters
the fake does not model (tags, location, collaborators, resumable uploads…) are a loud
``not implemented``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fakes.instagram._errors import invalid_parameter, not_implemented, publishing_error

__all__ = ["CAPTION_MAX", "ContainerKind", "ContainerSpec", "parse_container"]

ContainerKind = Literal["IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL"]
"""``IMAGE``: a feed or carousel image; ``VIDEO``: a carousel video; the rest as named."""

CAPTION_MAX = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20
ALT_TEXT_MAX = 1000
CHILDREN_MIN, CHILDREN_MAX = 2, 10

_ALLOWED: dict[ContainerKind, frozenset[str]] = {
    "IMAGE": frozenset({"image_url", "caption", "alt_text", "is_carousel_item"}),
    "VIDEO": frozenset({"media_type", "video_url", "is_carousel_item", "thumb_offset"}),
    "REELS": frozenset(
        {"media_type", "video_url", "caption", "share_to_feed", "cover_url", "thumb_offset"}
    ),
    "STORIES": frozenset({"media_type", "image_url", "video_url"}),
    "CAROUSEL": frozenset({"media_type", "children", "caption", "share_to_feed"}),
}
_MEDIA_TYPES: dict[str, ContainerKind] = {
    "VIDEO": "VIDEO",
    "REELS": "REELS",
    "STORIES": "STORIES",
    "CAROUSEL": "CAROUSEL",
}
_UNMODELLED = frozenset(
    {
        "audio_name",
        "branded_content_sponsor_ids",
        "collaborators",
        "is_paid_partnership",
        "location_id",
        "product_tags",
        "trial_params",
        "upload_type",
        "user_tags",
    }
)
_IGNORED = frozenset({"access_token", "appsecret_proof"})
_HASHTAG = re.compile(r"#\w+")
_MENTION = re.compile(r"@[\w.]+")


@dataclass(frozen=True)
class ContainerSpec:
    """A container's parameters, once valid."""

    kind: ContainerKind
    is_carousel_item: bool = False
    image_url: str | None = None
    video_url: str | None = None
    cover_url: str | None = None
    caption: str | None = None
    alt_text: str | None = None
    share_to_feed: bool | None = None
    thumb_offset: int | None = None
    children: tuple[str, ...] = ()

    @property
    def is_video(self) -> bool:
        return self.video_url is not None

    @property
    def feed_image(self) -> bool:
        """An image the 4:5 to 1.91:1 ratio applies to (a post or a carousel image)."""
        return self.kind == "IMAGE"


def parse_container(params: Mapping[str, str]) -> ContainerSpec:
    """The container ``params`` describe; a ``GraphError`` naming the first problem if none."""
    kind = _kind(params)
    for name, value in params.items():
        if name in _IGNORED or name in _ALLOWED[kind]:
            continue
        if name == "is_carousel_item" and value == "false":
            continue
        if name in _UNMODELLED:
            raise not_implemented(f"the {name!r} parameter of POST /{{ig-user-id}}/media")
        if any(name in allowed for allowed in _ALLOWED.values()):
            raise invalid_parameter(f"{name} is not supported on {_describe(kind)} containers")
        raise invalid_parameter(f"Unknown parameter {name!r} for POST /{{ig-user-id}}/media")
    carousel_item = _boolean(params, "is_carousel_item") or False
    if kind == "VIDEO" and not carousel_item:
        raise invalid_parameter(
            "media_type=VIDEO is only for carousel items (is_carousel_item=true); "
            "publish a single video with media_type=REELS"
        )
    if carousel_item and "caption" in params:
        raise invalid_parameter("caption is not supported on images or videos in carousels")
    spec = ContainerSpec(
        kind=kind,
        is_carousel_item=carousel_item,
        image_url=_url(params, "image_url"),
        video_url=_url(params, "video_url"),
        cover_url=_url(params, "cover_url"),
        caption=_caption(params.get("caption")),
        alt_text=_alt_text(params.get("alt_text")),
        share_to_feed=_boolean(params, "share_to_feed"),
        thumb_offset=_thumb_offset(params.get("thumb_offset")),
        children=_children(params.get("children")) if kind == "CAROUSEL" else (),
    )
    _require_media(spec)
    return spec


def _kind(params: Mapping[str, str]) -> ContainerKind:
    media_type = params.get("media_type")
    if media_type is None:
        return "IMAGE"
    if media_type in _MEDIA_TYPES:
        return _MEDIA_TYPES[media_type]
    raise publishing_error(2207023, media_type=media_type or "''")


def _describe(kind: ContainerKind) -> str:
    return {
        "IMAGE": "image",
        "VIDEO": "carousel video",
        "REELS": "REELS",
        "STORIES": "STORIES",
        "CAROUSEL": "CAROUSEL",
    }[kind]


def _require_media(spec: ContainerSpec) -> None:
    if spec.kind == "IMAGE" and spec.image_url is None:
        raise invalid_parameter("The parameter image_url is required")
    if spec.kind in {"VIDEO", "REELS"} and spec.video_url is None:
        raise invalid_parameter("The parameter video_url is required")
    if spec.kind == "STORIES" and (spec.image_url is None) == (spec.video_url is None):
        raise invalid_parameter("A story takes either image_url or video_url, not both or none")


def _url(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.strip():
        raise invalid_parameter(f"The parameter {name} is empty")
    return value.strip()


def _boolean(params: Mapping[str, str], name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if value not in {"true", "false"}:
        raise invalid_parameter(f"{name} must be true or false, not {value!r}")
    return value == "true"


def _caption(text: str | None) -> str | None:
    if text is None:
        return None
    if len(text) > CAPTION_MAX:
        raise publishing_error(2207010, length=len(text), maximum=CAPTION_MAX)
    if len(_MENTION.findall(text)) > MENTIONS_MAX:
        raise publishing_error(2207040, max_tags=MENTIONS_MAX)
    if len(_HASHTAG.findall(text)) > HASHTAGS_MAX:
        raise invalid_parameter(f"A caption can have at most {HASHTAGS_MAX} hashtags")
    return text


def _alt_text(text: str | None) -> str | None:
    if text is not None and len(text) > ALT_TEXT_MAX:
        raise invalid_parameter(f"alt_text can be at most {ALT_TEXT_MAX} characters")
    return text


def _thumb_offset(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.lstrip("-").isdigit():
        raise invalid_parameter("thumb_offset must be a whole number of milliseconds")
    if int(text) < 0:
        raise publishing_error(2207057)
    return int(text)


def _children(text: str | None) -> tuple[str, ...]:
    """``1,2,3``, spaces allowed, or a JSON array of ids (how list parameters may be sent)."""
    if text is None:
        raise invalid_parameter("The parameter children is required for a CAROUSEL container")
    stripped = text.strip()
    try:
        items = json.loads(stripped) if stripped.startswith("[") else stripped.split(",")
    except json.JSONDecodeError:
        raise invalid_parameter("children must be comma-separated container ids") from None
    ids = tuple(str(item).strip() for item in items if str(item).strip())
    if not all(item.isdigit() for item in ids):
        raise invalid_parameter("children must be comma-separated container ids")
    if len(set(ids)) != len(ids):
        raise invalid_parameter("The same container is given twice in children")
    if not CHILDREN_MIN <= len(ids) <= CHILDREN_MAX:
        raise publishing_error(2207028)
    return ids
