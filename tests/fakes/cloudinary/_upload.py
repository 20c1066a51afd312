"""The Upload API: ``POST /v1_1/{cloud}/{resource_type}/upload`` (whole, chunked) and ``destroy``.

Authentication: a signature (see ``_signing``) with ``api_key`` and ``timestamp`` among the
parameters, or HTTP Basic ``api_key:api_secret`` (the Upload API reference's "Basic
Authentication"). A request with neither is an unsigned upload, which needs an upload preset;
the fake has none.

Chunked uploads ("Guidelines for self implementing chunked upload"): every part carries the
same ``X-Unique-Upload-Id`` and its own ``Content-Range: bytes a-b/total``; every part but the
one ending the file is at least 5 MB; the part ending the file must arrive after all the others
returned. Parts are written at their offsets in one file; an overlap, a size that does not match
the range, or a total that changes is refused. Until the file is complete each part answers
``{"done": false, "bytes": received}`` plus the ``public_id`` and ``resource_type`` when already
known (Cloudinary's OpenAPI description: fields not yet determined are omitted); the last part
answers the full upload response.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from fakes.cloudinary._delivery import asset_url
from fakes.cloudinary._model import (
    Answer,
    ApiError,
    Asset,
    Derived,
    ResourceType,
    Settings,
    Store,
    random_public_id,
)
from fakes.cloudinary._multipart import PIECE, Form, copy_range
from fakes.cloudinary._probe import Probe, probe
from fakes.cloudinary._signing import matches, response_signature, string_to_sign
from fakes.cloudinary._transform import derive, parse_eager, parse_transformation

__all__ = ["ChunkRecord", "ChunkSession", "UploadApi", "describe", "iso_time"]

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_STALE_AFTER = 3600
_KIND_NAMES = {"image": "Image", "video": "Video", "raw": "Raw"}
_STORED: dict[str, ResourceType] = {"image": "image", "video": "video", "raw": "raw"}


def iso_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class ChunkRecord:
    """One accepted part of a chunked upload."""

    upload_id: str
    start: int
    end: int
    total: int

    @property
    def size(self) -> int:
        return self.end - self.start + 1


@dataclass
class ChunkSession:
    """A chunked upload in progress."""

    upload_id: str
    total: int
    path: Path
    public_id: str | None
    filename: str | None
    ranges: list[tuple[int, int]] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(end - start + 1 for start, end in self.ranges)


def describe(
    asset: Asset,
    settings: Settings,
    *,
    eager: list[Derived] | None = None,
    eager_texts: list[str] | None = None,
    existing: bool = False,
) -> dict[str, Any]:
    """The upload response for ``asset`` (the Upload API reference's sample response)."""
    url = asset_url(settings.base_url, settings.cloud_name, asset)
    algorithm = "sha1" if "sha1" in settings.algorithms else "sha256"
    body: dict[str, Any] = {
        "asset_id": asset.asset_id,
        "public_id": asset.public_id,
        "version": asset.version,
        "version_id": asset.version_id,
        "signature": response_signature(
            asset.public_id, asset.version, settings.api_secret, algorithm
        ),
    }
    if asset.resource_type != "raw":
        body.update(width=asset.width, height=asset.height, format=asset.format)
    body.update(
        resource_type=asset.resource_type,
        created_at=iso_time(asset.created_at),
        tags=list(asset.tags),
        bytes=asset.size,
        type=asset.type,
        etag=asset.etag,
        placeholder=False,
        url=url,
        secure_url=url,
        folder=asset.folder,
        access_mode="public",
        original_filename=asset.original_filename,
        api_key=settings.api_key,
    )
    if asset.resource_type == "video":
        body["duration"] = asset.duration
    if existing:
        body["existing"] = True
    if eager is not None:
        texts = eager_texts or [item.transformation for item in eager]
        body["eager"] = [
            {
                "transformation": text,
                "width": item.width,
                "height": item.height,
                "bytes": item.size,
                "format": item.format,
                "url": asset_url(settings.base_url, settings.cloud_name, asset, item),
                "secure_url": asset_url(settings.base_url, settings.cloud_name, asset, item),
            }
            for text, item in zip(texts, eager, strict=True)
        ]
    return body


class UploadApi:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.sessions: dict[str, ChunkSession] = {}
        self.chunks: list[ChunkRecord] = []

    # -- authentication ----------------------------------------------------------------------

    def authenticate(self, form: Form, basic: tuple[str, str] | None) -> str:
        """``"basic"`` or ``"signature"``; raises the error Cloudinary answers otherwise."""
        settings = self.settings
        if basic is not None:
            key, secret = basic
            if key != settings.api_key:
                raise ApiError(401, f"Unknown API key {key}")
            if secret != settings.api_secret:
                raise ApiError(401, "api_secret mismatch")
            return "basic"
        api_key = form.first("api_key")
        if not api_key:
            if form.first("upload_preset"):
                raise ApiError(400, f"Upload preset {form.first('upload_preset')} not found")
            raise ApiError(400, "Upload preset must be specified when using unsigned upload")
        if api_key != settings.api_key:
            raise ApiError(401, f"Unknown API key {api_key}")
        signature = form.first("signature") or ""
        timestamp = form.first("timestamp")
        if not signature or not timestamp:
            missing = "signature" if not signature else "timestamp"
            raise ApiError(400, f"Missing required parameter - {missing}")
        text = string_to_sign(form.fields)
        if not matches(signature, text, settings.api_secret, settings.algorithms):
            raise ApiError(401, f"Invalid Signature {signature}. String to sign - '{text}'.")
        try:
            reported = int(timestamp)
        except ValueError:
            raise ApiError(400, f"Invalid timestamp {timestamp}") from None
        if self.store.clock.now() - reported > _STALE_AFTER:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(reported))
            raise ApiError(
                400, f"Stale request - reported time is {stamp} +0000 which is more than 1 hour ago"
            )
        return "signature"

    # -- upload ------------------------------------------------------------------------------

    def upload(
        self, resource_type: str, form: Form, body: Path, headers: Mapping[str, str]
    ) -> Answer:
        eager = form.first("eager")
        if eager:
            parse_eager(eager)  # a malformed eager fails before anything is stored
        upload_id = headers.get("x-unique-upload-id")
        if upload_id is not None:
            return self._chunk(resource_type, form, body, upload_id, headers.get("content-range"))
        source, filename = self._source(form, body, resource_type)
        return self._finish(resource_type, form, source, filename, form.first("public_id"))

    def _too_large(self, size: int, limit: int) -> ApiError:
        return ApiError(400, f"File size too large. Got {size}. Maximum is {limit}.")

    def _source(self, form: Form, body: Path, resource_type: str) -> tuple[Path, str]:
        """The uploaded bytes in a file of their own, and the original file name."""
        target = self.store.new_path()
        part = form.file
        if part is not None:
            if part.length > self.settings.request_limit:
                raise self._too_large(part.length, self.settings.request_limit)
            with target.open("wb") as out:
                copy_range(body, part.offset, part.length, out)
            return target, part.filename or "file"
        location = form.first("file")
        if not location:
            raise ApiError(400, "Missing required parameter - file")
        if location.startswith("data:"):
            return _write_data_uri(location, target), "file"
        if urlsplit(location).scheme in {"http", "https"}:
            self._fetch(location, target, resource_type)
            return target, PurePosixPath(unquote(urlsplit(location).path)).name or "file"
        raise ApiError(400, f"Unsupported source URL: {location}")

    def _fetch(self, url: str, target: Path, resource_type: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response, target.open("wb") as out:
                html = response.headers.get_content_type() == "text/html"
                shutil.copyfileobj(response, out, PIECE)
        except (urllib.error.URLError, OSError, ValueError):
            target.unlink(missing_ok=True)
            raise ApiError(400, f"Resource not found - {url}") from None
        if html and resource_type != "raw":
            target.unlink(missing_ok=True)
            raise ApiError(400, f"Resource not found - Error in loading {url} - HTML response")

    # -- chunked upload ----------------------------------------------------------------------

    def _chunk(
        self, resource_type: str, form: Form, body: Path, upload_id: str, content_range: str | None
    ) -> Answer:
        match = _RANGE.match(content_range or "")
        if match is None:
            raise ApiError(400, f"Invalid Content-Range header: {content_range}")
        start, end, total = (int(g) for g in match.groups())
        if start > end or end >= total:
            raise ApiError(400, f"Invalid Content-Range header: {content_range}")
        part = form.file
        if part is None:
            raise ApiError(400, "Missing required parameter - file")
        size = end - start + 1
        if part.length != size:
            raise ApiError(
                400, f"Content-Range {content_range} does not match the {part.length} bytes sent"
            )
        if size > self.settings.request_limit:
            raise self._too_large(size, self.settings.request_limit)
        ends_file = end == total - 1
        if not ends_file and size < self.settings.min_chunk_size:
            raise ApiError(
                400,
                f"Chunk of {size} bytes is too small: every chunk but the last must be at least "
                f"{self.settings.min_chunk_size} bytes",
            )
        session = self._claim(upload_id, start, end, total, form, part.filename)
        with session.path.open("r+b") as out:
            out.seek(start)
            copy_range(body, part.offset, part.length, out)
        with self.store.lock:
            self.chunks.append(ChunkRecord(upload_id, start, end, total))
            received = session.received
            if received == total or ends_file:
                self.sessions.pop(upload_id, None)
        if received < total:
            if ends_file:
                session.path.unlink(missing_ok=True)
                raise ApiError(
                    400,
                    "The chunk ending the file arrived before the others were complete: "
                    "it must be sent last",
                )
            ack: dict[str, Any] = {"done": False, "bytes": received}
            if session.public_id:
                ack["public_id"] = session.public_id
            if resource_type != "auto":
                ack["resource_type"] = resource_type
            return Answer(200, ack)
        public_id = session.public_id or form.first("public_id")
        return self._finish(
            resource_type, form, session.path, session.filename or "file", public_id
        )

    def _claim(
        self, upload_id: str, start: int, end: int, total: int, form: Form, filename: str | None
    ) -> ChunkSession:
        """The upload's session (opened by its first part), with ``start-end`` reserved."""
        with self.store.lock:
            session = self.sessions.get(upload_id)
            if session is None:
                path = self.store.new_path()
                path.touch()
                session = ChunkSession(upload_id, total, path, form.first("public_id"), filename)
                self.sessions[upload_id] = session
            if session.total != total:
                raise ApiError(
                    400, f"Content-Range total {total} differs from this upload's {session.total}"
                )
            named = form.first("public_id")
            if named and session.public_id and named != session.public_id:
                raise ApiError(400, f"public_id {named} differs from this upload's")
            for seen_start, seen_end in session.ranges:
                if start <= seen_end and seen_start <= end:
                    raise ApiError(400, f"Chunk {start}-{end} overlaps bytes already received")
            session.ranges.append((start, end))
            return session

    # -- storing -----------------------------------------------------------------------------

    def _finish(
        self,
        url_type: str,
        form: Form,
        source: Path,
        filename: str,
        public_id: str | None,
    ) -> Answer:
        try:
            return self._store(url_type, form, source, filename, public_id)
        except BaseException:
            source.unlink(missing_ok=True)
            raise

    def _kind(self, url_type: str, found: Probe) -> ResourceType:
        if url_type == "auto":
            return found.kind
        if url_type == "image" and found.kind != "image":
            raise ApiError(400, "Invalid image file")
        if url_type == "video" and (
            found.kind != "video" or (self.settings.strict_video and not found.has_movie_header)
        ):
            raise ApiError(400, "Unsupported video format or file")
        return _STORED[url_type]

    def _public_id(self, kind: str, form: Form, filename: str, given: str | None) -> str:
        stem, dot, extension = PurePosixPath(filename).name.rpartition(".")
        if not dot:
            stem, extension = extension, ""
        if given:
            public_id = given
        elif _truthy(form.first("use_filename"), False) and stem:
            unique = _truthy(form.first("unique_filename"), True)
            public_id = stem + (f"_{random_public_id(6)}" if unique else "")
        else:
            public_id = random_public_id()
            if kind == "raw" and extension:
                public_id += f".{extension}"
        folder = (form.first("folder") or "").strip("/")
        return f"{folder}/{public_id}" if folder else public_id

    def _store(
        self, url_type: str, form: Form, source: Path, filename: str, given_id: str | None
    ) -> Answer:
        settings = self.settings
        found = probe(source)
        kind = self._kind(url_type, found)
        size = source.stat().st_size
        limit = settings.max_file_size.get(kind)
        if limit is not None and size > limit:
            raise self._too_large(size, limit)
        fmt = found.format if kind != "raw" else None
        allowed = [f.strip() for f in (form.first("allowed_formats") or "").split(",") if f]
        shown = fmt or PurePosixPath(filename).suffix.lstrip(".")
        if allowed and shown not in allowed:
            raise ApiError(400, f"{_KIND_NAMES[kind]} file format {shown} not allowed")
        public_id = self._public_id(kind, form, filename, given_id)
        delivery_type = form.first("type") or "upload"
        with self.store.lock:
            old = self.store.assets.get((kind, delivery_type, public_id))
        if old is not None and not _truthy(form.first("overwrite"), True):
            source.unlink(missing_ok=True)
            return Answer(200, describe(old, settings, existing=True))
        width, height, duration = found.width, found.height, found.duration
        if kind == "video":
            width = width or settings.video_size[0]
            height = height or settings.video_size[1]
            duration = duration if duration is not None else settings.video_duration
        asset = Asset(
            public_id=public_id,
            resource_type=kind,
            type=delivery_type,
            format=fmt,
            version=self.store.next_version(old.version if old else None),
            created_at=self.store.clock.now(),
            size=size,
            etag="",
            width=width if kind != "raw" else None,
            height=height if kind != "raw" else None,
            duration=duration if kind == "video" else None,
            tags=_tags(form),
            folder=public_id.rpartition("/")[0],
            original_filename=PurePosixPath(filename).stem or "file",
            path=source,
            eager_param=form.first("eager"),
        )
        if old is not None:
            asset.asset_id = old.asset_id
        asset = self._incoming(asset, form)
        asset.etag = _md5(asset.path)
        asset.size = asset.path.stat().st_size
        eager_items = parse_eager(asset.eager_param) if asset.eager_param else []
        made: list[Derived] = []
        try:
            for item in eager_items:
                made.append(derive(item, asset, self.store.new_path(), eager=True))
        except BaseException:
            for derived in made:
                derived.path.unlink(missing_ok=True)
            raise
        asset.derived = made
        self.store.put(asset)
        show_eager = eager_items and not _truthy(form.first("eager_async"), False)
        texts = [item.text for item in eager_items]
        answer = describe(asset, settings, eager=made if show_eager else None, eager_texts=texts)
        return Answer(200, answer)

    def _incoming(self, asset: Asset, form: Form) -> Asset:
        """Applies an incoming ``transformation``/``format``: the stored original changes."""
        text = form.first("transformation") or ""
        fmt = form.first("format") or None
        if not text and (fmt is None or fmt == asset.format):
            return asset
        transformation = parse_transformation(text, fmt)
        made = derive(transformation, asset, self.store.new_path(), eager=False)
        asset.path.unlink(missing_ok=True)
        return replace(
            asset, path=made.path, format=made.format, width=made.width, height=made.height
        )

    # -- destroy -----------------------------------------------------------------------------

    def destroy(self, resource_type: str, form: Form) -> Answer:
        public_id = form.first("public_id")
        if not public_id:
            raise ApiError(400, "Missing required parameter - public_id")
        delivery_type = form.first("type") or "upload"
        removed = self.store.remove((resource_type, delivery_type, public_id), "destroy")
        return Answer(200, {"result": "ok" if removed is not None else "not found"})


def _tags(form: Form) -> list[str]:
    values = form.fields.get("tags", []) + form.fields.get("tags[]", [])
    return [tag.strip() for tag in ",".join(values).split(",") if tag.strip()]


def _write_data_uri(location: str, target: Path) -> Path:
    header, _, payload = location.partition(",")
    if not header.endswith(";base64"):
        raise ApiError(400, "Invalid data URI: only base64 data URIs are supported")
    try:
        target.write_bytes(base64.b64decode(payload, validate=False))
    except (binascii.Error, ValueError):
        raise ApiError(400, "Invalid data URI") from None
    return target


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        while piece := handle.read(PIECE):
            digest.update(piece)
    return digest.hexdigest()
