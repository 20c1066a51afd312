"""Delivery URLs: how the fake writes them, and the bytes served behind them.

Shape, as the SDK's ``utils.cloudinary_url`` writes it and as upload responses carry it:
``/{cloud}/{resource_type}/{type}/[{transformation}/]v{version}/{public_id}[.{format}]``, on
the fake's own address (``http://127.0.0.1:PORT``; an SDK configured with ``secure=False`` and
``cname="127.0.0.1:PORT"`` builds the same URLs). The version is optional and any version
serves the current bytes (Cloudinary uses it for cache busting). A transformation or an
extension that no stored derivative matches is made on the spot, as Cloudinary derives on first
request. Answers: 200 with the format's ``Content-Type`` (``Range`` honoured), never a redirect;
errors carry the reason in ``x-cld-error``, as Cloudinary's CDN does.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from fakes.cloudinary._model import ApiError, Asset, Derived, Store
from fakes.cloudinary._transform import KNOWN_KEYS, derive, parse_transformation

__all__ = ["CONTENT_TYPES", "Delivery", "Served", "asset_url"]

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
}
_VERSION = re.compile(r"^v\d+$")


def asset_url(base: str, cloud: str, asset: Asset, derived: Derived | None = None) -> str:
    parts = [base, cloud, asset.resource_type, asset.type]
    if derived is not None and derived.transformation:
        parts.append(derived.transformation)
    parts.append(f"v{asset.version}")
    extension = derived.extension if derived is not None else (asset.format or "")
    name = quote(asset.public_id, safe="/")
    return "/".join(parts) + "/" + name + (f".{extension}" if extension else "")


@dataclass(frozen=True)
class Served:
    status: int
    headers: dict[str, str]
    path: Path | None = None
    start: int = 0
    length: int = 0
    text: bytes = field(default=b"", repr=False)


def _looks_like_step(segment: str) -> bool:
    parts = segment.split(",")
    return all(p.partition("_")[0] in KNOWN_KEYS and "_" in p for p in parts)


class Delivery:
    def __init__(self, store: Store, cloud_name: str) -> None:
        self.store = store
        self.cloud_name = cloud_name

    def serve(self, path: str, range_header: str | None) -> Served:
        segments = [unquote(s) for s in path.split("/") if s]
        if len(segments) < 4 or segments[0] != self.cloud_name:
            return _error(404, "Resource not found")
        _, resource_type, delivery_type, *rest = segments
        steps: list[str] = []
        while rest and _looks_like_step(rest[0]):
            steps.append(rest.pop(0))
        if rest and _VERSION.match(rest[0]):
            rest.pop(0)
        name = "/".join(rest)
        found = self._find(resource_type, delivery_type, name)
        if found is None:
            return _error(404, f"Resource not found - {name}")
        asset, extension = found
        if asset.type != "upload":
            return _error(401, f"Unauthorized - {asset.type} asset needs a signed URL")
        try:
            item = self._variant(asset, "/".join(steps), extension)
        except ApiError as error:
            return _error(400, error.message)
        if item is None:
            return _file(asset.path, asset.format, asset.public_id, range_header)
        return _file(item.path, item.format, asset.public_id, range_header)

    def _find(self, resource_type: str, delivery_type: str, name: str) -> tuple[Asset, str] | None:
        with self.store.lock:
            asset = self.store.assets.get((resource_type, delivery_type, name))
            if asset is not None:
                return asset, asset.format or ""
            stem, dot, extension = name.rpartition(".")
            if dot and "/" not in extension:
                asset = self.store.assets.get((resource_type, delivery_type, stem))
                if asset is not None and asset.resource_type != "raw":
                    return asset, extension
        return None

    def _variant(self, asset: Asset, steps: str, extension: str) -> Derived | None:
        """The derivative to serve, made now if none matches; ``None`` for the original."""
        if not steps and extension in ("", asset.format):
            return None
        with self.store.lock:
            for item in asset.derived:
                if item.transformation == steps and item.extension == extension:
                    return item
        transformation = parse_transformation(steps, extension)
        made = derive(transformation, asset, self.store.new_path(), eager=False)
        with self.store.lock:
            asset.derived.append(made)
        return made


def _error(status: int, reason: str) -> Served:
    headers = {"Content-Type": "text/plain; charset=utf-8", "x-cld-error": reason}
    return Served(status, headers, text=reason.encode("utf-8"))


def _content_type(fmt: str | None, public_id: str) -> str:
    if fmt in CONTENT_TYPES:
        return CONTENT_TYPES[fmt]
    guessed, _ = mimetypes.guess_type(public_id)
    return guessed or "application/octet-stream"


def _file(path: Path, fmt: str | None, public_id: str, range_header: str | None) -> Served:
    total = path.stat().st_size
    headers = {"Content-Type": _content_type(fmt, public_id), "Accept-Ranges": "bytes"}
    if range_header is None:
        return Served(200, headers, path, 0, total)
    unit, _, spec = range_header.partition("=")
    first, _, last = spec.strip().partition("-")
    if unit.strip() != "bytes" or "," in spec or not (first.isdigit() or last.isdigit()):
        return Served(200, headers, path, 0, total)
    if first.isdigit():
        start = int(first)
        end = min(int(last), total - 1) if last.isdigit() else total - 1
    else:
        start, end = max(0, total - int(last)), total - 1
    if start >= total or start > end:
        return Served(416, {**headers, "Content-Range": f"bytes */{total}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    return Served(206, headers, path, start, end - start + 1)
