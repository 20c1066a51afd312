"""A loopback fake of Cloudinary (Upload API, Admin API, delivery) for the real ``cloudinary`` SDK.

Usage::

    with FakeCloudinary() as cloud:
        cloudinary.config(**cloud.sdk_config())          # upload_prefix, cname, secure=False
        result = cloudinary.uploader.upload(path, tags=["staging"], eager=[{"fetch_format": "jpg"}])
        assert cloud.requests_to("upload")[-1].param("eager") == "f_jpg"
        cloud.backdate(2 * DAY)                          # every stored asset is two days old
        cloud.fail_next("destroy", status=500)           # faults on demand
        assert cloud.leftovers() == []                   # nothing left staged
        cloudinary.reset_config()

One listener on 127.0.0.1 serves the API under ``/v1_1/{cloud}/`` (where the SDK sends every
Upload and Admin API call once ``upload_prefix`` is the fake's address: ``utils.base_api_url``
and ``api_client.call_api._call_api`` both put ``upload_prefix`` before ``/v1_1/{cloud}``) and
the stored bytes under ``/{cloud}/{resource_type}/{type}/…`` (see ``_delivery``). ``calls``
counts requests per endpoint (``upload``, ``destroy``, ``ping``, ``usage``, ``resources``,
``resource``, ``resources_by_tag``, ``delete_resources``, ``delete_resources_by_tag``,
``delivery``, ``unknown``); ``requests`` logs them with their parameters exactly as received.

Documented facts the fake follows (Cloudinary documentation, read for this fake):

- Signatures ("Generating authentication signatures"; "Signatures"): all parameters but
  ``file``, ``cloud_name``, ``resource_type`` and ``api_key``, with ``timestamp``, sorted,
  ``name=value`` joined by ``&``, array values joined by commas, the API secret appended,
  SHA-1 or SHA-256 hex digest; both digests accepted unless the account is limited to SHA-256
  (support article "Why am I getting Invalid Signature errors"). A signature is valid for one
  hour. Errors: 401 ``Invalid Signature <sig>. String to sign - '<string>'.``, 400 ``Stale
  request - reported time is <UTC time> +0000 which is more than 1 hour ago``, 401 ``Unknown API
  key <key>`` (messages as Cloudinary returns them in the issues of its SDKs). Sanity check from
  the support article: signing ``public_id=sample_image&timestamp=1315060510`` with secret
  ``abcd`` gives ``b4ad47fb4e25c7bf5f92a20089f9db59bc302313``.
- Upload API reference: ``POST /v1_1/{cloud}/{image|video|raw|auto}/upload`` with a multipart
  file or a remote URL (``file`` as text; ``data:`` URIs too); response fields ``asset_id,
  public_id, version, version_id, signature, width, height, format, resource_type, created_at,
  tags, bytes, type, etag, placeholder, url, secure_url, folder, access_mode,
  original_filename, api_key`` and ``eager`` (each with ``transformation, width, height, bytes,
  format, url, secure_url``), ``duration`` for videos; raw assets have no width, height or format
  and their generated public id keeps the file's extension; ``eager`` is left out of the answer
  with ``eager_async`` ("eager entries appear in the result only when eager_async=False", the
  SDK's own docs). Re-uploading a public id replaces it and keeps its ``asset_id``;
  ``overwrite=false`` returns the existing asset with ``existing: true``. The response
  signature is the hash of ``public_id=…&version=…`` plus the secret ("Verifying signatures").
- Size limits (the SDK's docs, "Size limits"): 100 MB per request, chunked or not, and the
  plan's largest asset per resource type (none by default; ``plan_limits=FREE_PLAN_LIMITS``
  for a free plan's), both answering 400 ``File size too large. Got N. Maximum is M.``.
- Chunked uploads (support article "Guidelines for self implementing chunked upload"; the
  SDK's docs "Upload a large video"): one ``X-Unique-Upload-Id`` for all parts,
  ``Content-Range: bytes a-b/total`` on each, every part but the last at least 5 MB, the last
  sent after the others returned; non-final parts answer ``{"done": false, "bytes": …}`` (see
  ``_upload``). ``upload_large`` defaults to ``resource_type="raw"`` (``upload_large_part``).
- Destroy: ``POST /v1_1/{cloud}/{resource_type}/destroy``, signed, answers 200 ``{"result":
  "ok"}`` or ``{"result": "not found"}``; the resource type and type must match the asset's
  (a video destroyed as an image is "not found" and stays; support answers in the SDKs' issues).
- Admin API: Basic authentication, rate limit headers and 420, listing and deletion limits,
  cursors (see ``_admin``); ``GET /v1_1/{cloud}/ping`` answers ``{"status": "ok"}``.
- Errors are ``{"error": {"message": …}}`` with an HTTP status the SDK maps to an exception
  (400, 401, 403, 404, 409, 420, 429, 500, 503: ``api_client/execute_request.py``); delivery
  errors carry ``x-cld-error`` ("Diagnosing error codes" tutorial). ``Invalid image file`` for
  an image upload that is not one, and ``Resource not found - <url>`` for a remote URL that
  cannot be fetched, are from the SDK's own troubleshooting docs.
- Eager and incoming transformations: see ``_transform``; ``f_jpg`` from an image or a video
  makes a real JPEG of the right size.

Where the documentation is silent the fake takes the stricter reading, and says so:

- only signature version 2 strings (``&`` in a value written ``%26``) are accepted;
- the timestamp is checked against the fake's clock: after ``advance``-ing it past an hour,
  signed calls are stale, as with a client whose clock is off; age assets with ``backdate``;
- a chunk that overlaps another, does not match its ``Content-Range``, changes the total, or
  ends the file before the others arrived is refused with 400 and nothing is stored; a
  ``public_id`` named by the first part holds for the whole upload;
- ``max_results`` above 500 is refused (400), not capped; a cursor from another query, or a
  forged one, is refused; tags appear in listings only when asked for with ``tags=true``;
- a transformation the fake cannot apply is refused with 400 "Unsupported by the fake
  Cloudinary"; invalid components answer 400 ``Invalid transformation component - …``;
- the fake recognises only JPEG, PNG, GIF, WebP and HEIC images and ISO media (MP4, MOV) and WebM
  videos; anything else uploaded as a video is ``Unsupported video format or file`` (the
  message Cloudinary gives an unplayable MP4); ``strict_video`` also refuses an MP4 without a
  ``moov`` box, as Cloudinary does, but is off by default because ``media_factory``'s test
  videos have none;
- a derivative's URL ends in the eager item's ``/ext`` when it has one, else in the original's
  extension: ``f_jpg`` alone on a video is a JPEG at a ``.mp4`` URL (served as ``image/jpeg``);
  ``{"fetch_format": "jpg", "format": "jpg"}`` (``f_jpg/jpg``) gives a ``.jpg`` URL;
- ``eager_async`` derivatives are ready at once (only the answer leaves them out);
- ``secure_url`` is the fake's plain ``http://`` address, like ``url``: the fake serves no TLS;
- status and wording of errors the documentation does not give (a stale request's 400, a
  missing parameter's ``Missing required parameter - …``, chunk errors, 420's "Rate Limit
  Exceeded") are the fake's own.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from fakes.cloudinary._admin import AdminApi, RateLimit
from fakes.cloudinary._codecs import write_grey_jpeg, write_grey_png
from fakes.cloudinary._faults import ENDPOINTS, Fault, FaultKind, Faults
from fakes.cloudinary._model import (
    MIB,
    Asset,
    Clock,
    Derived,
    Removal,
    ResourceType,
    Settings,
    Store,
    random_public_id,
)
from fakes.cloudinary._probe import probe
from fakes.cloudinary._server import CloudinaryServer, RequestRecord
from fakes.cloudinary._upload import ChunkRecord, UploadApi, describe

__all__ = [
    "DAY",
    "ENDPOINTS",
    "FREE_PLAN_LIMITS",
    "MIB",
    "Asset",
    "ChunkRecord",
    "Derived",
    "FakeCloudinary",
    "Removal",
    "RequestRecord",
    "write_grey_jpeg",
    "write_grey_png",
]

DAY = 86_400
FREE_PLAN_LIMITS: Mapping[str, int] = {"image": 10 * MIB, "video": 100 * MIB, "raw": 10 * MIB}
"""The free plan's largest asset per resource type: 10 MB images (support article "Do you have a
file size limit?"), 100 MB videos and 10 MB raw files as commonly stated for the free plan. A
real account reports its own in ``cloudinary.api.usage()["media_limits"]``."""


class FakeCloudinary:
    """The fake product environment, its listener, and helpers to shape and inspect it."""

    def __init__(
        self,
        *,
        cloud_name: str = "mediasync-fake",
        api_key: str = "614335564976464",
        api_secret: str | None = None,
        plan_limits: Mapping[str, int] | None = None,
        request_limit: int = 100 * MIB,
        min_chunk_size: int = 5_000_000,
        admin_rate_limit: int = 500,
        signature_algorithms: Iterable[str] = ("sha1", "sha256"),
        video_size: tuple[int, int] = (1280, 720),
        video_duration: float = 10.0,
        strict_video: bool = False,
    ) -> None:
        self.clock = Clock()
        self.store = Store(self.clock)
        self.settings = Settings(
            cloud_name=cloud_name,
            api_key=api_key,
            api_secret=api_secret or secrets.token_urlsafe(20),
            algorithms=frozenset(signature_algorithms),
            request_limit=request_limit,
            min_chunk_size=min_chunk_size,
            max_file_size=dict(plan_limits or {}),
            video_size=video_size,
            video_duration=video_duration,
            strict_video=strict_video,
        )
        self.faults = Faults()
        self.uploads = UploadApi(self.store, self.settings)
        self.admin = AdminApi(self.store, self.settings, RateLimit(admin_rate_limit))
        self.server = CloudinaryServer(
            self.store, self.settings, self.uploads, self.admin, self.faults
        )
        self.settings.base_url = self.server.base_url

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeCloudinary:
        self.server.start()
        return self

    def stop(self) -> None:
        """Stops the listener and deletes every stored file."""
        self.server.stop()
        self.store.close()

    def __enter__(self) -> FakeCloudinary:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- how a client reaches it -------------------------------------------------------------

    @property
    def cloud_name(self) -> str:
        return self.settings.cloud_name

    @property
    def api_key(self) -> str:
        return self.settings.api_key

    @property
    def api_secret(self) -> str:
        return self.settings.api_secret

    @property
    def upload_prefix(self) -> str:
        """``http://127.0.0.1:PORT``: the SDK's ``upload_prefix``, and the delivery host."""
        return self.server.base_url

    @property
    def cname(self) -> str:
        """``127.0.0.1:PORT``: with ``secure=False``, ``cloudinary_url`` builds URLs to the fake."""
        return self.server.base_url.removeprefix("http://")

    @property
    def url(self) -> str:
        """``cloudinary://key:secret@cloud``, the form of ``CLOUDINARY_URL``."""
        return f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}"

    @property
    def url_with_prefix(self) -> str:
        """``url`` with ``?upload_prefix=…``: as ``CLOUDINARY_URL`` it configures the SDK fully."""
        return f"{self.url}?upload_prefix={self.upload_prefix}"

    def sdk_config(self) -> dict[str, Any]:
        """Keyword arguments for ``cloudinary.config``."""
        return {
            "cloud_name": self.cloud_name,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "upload_prefix": self.upload_prefix,
            "secure": False,
            "cname": self.cname,
        }

    # -- time --------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Moves the fake's clock (and so the hour a signature is checked against)."""
        self.clock.advance(seconds)

    def backdate(self, seconds: float, *assets: Asset) -> None:
        """Makes ``assets`` (default: every stored one) ``seconds`` older."""
        with self.store.lock:
            for asset in assets or tuple(self.store.assets.values()):
                asset.created_at -= seconds

    # -- what is stored ----------------------------------------------------------------------

    @property
    def assets(self) -> list[Asset]:
        """Every stored asset, oldest first."""
        with self.store.lock:
            return sorted(self.store.assets.values(), key=lambda a: a.created_at)

    def asset(
        self, public_id: str, resource_type: ResourceType = "image", type: str = "upload"
    ) -> Asset | None:
        with self.store.lock:
            return self.store.assets.get((resource_type, type, public_id))

    def leftovers(self) -> list[Asset]:
        """Uploaded assets never destroyed (``add``-ed ones are the test's own business)."""
        return [asset for asset in self.assets if not asset.seeded]

    @property
    def removed(self) -> list[Removal]:
        with self.store.lock:
            return list(self.store.removed)

    def add(
        self,
        data: bytes,
        public_id: str | None = None,
        *,
        resource_type: ResourceType = "image",
        tags: Iterable[str] = (),
        created_at: float | None = None,
        type: str = "upload",
    ) -> Asset:
        """Stores an asset behind the client's back (as if uploaded earlier, elsewhere)."""
        path = self.store.new_path()
        path.write_bytes(data)
        found = probe(path)
        width, height = found.width, found.height
        if resource_type == "video":
            width = width or self.settings.video_size[0]
            height = height or self.settings.video_size[1]
        asset = Asset(
            public_id=public_id or random_public_id(),
            resource_type=resource_type,
            type=type,
            format=found.format if resource_type != "raw" else None,
            version=self.store.next_version(),
            created_at=self.clock.now() if created_at is None else created_at,
            size=len(data),
            etag=hashlib.md5(data).hexdigest(),
            width=width if resource_type != "raw" else None,
            height=height if resource_type != "raw" else None,
            duration=self.settings.video_duration if resource_type == "video" else None,
            tags=list(tags),
            folder=(public_id or "").rpartition("/")[0],
            original_filename="file",
            path=path,
            seeded=True,
        )
        self.store.put(asset)
        return asset

    def describe(self, asset: Asset) -> dict[str, Any]:
        """What an upload of ``asset`` answers (its URLs included)."""
        return describe(asset, self.settings)

    # -- what happened -----------------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        return self.server.calls

    @property
    def requests(self) -> list[RequestRecord]:
        with self.server.record_lock:
            return list(self.server.requests)

    def requests_to(self, endpoint: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def reset_log(self) -> None:
        with self.server.record_lock:
            self.server.calls.clear()
            self.server.requests.clear()

    @property
    def chunks(self) -> list[ChunkRecord]:
        """Every accepted part of every chunked upload, in arrival order."""
        with self.store.lock:
            return list(self.uploads.chunks)

    def open_chunked_uploads(self) -> list[str]:
        """Upload ids of chunked uploads begun and never completed."""
        with self.store.lock:
            return list(self.uploads.sessions)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of the fake's own failures (answered 500): a test should see none."""
        return list(self.server.internal_errors)

    # -- faults and limits -------------------------------------------------------------------

    def fail_next(
        self,
        endpoint: str = "*",
        status: int = 500,
        message: str | None = None,
        *,
        times: int = 1,
        kind: FaultKind = "error",
        delay: float = 0.5,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> None:
        """The next ``times`` requests to ``endpoint`` (``"*"``: any API endpoint) fail.

        ``kind`` says how (see ``_faults``): ``"error"`` answers ``status`` with ``message``
        (420/429 with ``X-FeatureRateLimit-*`` headers), ``"html"`` a 502 page, ``"malformed"``
        a 200 whose JSON is cut off (or is ``body``), ``"drop"`` closes the connection,
        ``"slow"`` waits ``delay`` seconds then answers normally.
        """
        fault = Fault(kind, status, message, delay, tuple((headers or {}).items()), body)
        self.faults.add(endpoint, fault, times)

    def set_admin_allowance(
        self, *, remaining: int | None = None, limit: int | None = None
    ) -> None:
        """Shapes this hour's Admin API allowance; at 0 remaining the next call is a 420."""
        with self.store.lock:
            rate = self.admin.rate
            rate.roll(self.clock.now())
            if limit is not None:
                rate.limit = limit
            if remaining is not None:
                rate.used = max(rate.limit - remaining, 0)
