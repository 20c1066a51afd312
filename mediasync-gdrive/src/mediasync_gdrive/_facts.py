"""Media facts Drive already knows: dimensions, duration, capture time, camera.

Drive reads them from the file when it is uploaded and returns them in the same ``files.list``
and ``changes.list`` responses the index reads anyway (``imageMediaMetadata``,
``videoMediaMetadata``), so they cost no call and no download.

- ``width``/``height`` as displayed: Drive reports the stored pixels and, in ``rotation``, the
  clockwise quarter turns the EXIF orientation applies; one or three turns swap them.
- ``duration`` in seconds from ``durationMillis`` (a string of an int64).
- ``taken_at`` from ``imageMediaMetadata.time``, the EXIF ``DateTime`` as
  ``"YYYY:MM:DD HH:MM:SS"``: the camera's clock with no zone. It is kept as that wall-clock time
  labelled UTC (a "floating" time, as the EXIF tag itself is), so a photo taken at 10:00 sorts
  and filters as 10:00 wherever the index runs; Drive gives no offset to do better.
- ``camera_make``/``camera_model`` in the item's metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = ["MediaFacts", "media_facts", "parse_exif_time"]

EXIF_TIME = "%Y:%m:%d %H:%M:%S"


@attrs.frozen(slots=True)
class MediaFacts:
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    taken_at: datetime | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def parse_exif_time(value: Any) -> datetime | None:
    """``"2024:05:01 10:00:00"`` → 2024-05-01 10:00 labelled UTC; blank or malformed → None
    (cameras write ``"0000:00:00 00:00:00"`` when their clock was never set)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip()[:19], EXIF_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def media_facts(resource: Mapping[str, Any]) -> MediaFacts:
    """The facts of a file resource (a shortcut's target for a shortcut)."""
    video = resource.get("videoMediaMetadata")
    if isinstance(video, Mapping):
        millis = _int(video.get("durationMillis"))
        return MediaFacts(
            width=_int(video.get("width")),
            height=_int(video.get("height")),
            duration=millis / 1000 if millis is not None else None,
        )
    image = resource.get("imageMediaMetadata")
    if not isinstance(image, Mapping):
        return MediaFacts()
    width, height = _int(image.get("width")), _int(image.get("height"))
    if _int(image.get("rotation")) in (1, 3):
        width, height = height, width
    camera = {
        key: str(image[field]).strip()
        for key, field in (("camera_make", "cameraMake"), ("camera_model", "cameraModel"))
        if image.get(field) and str(image[field]).strip()
    }
    return MediaFacts(width, height, None, parse_exif_time(image.get("time")), camera)
