"""The HTTP side: three loopback listeners (graph.instagram.com, graph.facebook.com, the CDN).

Each is a ThreadingHTTPServer on 127.0.0.1 with an ephemeral port, so "which host" is just
"which port", as it is for a client whose base URL is a setting. The API listeners parse the
version prefix, read parameters from the query string and a form or JSON body (``_params``),
take the token from ``access_token`` or an ``Authorization: Bearer``/``OAuth`` header (the
parameter wins when both are given), record the request, apply an injected fault if one is due,
and answer JSON with a ``facebook-api-version`` header naming the version that served the call.
Each endpoint serves one method (POST for creating containers and ``media_publish``, GET for the
rest); any other is an "Unsupported … request". An injected throttling error carries the usage
headers of its limit; a ``crash`` fault serves the request and then drops the connection.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from fakes.instagram._api import Call, GraphApi, Route, served_version
from fakes.instagram._cdn import CdnSigner
from fakes.instagram._errors import (
    PUBLISHING_ERRORS,
    THROTTLE_CODES,
    GraphError,
    error_for_code,
    unsupported_request,
)
from fakes.instagram._faults import Fault, Faults
from fakes.instagram._params import body_params, merge_params

__all__ = ["GraphServer", "HostName", "RequestRecord"]

HostName = Literal["instagram", "facebook", "cdn"]
_VERSION_LIKE = re.compile(r"^v\d")
_HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>proxy</center></body></html>"
)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it. ``params`` has the token redacted; ``token`` keeps it
    for assertions and is left out of ``repr`` so a failing test never prints it."""

    host: HostName
    endpoint: str
    method: str
    path: str
    version: str | None
    params: dict[str, str]
    status: int
    fault: str | None
    range: str | None = None
    token: str | None = field(default=None, repr=False)
    body: dict[str, str] = field(default_factory=dict)
    """The parameters that came in the request body (token redacted); ``params`` has all."""


class GraphServer:
    """The listeners, the request log and the per-endpoint counters."""

    def __init__(
        self, api: GraphApi, cdn: CdnSigner, faults: Faults, versions: tuple[str, ...]
    ) -> None:
        self.api = api
        self.cdn = cdn
        self.faults = faults
        self.versions = versions
        self.calls: Counter[str] = Counter()
        self.requests: list[RequestRecord] = []
        self.record_lock = threading.Lock()
        self.httpd: dict[HostName, ThreadingHTTPServer] = {}
        self.base_urls: dict[HostName, str] = {}
        for host in ("instagram", "facebook", "cdn"):
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class(host))
            httpd.daemon_threads = True
            self.httpd[host] = httpd
            self.base_urls[host] = f"http://127.0.0.1:{httpd.server_address[1]}"
        cdn.base_url = self.base_urls["cdn"]
        self.threads = [
            threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            )
            for httpd in self.httpd.values()
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        for httpd in self.httpd.values():
            httpd.shutdown()
            httpd.server_close()
        for thread in self.threads:
            thread.join(timeout=5)

    def record(self, record: RequestRecord) -> None:
        with self.record_lock:
            self.calls[record.endpoint] += 1
            self.requests.append(record)

    def _handler_class(self, host: HostName) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_Handler):
            owner = server
            role = host

        return Handler


def _redacted(params: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k == "access_token" else v) for k, v in params.items()}


class _Handler(BaseHTTPRequestHandler):
    owner: GraphServer
    role: HostName
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

    # -- plumbing ----------------------------------------------------------------------------

    _pending_log: Callable[[int], None] | None = None
    """The request's log entry, written with the status as the reply starts to go out: a
    client that has its answer finds its request in ``requests`` already."""

    def _log_reply(self, status: int) -> None:
        pending, self._pending_log = self._pending_log, None
        if pending is not None:
            pending(status)

    def _send(
        self, status: int, payload: bytes, headers: dict[str, str], *, method: str = "GET"
    ) -> None:
        self._log_reply(status)
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_json(self, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode("utf-8")
        self._send(status, payload, {"Content-Type": "application/json; charset=UTF-8", **headers})

    def _drop(
        self,
        partial: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        logged_status: int = 0,
    ) -> None:
        """Closes the connection: at once, or after half of a body announced in full."""
        self._log_reply(logged_status)
        self.close_connection = True
        try:
            if partial is not None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(partial)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(partial[: len(partial) // 2])
                self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _token(self, params: dict[str, str]) -> str | None:
        if params.get("access_token"):
            return params["access_token"]
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() in {"bearer", "oauth"} and value.strip():
            return value.strip()
        return None

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.role == "cdn":
            self._serve_cdn(method, url.path, params)
        else:
            self._serve_api(method, url.path, params, raw)

    def _log(
        self,
        endpoint: str,
        method: str,
        path: str,
        version: str | None,
        params: dict[str, str],
        status: int,
        fault: Fault | None,
        token: str | None,
        body: dict[str, str] | None = None,
    ) -> None:
        self.owner.record(
            RequestRecord(
                self.role,
                endpoint,
                method,
                path,
                version,
                _redacted(params),
                status,
                fault.kind if fault else None,
                self.headers.get("Range"),
                token,
                _redacted(body or {}),
            )
        )

    # -- the API -----------------------------------------------------------------------------

    def _serve_api(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        owner = self.owner
        assert self.role != "cdn"
        host: Literal["instagram", "facebook"] = self.role
        segments = [s for s in path.split("/") if s]
        version: str | None = None
        if segments and _VERSION_LIKE.match(segments[0]):
            version = segments.pop(0)
        route = owner.api.route(host, segments, method)
        error: GraphError | None = None
        body: dict[str, str] = {}
        try:
            body = body_params(raw, self.headers.get("Content-Type"))
            params = merge_params(query, body)
        except GraphError as malformed:
            params, error = query, malformed
        token = self._token(params)
        served = served_version(version, owner.versions) if version else owner.versions[-1]
        error = error or self._refusal(method, path, version, served, route)
        fault = owner.faults.pick(route.endpoint)
        headers = {"facebook-api-version": served or owner.versions[-1]}
        call = Call(host, owner.base_urls[host], path, params, token)

        def log(status: int) -> None:
            self._log(route.endpoint, method, path, version, params, status, fault, token, body)

        self._pending_log = log
        self._log_reply(self._answer_api(call, route, fault, error, headers))

    def _refusal(
        self, method: str, path: str, version: str | None, served: str | None, route: Route
    ) -> GraphError | None:
        """The error for a version that does not exist or is missing, or the wrong method."""
        if version is not None and served is None:
            return GraphError(400, f"Unknown path components: {path}", code=2500)
        if version is None and route.endpoint != "refresh_access_token":
            return GraphError(
                400,
                f"Unknown path components: {path} (the fake requires a version such as "
                f"{self.owner.versions[-1]} on every call)",
                code=2500,
            )
        if method != route.method:
            return unsupported_request(route.node or path, method.lower())
        return None

    def _answer_api(
        self,
        call: Call,
        route: Route,
        fault: Fault | None,
        error: GraphError | None,
        headers: dict[str, str],
    ) -> int:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            self._drop()
            return 0
        elif fault is not None and fault.kind == "html":
            status = fault.status or 502
            self._send(status, _HTML_502, {"Content-Type": "text/html; charset=utf-8"})
            return status
        elif fault is not None and fault.kind == "malformed":
            raw = b'{"data": [{"id": "1790' if fault.body is None else fault.body
            status = fault.status or 200
            self._send(status, raw, {"Content-Type": "application/json"})
            return status
        elif fault is not None and fault.kind == "error":
            assert fault.code is not None
            if fault.code in THROTTLE_CODES and fault.subcode not in PUBLISHING_ERRORS:
                headers.update(self.owner.api.throttle_headers(call, route, fault.code))
            injected = error_for_code(
                fault.code,
                fault.subcode,
                status=fault.status,
                message=fault.message,
                user_title=fault.user_title,
                user_msg=fault.user_msg,
            )
            self._send_json(injected.status, injected.body(), headers)
            return injected.status
        extra: dict[str, str] = {}
        if error is not None:
            status, body = error.status, error.body()
        else:
            status, body, extra = self.owner.api.handle(call, route)
        if fault is not None and fault.kind == "crash":
            self._drop(logged_status=status)
        else:
            self._send_json(status, body, {**headers, **extra})
        return status

    # -- the CDN -----------------------------------------------------------------------------

    def _serve_cdn(self, method: str, path: str, params: dict[str, str]) -> None:
        fault = self.owner.faults.pick("cdn")
        token = self._token(params)
        range_header = self.headers.get("Range")
        self._pending_log = lambda status: self._log(
            "cdn", method, path, None, params, status, fault, token
        )
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind in {"drop", "crash"}:
            answer = self.owner.cdn.serve(path, params, range_header)
            self._drop(answer.body if answer.status in {200, 206} else None, answer.headers)
            return
        if fault is not None and fault.kind in {"html", "error", "malformed"}:
            status = fault.status or 502
            self._send(
                status, _HTML_502, {"Content-Type": "text/html; charset=utf-8"}, method=method
            )
            return
        if method not in {"GET", "HEAD"}:
            self._send(405, b"Method Not Allowed", {"Content-Type": "text/plain"})
            return
        answer = self.owner.cdn.serve(path, params, range_header)
        self._send(answer.status, answer.body, answer.headers, method=method)
