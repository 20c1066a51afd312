"""Names the Instagram tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph

from mediasync import Workspace

SOURCE = "insta"
PUBLISHER = "ig"


def source_settings(graph: FakeGraph, account: Account, token: str, **more: Any) -> dict[str, Any]:
    """Settings of a source reading ``account`` on the fake, as ``sources add`` takes them."""
    return {
        "token": token,
        "user_id": account.id,
        "graph_url": graph.base_url,
        "api_version": graph.version,
        **more,
    }


def publisher_settings(cloud: FakeCloudinary, **more: Any) -> dict[str, Any]:
    """Settings of an Instagram publisher account posting as ``SOURCE``, staging on ``cloud``."""
    return {
        "account": SOURCE,
        "cloud_name": cloud.cloud_name,
        "api_key": cloud.api_key,
        "api_secret": cloud.api_secret,
        "upload_prefix": cloud.upload_prefix,
        **more,
    }


@attrs.define
class Photos:
    """The local folder source ``photos``."""

    workspace: Workspace
    root: Path

    def add(self, name: str, data: bytes) -> int:
        """Writes ``name``, syncs the folder, and gives the new item's id."""
        (self.root / name).write_bytes(data)
        self.workspace.sync("photos")
        return self.id(name)

    def id(self, name: str) -> int:
        return next(i.id for i in self.workspace.items(source="photos") if i.path == name)


# -- media to publish -------------------------------------------------------------------------


def photo(width: int = 1080, height: int = 1080, format: str = "JPEG", seed: int = 0) -> bytes:
    """A real image Pillow encodes (JPEG by default; ``PNG``, ``WEBP``, ``GIF`` too)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), ((seed * 53) % 256, 90, 160)).save(out, format=format)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    import struct

    return struct.pack(">I", 8 + len(payload)) + kind + payload


def movie(
    seconds: float = 10.0,
    width: int = 1080,
    height: int = 1920,
    *,
    size: int = 20_000,
    handler: bytes = b"vide",
    moov_last: bool = False,
    brand: bytes = b"isom",
) -> bytes:
    """An MP4 whose ``moov`` holds ``mvhd`` (the duration) and one track (``tkhd`` size,
    ``hdlr`` handler: ``vide`` video, ``soun`` sound only), padded to ``size`` bytes."""
    import struct

    mvhd = _box(b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, 1000, int(seconds * 1000)))
    tkhd_body = b"\0\0\0\3" + b"\0" * 72 + struct.pack(">II", width << 16, height << 16)
    hdlr = _box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12)
    moov = _box(b"moov", mvhd + _box(b"trak", _box(b"tkhd", tkhd_body) + _box(b"mdia", hdlr)))
    ftyp = _box(b"ftyp", brand + b"\0\0\2\0isomiso2avc1mp41")
    padding = max(size - len(ftyp) - len(moov) - 8, 0)
    mdat = _box(b"mdat", (_PATTERN * (padding // len(_PATTERN) + 1))[:padding])
    return ftyp + (mdat + moov if moov_last else moov + mdat)


_PATTERN = bytes((i * 7) % 251 for i in range(251))


def heic(width: int = 3024, height: int = 4032, *, size: int = 4_000) -> bytes:
    """A HEIC photo as far as its headers go (Pillow cannot write HEIC): ``ftyp`` with the
    ``heic`` brand, then ``meta`` (a full box) holding ``hdlr`` ``pict`` and the ``ispe``
    property (ISO/IEC 23008-12) that gives the size, then ``mdat`` filler."""
    import struct

    ftyp = _box(b"ftyp", b"heic" + b"\0\0\0\0" + b"mif1heic")
    hdlr = _box(b"hdlr", b"\0" * 8 + b"pict" + b"\0" * 13)
    ispe = _box(b"ispe", b"\0\0\0\0" + struct.pack(">II", width, height))
    meta = _box(b"meta", b"\0\0\0\0" + hdlr + _box(b"iprp", _box(b"ipco", ispe)))
    padding = max(size - len(ftyp) - len(meta) - 8, 0)
    return ftyp + meta + _box(b"mdat", _PATTERN[:1] * padding)
