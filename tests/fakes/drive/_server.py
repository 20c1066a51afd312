"""The HTTP side of the fake: routing, bearer-token checks, request counting, fault injection."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fakes.drive._api import ApiError, DriveApi
from fakes.drive._auth import AuthServer, TokenError
from fakes.drive._faults import CUT_OFF_JSON, Fault, Faults

__all__ = ["AUTH_ENDPOINTS", "DriveServer", "RequestRecord"]

AUTH_ENDPOINTS = frozenset({"token", "oauth.authorize"})
_HTML_PAGE = (
    b"<!DOCTYPE html><html lang=en><title>Error {status} (Server Error)!!1</title>"
    b"<p><b>{status}.</b> <ins>That\xe2\x80\x99s an error.</ins><p>The server encountered a "
    b"temporary error and could not complete your request.</html>"
)
_FAULT_BODIES: dict[str, tuple[int, str, str, str]] = {
    "429": (429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "500": (500, "global", "internalError", "Internal Error"),
    "503": (503, "global", "backendError", "Backend Error"),
    "403-rate": (403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "403-user-rate": (403, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded"),
    "401": (401, "global", "authError", "Invalid Credentials"),
    "403-denied": (
        403,
        "global",
        "insufficientFilePermissions",
        "The user does not have sufficient permissions for this file.",
    ),
}


@dataclass(frozen=True)
class RequestRecord:
    endpoint: str
    method: str
    path: str
    params: dict[str, str]
    fault: str | None
    range: str | None = None


def _route(method: str, path: str, params: dict[str, str]) -> tuple[str, str | None]:
    """(endpoint name, file id) for a request path."""
    if path == "/token" and method == "POST":
        return "token", None
    if path == "/o/oauth2/auth":
        return "oauth.authorize", None
    if path == "/upload/drive/v3/files":
        return "files.create.upload", None
    if path == "/drive/v3/files":
        return ("files.create" if method == "POST" else "files.list"), None
    if path == "/drive/v3/changes/startPageToken":
        return "changes.getStartPageToken", None
    if path == "/drive/v3/changes":
        return "changes.list", None
    if path == "/drive/v3/about":
        return "about.get", None
    if path.startswith("/drive/v3/files/"):
        file_id = unquote(path[len("/drive/v3/files/") :])
        return ("files.media" if params.get("alt") == "media" else "files.get"), file_id
    return "unknown", None


class DriveServer:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) serving ``api`` and ``auth``."""

    def __init__(self, api: DriveApi, faults: Faults) -> None:
        self.api = api
        self.faults = faults
        self.calls: Counter[str] = Counter()
        self.requests: list[RequestRecord] = []
        self.record_lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.auth = AuthServer(self.base_url)
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

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_Handler):
            owner = server

        return Handler


class _Handler(BaseHTTPRequestHandler):
    owner: DriveServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on ``calls`` and ``requests`` instead."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing ------------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes):
            payload = body
            content_type = (headers or {}).get("Content-Type", "application/octet-stream")
        else:
            payload = json.dumps(body).encode("utf-8")
            content_type = "application/json; charset=UTF-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                if key != "Content-Type":
                    self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self, partial: bytes | None = None) -> None:
        """Closes the connection: at once, or after half of a body announced in full."""
        self.close_connection = True
        try:
            if partial is not None:
                self.send_response(206)
                self.send_header("Content-Length", str(len(partial)))
                self.end_headers()
                self.wfile.write(partial[: len(partial) // 2])
                self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _fault_response(self, fault: Fault) -> None:
        if fault.kind == "html":
            status = fault.status or 502
            page = _HTML_PAGE.replace(b"{status}", str(status).encode())
            self._send(status, page, {"Content-Type": "text/html; charset=UTF-8"})
            return
        if fault.kind == "malformed":
            raw = CUT_OFF_JSON if fault.body is None else fault.body
            self._send(fault.status or 200, raw, {"Content-Type": fault.content_type})
            return
        status, domain, reason, message = _FAULT_BODIES[fault.kind]
        headers = {}
        if fault.kind == "429":
            retry_after = 1.0 if fault.retry_after is None else fault.retry_after
            headers["Retry-After"] = f"{retry_after:g}"
        body = {
            "error": {
                "errors": [{"domain": domain, "reason": reason, "message": message}],
                "code": status,
                "message": message,
            }
        }
        self._send(status, body, headers)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        override = self.headers.get("X-HTTP-Method-Override")
        if override and method == "POST":
            # google-api-python-client turns a GET whose URL is over 2,048 characters into a
            # POST with the query in the body, as Google's front ends accept.
            method = override.upper()
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            body = b""
        endpoint, file_id = _route(method, url.path, params)
        owner = self.owner
        fault = owner.faults.pick(endpoint, explicit_only=endpoint in AUTH_ENDPOINTS)
        owner.record(
            RequestRecord(
                endpoint,
                method,
                url.path,
                params,
                fault.kind if fault else None,
                self.headers.get("Range"),
            )
        )
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            partial = None
            if endpoint == "files.media":
                partial = self._media_body(file_id or "", params)
            self._drop(partial)
            return
        elif fault is not None:
            self._fault_response(fault)
            return
        try:
            self._serve(method, endpoint, file_id, params, body)
        except ApiError as exc:
            self._send(exc.code, exc.body)
        except TokenError as exc:
            self._send(exc.status, exc.body)

    def _media_body(self, file_id: str, params: dict[str, str]) -> bytes | None:
        principal = self.owner.auth.principal_for(self.headers.get("Authorization"))
        if principal is None:
            return None
        try:
            _, data, _ = self.owner.api.files_media(
                principal, file_id, params, self.headers.get("Range")
            )
        except ApiError:
            return None
        return data

    def _serve(
        self, method: str, endpoint: str, file_id: str | None, params: dict[str, str], body: bytes
    ) -> None:
        owner = self.owner
        if endpoint == "token":
            form = dict(parse_qsl(body.decode("utf-8")))
            self._send(200, owner.auth.token(form, self.headers.get("Authorization")))
            return
        if endpoint == "oauth.authorize":
            self._send(302, b"", {"Location": owner.auth.authorize(params)})
            return
        principal = owner.auth.principal_for(self.headers.get("Authorization"))
        if principal is None:
            raise ApiError(401, "authError", "Invalid Credentials", "Authorization")
        api = owner.api
        headers = {k.lower(): v for k, v in self.headers.items()}
        if endpoint == "files.list":
            result = api.files_list(principal, params)
        elif endpoint == "files.get":
            result = api.files_get(principal, file_id or "", params)
        elif endpoint == "files.media":
            status, data, extra = api.files_media(
                principal, file_id or "", params, self.headers.get("Range")
            )
            self._send(status, data, extra)
            return
        elif endpoint == "files.create":
            result = api.files_create(principal, params, body)
        elif endpoint == "files.create.upload" and method == "POST":
            result = api.upload_start(principal, params, headers, body, owner.base_url)
        elif endpoint == "files.create.upload" and method == "PUT":
            result = api.upload_put(principal, params, headers, body)
        elif endpoint == "changes.getStartPageToken":
            result = api.start_page_token()
        elif endpoint == "changes.list":
            result = api.changes_list(principal, params)
        elif endpoint == "about.get":
            result = api.about(principal, params)
        else:
            raise ApiError(404, "notFound", f"No such endpoint: {method} {self.path}")
        status, payload, extra = result
        self._send(status, payload, extra)
