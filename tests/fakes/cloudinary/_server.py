"""The loopback listener: routes, request log, per-endpoint counters and injected faults.

One threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port serves the API under
``/v1_1/{cloud}/…`` (what the SDK calls once ``upload_prefix`` is the fake's address) and
delivery under ``/{cloud}/…``. Every request body is spooled to disk before anything else, so a
refused upload still reads its body and keep-alive connections stay usable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fakes.cloudinary._admin import AdminApi, Params
from fakes.cloudinary._delivery import Delivery, Served
from fakes.cloudinary._faults import CUT_OFF_JSON, Fault, Faults
from fakes.cloudinary._model import Answer, ApiError, Settings, Store
from fakes.cloudinary._multipart import PIECE, BodyError, Form, parse_form, spool_body
from fakes.cloudinary._upload import UploadApi

__all__ = ["CloudinaryServer", "RequestRecord"]

_HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center></body></html>"
)
_UPLOAD_TYPES = frozenset({"image", "video", "raw", "auto"})
_STORED_TYPES = frozenset({"image", "video", "raw"})
_KEPT_HEADERS = ("content-range", "x-unique-upload-id", "range", "content-type")


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it (the Basic credentials are never kept)."""

    endpoint: str
    method: str
    path: str
    status: int
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Form fields, query or JSON parameters, exactly as received (``public_ids[]`` keeps its
    brackets)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """``content-range``, ``x-unique-upload-id``, ``range`` and ``content-type``, lower-case."""
    file_name: str | None = None
    file_size: int | None = None
    auth: str | None = None
    """``"signature"`` or ``"basic"`` once authenticated."""
    fault: str | None = None
    at: float = 0.0

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class _Exchange:
    """What one request carried and how it was answered, filled in as handling goes."""

    endpoint: str = "unknown"
    form: Form = field(default_factory=Form)
    auth: str | None = None
    fault: Fault | None = None


class CloudinaryServer:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        uploads: UploadApi,
        admin: AdminApi,
        faults: Faults,
    ) -> None:
        self.store = store
        self.settings = settings
        self.uploads = uploads
        self.admin = admin
        self.faults = faults
        self.delivery = Delivery(store, settings.cloud_name)
        self.calls: Counter[str] = Counter()
        self.requests: list[RequestRecord] = []
        self.internal_errors: list[str] = []
        self.record_lock = threading.Lock()
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def record(self, record: RequestRecord) -> None:
        with self.record_lock:
            self.calls[record.endpoint] += 1
            self.requests.append(record)

    # -- routing -----------------------------------------------------------------------------

    def route(
        self, method: str, segments: list[str], exchange: _Exchange, call: _Call
    ) -> Callable[[], Answer]:
        """Names the endpoint in ``exchange`` and returns what answers it."""
        if len(segments) < 3 or segments[0] != "v1_1":
            return _not_found(segments)
        cloud, rest = segments[1], segments[2:]
        if cloud != self.settings.cloud_name:
            return _fail(ApiError(401, f"Invalid cloud_name {cloud}"))
        if method == "POST" and len(rest) == 2 and rest[1] in {"upload", "destroy"}:
            exchange.endpoint = rest[1]
            allowed = _UPLOAD_TYPES if rest[1] == "upload" else _STORED_TYPES
            if rest[0] not in allowed:
                return _fail(ApiError(400, f"Invalid resource type {rest[0]}"))
            return lambda: self._upload_api(rest[1], rest[0], exchange, call)
        admin = self._admin_route(method, rest, exchange)
        if admin is None:
            return _not_found(segments)
        return lambda: self._admin_api(admin, exchange, call)

    def _admin_route(
        self, method: str, rest: list[str], exchange: _Exchange
    ) -> Callable[[Params], Answer] | None:
        admin = self.admin
        if method == "GET" and rest == ["ping"]:
            exchange.endpoint = "ping"
            return lambda _params: admin.ping()
        if method == "GET" and rest[:1] == ["usage"]:
            exchange.endpoint = "usage"
            return lambda _params: admin.usage()
        if rest[:1] != ["resources"] or len(rest) < 2 or rest[1] not in _STORED_TYPES:
            return None
        resource_type, tail = rest[1], rest[2:]
        if len(tail) == 2 and tail[0] == "tags":
            tag = tail[1]
            if method == "GET":
                exchange.endpoint = "resources_by_tag"
                return lambda p: admin.resources_by_tag(resource_type, tag, p)
            if method == "DELETE":
                exchange.endpoint = "delete_resources_by_tag"
                return lambda p: admin.delete_by_tag(resource_type, tag, p)
            return None
        if method == "GET" and len(tail) <= 1:
            exchange.endpoint = "resources"
            delivery_type = tail[0] if tail else None
            return lambda p: admin.list_resources(resource_type, delivery_type, p)
        if method == "DELETE" and len(tail) == 1:
            exchange.endpoint = "delete_resources"
            return lambda p: admin.delete_resources(resource_type, tail[0], p)
        if method == "GET" and len(tail) >= 2:
            exchange.endpoint = "resource"
            public_id = "/".join(tail[1:])
            return lambda _params: admin.resource(resource_type, tail[0], public_id)
        return None

    def _upload_api(
        self, action: str, resource_type: str, exchange: _Exchange, call: _Call
    ) -> Answer:
        form = parse_form(call.body, call.headers.get("content-type")) if call.body else Form()
        exchange.form = form
        exchange.auth = self.uploads.authenticate(form, _basic(call.authorization))
        if action == "destroy":
            return self.uploads.destroy(resource_type, form)
        assert call.body is not None
        return self.uploads.upload(resource_type, form, call.body, call.headers)

    def _admin_api(
        self, handler: Callable[[Params], Answer], exchange: _Exchange, call: _Call
    ) -> Answer:
        params = _admin_params(call)
        exchange.form = Form(fields={k: list(v) for k, v in params.items()})
        bearer = (call.authorization or "").lower().startswith("bearer ")
        headers = self.admin.admit(_basic(call.authorization), bearer)
        exchange.auth = "basic"
        normalized = {k.removesuffix("[]"): v for k, v in params.items()}
        try:
            answer = handler(normalized)
        except ApiError as error:
            error.headers = {**headers, **error.headers}
            raise
        return Answer(answer.status, answer.body, {**headers, **answer.headers})


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    authorization: str | None
    body: Path | None


def _fail(error: ApiError) -> Callable[[], Answer]:
    def answer() -> Answer:
        raise error

    return answer


def _not_found(segments: list[str]) -> Callable[[], Answer]:
    return _fail(ApiError(404, f"Unsupported path /{'/'.join(segments)}"))


def _basic(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


def _admin_params(call: _Call) -> Params:
    params: Params = {}
    for key, value in parse_qsl(call.query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    if call.body is None:
        return params
    content_type = (call.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload: Any = json.loads(call.body.read_bytes() or b"{}")
        except ValueError:
            raise ApiError(400, "Invalid JSON body") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "The JSON body must be an object")
        for key, value in payload.items():
            values = value if isinstance(value, list) else [value]
            params.setdefault(key, []).extend(_text(v) for v in values)
    else:
        for key, values in parse_form(call.body, call.headers.get("content-type")).fields.items():
            params.setdefault(key, []).extend(values)
    return params


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class _Reply:
    """What to write back, decided before the request is logged (a client that has its answer
    always finds its request in the log)."""

    status: int
    payload: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False
    served: Served | None = None

    @classmethod
    def json(cls, answer: Answer) -> _Reply:
        headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
        return cls(answer.status, json.dumps(answer.body).encode("utf-8"), headers)

    @classmethod
    def html(cls, status: int) -> _Reply:
        return cls(status, _HTML_502, {"Content-Type": "text/html; charset=utf-8"})


class _Handler(BaseHTTPRequestHandler):
    server_owner: CloudinaryServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` and ``calls`` instead."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # -- the API -----------------------------------------------------------------------------

    def _read_body(self) -> Path | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise ApiError(411, "Length Required")
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        path = self.server_owner.store.new_path(".request")
        spool_body(self.rfile, length, path)
        return path

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        segments = [unquote(s) for s in url.path.split("/") if s]
        if segments[:1] != ["v1_1"]:
            self._serve_delivery(url.path)
            return
        owner = self.server_owner
        exchange = _Exchange()
        body: Path | None = None
        try:
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            call = _Call(
                method, url.path, url.query, headers, self.headers.get("Authorization"), body
            )
            handler = owner.route(method, segments, exchange, call)
            exchange.fault = owner.faults.pick(exchange.endpoint)
            reply = self._reply(exchange, handler)
        except ApiError as error:
            reply = _Reply.json(Answer(error.status, error.body(), error.headers))
        except BodyError as error:
            reply = _Reply.json(Answer(400, {"error": {"message": f"Invalid request: {error}"}}))
        except Exception:
            owner.internal_errors.append(traceback.format_exc())
            reply = _Reply.json(Answer(500, {"error": {"message": "fake internal error"}}))
        finally:
            if body is not None:
                body.unlink(missing_ok=True)
        self._log(method, url.path, reply, exchange)
        self._write(reply)

    def _reply(self, exchange: _Exchange, handler: Callable[[], Answer]) -> _Reply:
        fault = exchange.fault
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            return _Reply(0, drop=True)
        elif fault is not None and fault.kind == "html":
            return _Reply.html(fault.status if fault.status != 500 else 502)
        elif fault is not None and fault.kind == "malformed":
            body = CUT_OFF_JSON if fault.body is None else fault.body
            status = fault.status if fault.status != 500 else 200
            return _Reply(status, body, {"Content-Type": "application/json; charset=utf-8"})
        elif fault is not None:
            headers = dict(fault.headers)
            if fault.status in {420, 429}:
                rate = self.server_owner.admin.rate
                now = self.server_owner.store.clock.now()
                headers = {**rate.headers(now), "X-FeatureRateLimit-Remaining": "0", **headers}
            return _Reply.json(Answer(fault.status, {"error": {"message": fault.text()}}, headers))
        try:
            return _Reply.json(handler())
        except ApiError as error:
            return _Reply.json(Answer(error.status, error.body(), error.headers))

    def _log(self, method: str, path: str, reply: _Reply, exchange: _Exchange) -> None:
        form = exchange.form
        kept = {k: v for k in _KEPT_HEADERS if (v := self.headers.get(k)) is not None}
        self.server_owner.record(
            RequestRecord(
                endpoint=exchange.endpoint,
                method=method,
                path=path,
                status=reply.status,
                params={k: tuple(v) for k, v in form.fields.items()},
                headers=kept,
                file_name=form.file.filename if form.file else None,
                file_size=form.file.length if form.file else None,
                auth=exchange.auth,
                fault=exchange.fault.kind if exchange.fault else None,
                at=self.server_owner.store.clock.now(),
            )
        )

    # -- writing -----------------------------------------------------------------------------

    def _write(self, reply: _Reply) -> None:
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        served = reply.served
        length = served.length if served is not None else len(reply.payload)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Length", str(length))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command == "HEAD":
                return
            if served is None or served.path is None:
                self.wfile.write(reply.payload)
                return
            with served.path.open("rb") as handle:
                handle.seek(served.start)
                remaining = served.length
                while remaining > 0:
                    piece = handle.read(min(PIECE, remaining))
                    if not piece:
                        break
                    self.wfile.write(piece)
                    remaining -= len(piece)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- delivery ----------------------------------------------------------------------------

    def _serve_delivery(self, path: str) -> None:
        owner = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        fault = owner.faults.pick("delivery")
        reply = self._delivery_reply(path, fault)
        kept = {k: v for k in _KEPT_HEADERS if (v := self.headers.get(k)) is not None}
        owner.record(
            RequestRecord(
                endpoint="delivery",
                method=self.command,
                path=path,
                status=reply.status,
                headers=kept,
                fault=fault.kind if fault else None,
                at=owner.store.clock.now(),
            )
        )
        self._write(reply)

    def _delivery_reply(self, path: str, fault: Fault | None) -> _Reply:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            return _Reply(0, drop=True)
        elif fault is not None:
            return _Reply.html(fault.status if fault.kind == "error" else 502)
        if self.command not in {"GET", "HEAD"}:
            return _Reply(405, b"Method Not Allowed", {"Content-Type": "text/plain"})
        try:
            served = self.server_owner.delivery.serve(path, self.headers.get("Range"))
        except Exception:
            self.server_owner.internal_errors.append(traceback.format_exc())
            return _Reply(500, b"fake internal error", {"Content-Type": "text/plain"})
        return _Reply(served.status, served.text, served.headers, served=served)
