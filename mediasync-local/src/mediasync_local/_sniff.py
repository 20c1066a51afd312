"""Is this file media, and which kind: by its extension, or by its first bytes when that is unknown.

The policy, chosen so that a no-op re-sync never reads a file:

- A media extension (``.jpg``, ``.mov``, …) is trusted without reading the file.
- A known non-media extension (``.txt``, ``.pdf``, ``.mp3``, sidecars like ``.xmp``) is skipped
  without reading the file.
- A missing or unknown extension (``IMG_0001``, ``photo.jpg_original``) is decided by the first
  ``SNIFF_BYTES`` bytes of the file: one small read, only for those files.

So a text file renamed to ``.jpg`` is listed as a JPEG; the engine notices when it hashes it.
"""

from __future__ import annotations

import os

__all__ = [
    "MEDIA_TYPES",
    "SNIFF_BYTES",
    "extension_for",
    "extension_of",
    "needs_sniff",
    "sniff",
    "sniff_file",
    "type_by_extension",
]

SNIFF_BYTES = 64

IMAGE_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "avif": "image/avif",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "dng": "image/x-adobe-dng",
    "cr2": "image/x-canon-cr2",
    "nef": "image/x-nikon-nef",
    "arw": "image/x-sony-arw",
    "raw": "image/x-raw",
}
VIDEO_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "m4v": "video/x-m4v",
    "avi": "video/x-msvideo",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "3gp": "video/3gpp",
    "mts": "video/mp2t",
    "m2ts": "video/mp2t",
    "wmv": "video/x-ms-wmv",
}
MEDIA_TYPES: dict[str, str] = {**IMAGE_TYPES, **VIDEO_TYPES}
"""Lowercase extension (no dot) → MIME type, for every extension listed without reading."""

NON_MEDIA_EXTENSIONS = frozenset(
    {
        # documents and text
        "txt", "md", "rtf", "pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx",
        "odp", "csv", "tsv", "json", "xml", "html", "htm", "css", "js", "yaml", "yml", "toml",
        "ini", "cfg", "conf", "log", "py", "sh", "url", "webloc", "lnk",
        # archives, disk images, programs, databases
        "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "iso", "dmg", "exe", "msi",
        "dll", "so", "dylib", "app", "pkg", "deb", "rpm", "apk", "jar", "db", "sqlite",
        "sqlite3", "lrcat", "bak",
        # audio (this source lists images and videos)
        "mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma", "aif", "aiff", "mid",
        "midi", "amr",
        # sidecars, thumbnails and proxies written next to photos and videos
        "xmp", "aae", "thm", "lrv", "pp3", "dop", "on1", "ithmb", "srt", "vtt", "sub",
        "ass", "cube", "icc", "icm",
    }
)  # fmt: skip
"""Extensions skipped without reading the file."""

_TYPE_EXTENSION: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/avif": "avif",
    "image/tiff": "tif",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-m4v": "m4v",
    "video/x-msvideo": "avi",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
    "video/3gpp": "3gp",
    "video/3gpp2": "3gp",
}

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
        b"mp41", b"mp42", b"avc1", b"dash", b"mmp4", b"f4v ", b"MSNV", b"NDAS", b"XAVC",
        b"M4VP", b"MFSM", b"nvr1",
    }
)  # fmt: skip
_M4V_BRANDS = frozenset({b"M4V ", b"M4VH"})
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide"})


def extension_of(name: str) -> str:
    """The lowercase extension of ``name`` without its dot, or ``""``."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def type_by_extension(ext: str) -> str | None:
    """The MIME type of a media extension (lowercase, no dot), else ``None``."""
    return MEDIA_TYPES.get(ext)


def needs_sniff(ext: str) -> bool:
    """Whether a file with this extension is decided by its bytes (missing or unknown extension)."""
    return ext not in MEDIA_TYPES and ext not in NON_MEDIA_EXTENSIONS


def extension_for(mime_type: str) -> str | None:
    """The usual extension (no dot) for a media MIME type, if it has one."""
    return _TYPE_EXTENSION.get(mime_type)


def _ftyp(head: bytes) -> str | None:
    """ISO base media files: HEIF/AVIF images, MP4, QuickTime, 3GP, by their ``ftyp`` brands."""
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(len(head), size) if size >= 16 else len(head)
    brands = {major} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _AVIF_BRANDS or (major in _HEIF_BRANDS and brands & _AVIF_BRANDS):
        return "image/avif"
    if major in _HEIC_BRANDS or (major in _HEIF_BRANDS and brands & _HEIC_BRANDS):
        return "image/heic"
    if major in _HEIF_BRANDS:
        return "image/heif"
    if major == b"qt  ":
        return "video/quicktime"
    if major in _M4V_BRANDS:
        return "video/x-m4v"
    if major.startswith(b"3gp"):
        return "video/3gpp"
    if major.startswith(b"3g2"):
        return "video/3gpp2"
    if major in _MP4_BRANDS:
        return "video/mp4"
    return None


def sniff(head: bytes) -> str | None:
    """The media MIME type that the first bytes of a file announce, or ``None``.

    Recognises JPEG, PNG, GIF, WebP, TIFF, HEIC/HEIF/AVIF, MP4/MOV/M4V/3GP, Matroska/WebM and
    AVI. Audio-only and unknown containers give ``None``.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}.get(head[8:12])
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _ftyp(head)
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    return None


def sniff_file(path: str) -> str | None:
    """Reads the first bytes of the file at ``path`` and sniffs them.

    Opened non-blocking so that a FIFO that slipped through cannot hang the listing.

    Raises:
        OSError: the file cannot be opened or read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        head = os.read(fd, SNIFF_BYTES)
    finally:
        os.close(fd)
    return sniff(head)
