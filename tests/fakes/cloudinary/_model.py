"""The fake's state: stored assets and their derivatives, on disk, behind one lock, and a clock.

Asset bytes live in files under the fake's temporary directory (a few hundred megabytes pass
through without being held in memory); an ``Asset`` keeps the path and what the Upload API
reports about it. Assets are keyed as Cloudinary keys them: resource type, delivery type and
public id together, so ``image/upload/x`` and ``video/upload/x`` are two assets.
"""

from __future__ import annotations

import secrets
import shutil
import string
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "MIB",
    "Answer",
    "ApiError",
    "Asset",
    "AssetKey",
    "Clock",
    "Derived",
    "Removal",
    "RemovalHow",
    "ResourceType",
    "Settings",
    "Store",
    "random_public_id",
]

MIB = 1024 * 1024
ResourceType = Literal["image", "video", "raw"]
RemovalHow = Literal["destroy", "delete_resources", "delete_resources_by_tag"]
AssetKey = tuple[str, str, str]
"""(resource_type, type, public_id)"""

_PUBLIC_ID_CHARS = string.ascii_lowercase + string.digits


class ApiError(Exception):
    """An error answer: ``{"error": {"message": ...}}`` with an HTTP status and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"message": self.message}}


@dataclass(frozen=True)
class Answer:
    """A JSON answer of the API."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Settings:
    """The product environment the fake plays, and the limits it enforces."""

    cloud_name: str
    api_key: str
    api_secret: str
    algorithms: frozenset[str]
    """Signature digests accepted: both by default, as Cloudinary accepts both."""
    request_limit: int
    """Largest file one request may carry (100 MB, chunked or not)."""
    min_chunk_size: int
    """Every chunk but the one ending the file must be at least this big."""
    max_file_size: Mapping[str, int]
    """The plan's largest asset per resource type (none when absent)."""
    video_size: tuple[int, int]
    """Width and height reported for a video whose ``moov`` box gives none."""
    video_duration: float
    """Duration reported for a video whose ``moov`` box gives none."""
    strict_video: bool
    """Refuse videos without a ``moov`` box, as Cloudinary refuses unplayable files."""
    base_url: str = ""
    """``http://127.0.0.1:PORT``, set once the listener is bound."""


class Clock:
    """Real time shifted by ``offset`` seconds; ``advance`` and ``set`` move it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set(self, when: float) -> None:
        self.offset = when - time.time()


def random_public_id(length: int = 20) -> str:
    """Cloudinary's generated public ids are 20 lowercase letters and digits."""
    return "".join(secrets.choice(_PUBLIC_ID_CHARS) for _ in range(length))


@dataclass(eq=False)
class Derived:
    """A derivative of an asset: eager (made at upload) or made when first delivered."""

    transformation: str
    """The transformation as the URL carries it, without the format extension."""
    extension: str
    """The extension its URL ends with (``""``: none)."""
    format: str
    width: int
    height: int
    size: int
    """In bytes."""
    path: Path = field(repr=False)
    eager: bool
    id: str = field(default_factory=lambda: secrets.token_hex(16))

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


@dataclass(eq=False)
class Asset:
    """One stored asset, as the Upload API describes it."""

    public_id: str
    resource_type: ResourceType
    type: str
    format: str | None
    """``None`` for raw assets, whose public id carries the extension."""
    version: int
    created_at: float
    size: int
    """In bytes (the responses' ``bytes``)."""
    etag: str
    width: int | None
    height: int | None
    duration: float | None
    tags: list[str]
    folder: str
    original_filename: str
    path: Path = field(repr=False)
    eager_param: str | None = None
    """The ``eager`` parameter exactly as the upload request carried it."""
    derived: list[Derived] = field(default_factory=list, repr=False)
    asset_id: str = field(default_factory=lambda: secrets.token_hex(16))
    version_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seeded: bool = False
    """Added by the test with ``FakeCloudinary.add``, not uploaded through the API."""

    @property
    def key(self) -> AssetKey:
        return (self.resource_type, self.type, self.public_id)

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class Removal:
    """An asset that left the store, how and when (fake clock)."""

    resource_type: str
    type: str
    public_id: str
    how: RemovalHow
    at: float


class Store:
    """Assets by key, their files, and what was removed; guarded by ``lock``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.assets: dict[AssetKey, Asset] = {}
        self.removed: list[Removal] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-cloudinary-")
        self.root = Path(self._tmp.name)
        self._counter = 0

    def new_path(self, suffix: str = ".bin") -> Path:
        """A fresh file name in the fake's directory (not created)."""
        with self.lock:
            self._counter += 1
            return self.root / f"f{self._counter:06d}{suffix}"

    def next_version(self, previous: int | None = None) -> int:
        """Versions are upload times in seconds, kept increasing for one public id."""
        version = int(self.clock.now())
        return max(version, previous + 1) if previous is not None else version

    def put(self, asset: Asset) -> Asset | None:
        """Stores ``asset``, returning the one it replaced (whose files are removed)."""
        with self.lock:
            old = self.assets.get(asset.key)
            self.assets[asset.key] = asset
        if old is not None:
            _unlink_files(old)
        return old

    def remove(self, key: AssetKey, how: RemovalHow) -> Asset | None:
        with self.lock:
            asset = self.assets.pop(key, None)
            if asset is None:
                return None
            self.removed.append(Removal(*key, how=how, at=self.clock.now()))
        _unlink_files(asset)
        return asset

    def remove_derived(self, asset: Asset) -> int:
        with self.lock:
            derived, asset.derived = asset.derived, []
        for item in derived:
            item.path.unlink(missing_ok=True)
        return len(derived)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self._tmp.cleanup()


def _unlink_files(asset: Asset) -> None:
    asset.path.unlink(missing_ok=True)
    for item in asset.derived:
        item.path.unlink(missing_ok=True)
