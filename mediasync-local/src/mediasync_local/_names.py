"""File and folder names: which ones the listing skips, and how an uploaded name is made safe."""

from __future__ import annotations

import unicodedata

__all__ = [
    "FALLBACK_NAME",
    "JUNK_FILES",
    "JUNK_PREFIXES",
    "JUNK_SUFFIXES",
    "MAX_NAME_BYTES",
    "is_listed_dir",
    "is_listed_file",
    "numbered",
    "safe_folder",
    "safe_name",
    "split_name",
    "with_extension",
]

MAX_NAME_BYTES = 255
"""The longest file name most filesystems accept (ext4, APFS, NTFS count slightly differently)."""
FALLBACK_NAME = "unnamed"

JUNK_FILES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r"})
"""Lowercased names of files that are never media (the listing's hot loop checks these too)."""
JUNK_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp")
JUNK_PREFIXES = ("~$",)
_JUNK_DIRS = frozenset(
    {
        "@eadir",  # Synology thumbnails
        "#recycle",  # Synology recycle bin
        "#snapshot",
        "$recycle.bin",  # Windows recycle bin on removable drives
        "system volume information",
        "lost+found",  # unreadable for users at the top of every ext4 volume
    }
)
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_EXTENSION_BYTES = 32


def _is_junk(lowered: str) -> bool:
    return lowered.endswith(JUNK_SUFFIXES) or lowered.startswith(JUNK_PREFIXES)


def is_listed_file(name: str) -> bool:
    """False for hidden files (``.name``) and junk: Thumbs.db, desktop.ini, partial downloads."""
    if name.startswith("."):
        return False
    lowered = name.lower()
    return lowered not in JUNK_FILES and not _is_junk(lowered)


def is_listed_dir(name: str) -> bool:
    """False for hidden folders, recycle bins, thumbnail caches and ``lost+found``."""
    if name.startswith("."):
        return False
    lowered = name.lower()
    return lowered not in _JUNK_DIRS and not _is_junk(lowered)


def split_name(name: str) -> tuple[str, str]:
    """``("photo", ".jpg")`` for ``photo.jpg``; the extension keeps its dot, or is ``""``."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext:
        return name, ""
    return stem, dot + ext


def _fit(stem: str, suffix: str) -> str:
    """``stem + suffix`` cut to ``MAX_NAME_BYTES`` of UTF-8, shortening the stem only."""
    room = MAX_NAME_BYTES - len(suffix.encode())
    encoded = stem.encode()
    if len(encoded) <= room:
        return stem + suffix
    cut = encoded[:room].decode("utf-8", "ignore").rstrip(" .")
    return (cut or FALLBACK_NAME[: max(room, 1)]) + suffix


def _clean(text: str) -> str:
    """Separators, surrogates and U+FFFD become ``_``; control and bidi-override characters go;
    no leading dot, ``~$`` or whitespace (hidden or junk to the listing), no trailing dot or
    whitespace. (U+FFFD is how paths spell bytes that are not UTF-8: see ``_paths``.)
    """
    chars: list[str] = []
    for char in text.strip("/\\"):
        if char in "/\\":
            chars.append("_")
        elif char in _BIDI_CONTROLS:
            continue
        else:
            category = unicodedata.category(char)
            if category == "Cc":
                continue
            chars.append("_" if category == "Cs" or char == "\ufffd" else char)
    cleaned = "".join(chars)
    while True:
        stripped = cleaned.strip().lstrip(".").removeprefix("~$").rstrip(". ")
        if stripped == cleaned:
            return cleaned
        cleaned = stripped


def safe_name(name: str) -> str:
    """A file name that is safe to create in a folder and that the listing will not hide.

    Never empty, never ``.``/``..``, no path separator, NUL or control character, no leading dot,
    at most ``MAX_NAME_BYTES`` bytes of UTF-8, the extension kept when the name is cut.
    """
    cleaned = _clean(name) or FALLBACK_NAME
    stem, ext = split_name(cleaned)
    if len(ext.encode()) > _MAX_EXTENSION_BYTES:
        stem, ext = cleaned, ""
    return _fit(stem, ext)


def numbered(name: str, number: int) -> str:
    """``photo (2).jpg`` for ``photo.jpg``: the name to try when ``name`` is taken."""
    stem, ext = split_name(name)
    if len(ext.encode()) > _MAX_EXTENSION_BYTES:
        stem, ext = name, ""
    return _fit(stem, f" ({number}){ext}")


def with_extension(name: str, ext: str) -> str:
    """``name`` with ``.ext`` appended, the name shortened if needed to stay within the limit."""
    return _fit(name, f".{ext}")


def safe_folder(folder: str) -> list[str]:
    """The components of a relative folder, each made safe; ``..``, ``.`` and empty ones dropped.

    Both ``/`` and ``\\`` separate components. A component the listing would skip (``@eaDir``,
    ``lost+found``) gets a ``_`` appended so that what is written there is seen again.
    """
    components: list[str] = []
    for part in folder.replace("\\", "/").split("/"):
        cleaned = _clean(part)
        if not cleaned:
            continue
        cleaned = _fit(cleaned, "")
        if not is_listed_dir(cleaned):
            cleaned = _fit(cleaned, "_")
        components.append(cleaned)
    return components
