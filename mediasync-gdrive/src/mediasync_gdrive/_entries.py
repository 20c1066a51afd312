"""Drive file resources → ``MediaEntry``, and the fields the plugin asks Drive for.

Asking only for these fields keeps each page of 1,000 files small; everything an entry needs is
here, including ``sha256Checksum`` so nothing is downloaded to index, and the media facts Drive
read from the file (``_facts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mediasync import MediaEntry, Provenance
from mediasync_gdrive._facts import media_facts
from mediasync_gdrive._names import media_type

__all__ = ["FILE_FIELDS", "entry_from", "parse_time", "quote"]

FILE_FIELDS = (
    "id,name,mimeType,parents,size,createdTime,modifiedTime,md5Checksum,sha256Checksum,"
    "driveId,shortcutDetails(targetId,targetMimeType),"
    "imageMediaMetadata(width,height,time,cameraMake,cameraModel,rotation),"
    "videoMediaMetadata(width,height,durationMillis)"
)


def quote(value: str) -> str:
    """A string literal for Drive's ``q`` syntax."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_time(value: str | None) -> datetime:
    """RFC 3339 from Drive (``2024-05-01T10:00:00.000Z``) as an aware UTC datetime."""
    if not value:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def entry_from(
    resource: Mapping[str, Any],
    path: str,
    *,
    content: Mapping[str, Any] | None = None,
    require_media: bool = True,
    provenance: Provenance | None = None,
) -> MediaEntry | None:
    """The entry for ``resource`` at ``path``; ``None`` when it is not media.

    Args:
        content: for a shortcut, the target's resource (bytes, hashes, type come from it; the
            identity stays the shortcut's own id, stable when the shortcut is renamed).
    """
    body = content if content is not None else resource
    name = str(resource.get("name", ""))
    mime = media_type(body.get("mimeType"), name)
    if mime is None:
        if require_media:
            return None
        mime = str(body.get("mimeType") or "application/octet-stream")
    facts = media_facts(body)
    return MediaEntry(
        source_id=str(resource["id"]),
        path=path,
        size=_int(body.get("size")) or 0,
        mtime=parse_time(body.get("modifiedTime")),
        mime_type=mime,
        sha256=body.get("sha256Checksum"),
        native_hash=body.get("md5Checksum"),
        width=facts.width,
        height=facts.height,
        duration=facts.duration,
        taken_at=facts.taken_at,
        metadata=facts.metadata,
        provenance=provenance,
    )
