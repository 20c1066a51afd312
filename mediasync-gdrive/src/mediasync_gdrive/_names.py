"""Turning Drive names into index paths, and deciding what counts as media.

Drive allows what a path cannot: ``/`` inside a name, and several files of the same name in one
folder. Each name is made safe (separators and control characters become ``_``), then siblings
of the same kind (folders among folders, files among files) that share a safe name are told
apart deterministically: the oldest (by ``createdTime``, then id) keeps the name, each later one
becomes ``name (FILEID).ext``. A file id never changes, so a suffixed path is stable too.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "FOLDER",
    "SHORTCUT",
    "assign_names",
    "is_folder_like",
    "media_type",
    "safe_folder",
    "safe_name",
    "with_suffix",
]

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
_EXTRA_TYPES = {
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".dng": "image/x-adobe-dng",
    ".cr2": "image/x-canon-cr2",
    ".nef": "image/x-nikon-nef",
    ".arw": "image/x-sony-arw",
    ".mts": "video/mp2t",
    ".m4v": "video/x-m4v",
    ".3gp": "video/3gpp",
}
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})


def safe_name(name: str) -> str:
    """One path segment: no separators, NUL or control characters, never ``.``/``..``/empty."""
    cleaned = _UNSAFE.sub("_", name).strip()
    if cleaned in {"", ".", ".."}:
        cleaned = "_" + cleaned if cleaned else "_"
    return cleaned


def safe_folder(folder: str) -> list[str]:
    """A folder given by a caller, as safe segments: ``..``, ``.`` and empty parts dropped."""
    parts = re.split(r"[/\\]", folder.replace("\x00", ""))
    return [safe_name(p) for p in parts if p.strip() not in {"", ".", ".."}]


def with_suffix(name: str, suffix: str) -> str:
    """``photo.jpg`` + ``abc`` → ``photo (abc).jpg``; a name without extension gets it last."""
    stem, ext = posixpath.splitext(name)
    if not stem or len(ext) > 10 or " " in ext:
        stem, ext = name, ""
    return f"{stem} ({suffix}){ext}"


def extension_type(name: str) -> str | None:
    ext = posixpath.splitext(name)[1].lower()
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0]


def media_type(mime_type: str | None, name: str) -> str | None:
    """The media type of a Drive file, or ``None`` when it is not an image or a video.

    Drive's own type decides; a generic type (``application/octet-stream``, as Drive gives some
    HEIC and RAW uploads) falls back to the name's extension.
    """
    mime = (mime_type or "").lower()
    if mime.startswith(("image/", "video/")):
        return mime
    if mime in _GENERIC_TYPES:
        guessed = extension_type(name)
        if guessed and guessed.startswith(("image/", "video/")):
            return guessed
    return None


def is_folder_like(resource: Mapping[str, Any]) -> bool:
    """A folder, or a shortcut to one: the two share a namespace in paths."""
    if resource.get("mimeType") == FOLDER:
        return True
    details = resource.get("shortcutDetails") or {}
    return resource.get("mimeType") == SHORTCUT and details.get("targetMimeType") == FOLDER


def assign_names(children: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """file id → the name used in paths, for the children of one folder."""
    groups: dict[tuple[bool, str], list[Mapping[str, Any]]] = defaultdict(list)
    for child in children:
        groups[(is_folder_like(child), safe_name(str(child.get("name", ""))))].append(child)
    names: dict[str, str] = {}
    for (_kind, name), members in groups.items():
        members.sort(key=lambda r: (str(r.get("createdTime", "")), str(r["id"])))
        names[str(members[0]["id"])] = name
        for later in members[1:]:
            names[str(later["id"])] = with_suffix(name, str(later["id"]))
    return names
