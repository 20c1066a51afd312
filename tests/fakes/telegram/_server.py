"""The HTTP side: one loopback listener serving ``/bot<token>/<method>``.

A ThreadingHTTPServer on 127.0.0.1 with an ephemeral port, HTTP/1.1 keep-alive, GET and POST
(the Bot API supports both). Each request is parsed (query string, form, multipart or JSON
body), its token checked, an injected fault applied if one is due, the method run, and the
answer sent as ``application/json``: ``{"ok": true, "result": …}`` (plus ``description`` where
the server gives one) or the error envelope with the error code as HTTP status. Every request
is logged with the token cut out of the path; long polls are logged when they answer.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from fakes.telegram._api import BotApi
from fakes.telegram._errors import NOT_FOUND, BotApiError, default_description
from fakes.telegram._faults import CUT_OFF_JSON, Fault, Faults
from fakes.telegram._model import BotAccount, RequestRecord
from fakes.telegram._params import Params, parse_params

__all__ = ["BotApiServer"]

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    b"Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


class _Listener(ThreadingHTTPServer):
    """Quiet when a client drops a kept-alive connection (a bot that stops): socketserver
    would print that to the test process's stderr, which may be a command's output."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class BotApiServer:
    def __init__(self, api: BotApi, faults: Faults) -> None:
        self.api = api
        self.faults = faults
        self.httpd = _Listener(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.root_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-telegram",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def record(self, record: RequestRecord) -> None:
        state = self.api.state
        with state.lock:
            if record.method:
                state.calls[record.method] += 1
            state.requests.append(record)
            state.changed.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_Handler):
            owner = server

        return Handler


def _redacted(path: str) -> str:
    if not path.startswith("/bot"):
        return path
    _token, slash, rest = path[4:].partition("/")
    return f"/bot<token>{slash}{rest}"


def _split_path(path: str) -> tuple[str, str] | None:
    """``(token, method)`` from ``/bot<token>/<method>``; None for any other path."""
    if not path.startswith("/bot"):
        return None
    token, slash, method = path[4:].partition("/")
    return (token, method) if slash else None


@dataclass(frozen=True)
class _Reply:
    """What to answer; ``payload`` None means closing the connection without a word."""

    status: int
    payload: bytes | None
    headers: dict[str, str]
    description: str | None

    @classmethod
    def of_json(
        cls, status: int, body: dict[str, Any], headers: dict[str, str], description: str | None
    ) -> _Reply:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return cls(status, payload, {"Content-Type": "application/json", **headers}, description)

    @classmethod
    def of_error(cls, error: BotApiError) -> _Reply:
        return cls.of_json(error.error_code, error.envelope(), error.headers(), error.description)


class _Handler(BaseHTTPRequestHandler):
    owner: BotApiServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` and ``calls`` instead."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing ----------------------------------------------------------------------------

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (a cancelled long poll)
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- one request -------------------------------------------------------------------------

    def _dispatch(self, http_method: str) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        body = self._body()
        params: Params | None = None
        parse_error: BotApiError | None = None
        try:
            params = parse_params(url.query, self.headers.get("Content-Type"), body)
        except BotApiError as error:
            parse_error = error
        split = _split_path(url.path)
        token, method = split if split is not None else (None, "")
        bot: BotAccount | None = None
        fault: Fault | None = None
        try:
            if token is None or not method:
                raise BotApiError(404, NOT_FOUND)
            bot = self.owner.api.authenticate(token)
            fault = self.owner.faults.pick(self.owner.api.canonical(method))
            reply = self._answer(bot, method, params, parse_error, fault)
        except BotApiError as error:
            reply = _Reply.of_error(error)
        # Logged before it is sent: a client that has its answer finds the request in the log.
        self.owner.record(
            RequestRecord(
                method=self.owner.api.canonical(method) if method else "",
                http_method=http_method,
                path=_redacted(url.path),
                params=params.public() if params is not None else {},
                status=reply.status,
                description=reply.description,
                fault=fault.kind if fault is not None else None,
                bot=bot.username if bot is not None else None,
                duration=time.monotonic() - started,
                token=token,
            )
        )
        if reply.payload is None:
            self._drop()
        else:
            self._send(reply.status, reply.payload, reply.headers)

    def _answer(
        self,
        bot: BotAccount,
        method: str,
        params: Params | None,
        parse_error: BotApiError | None,
        fault: Fault | None,
    ) -> _Reply:
        """Runs the call, or its fault; an error answer propagates as BotApiError."""
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            return _Reply(0, None, {}, "connection dropped")
        elif fault is not None and fault.kind == "html":
            return _Reply(502, _HTML_502, {"Content-Type": "text/html"}, "Bad Gateway")
        elif fault is not None and fault.kind == "malformed":
            body = CUT_OFF_JSON if fault.body is None else fault.body
            return _Reply(200, body, {"Content-Type": "application/json"}, "malformed")
        elif fault is not None:
            code = fault.error_code or 500
            retry_after = fault.retry_after
            if code == 429 and retry_after is None:
                retry_after = 1
            raise BotApiError(
                code,
                fault.description or default_description(code, retry_after),
                retry_after=retry_after,
            )
        if parse_error is not None:
            raise parse_error
        assert params is not None
        answer = self.owner.api.call(bot, method, params)
        envelope: dict[str, Any] = {"ok": True, "result": answer.result}
        if answer.description is not None:
            envelope["description"] = answer.description
        return _Reply.of_json(200, envelope, {}, answer.description)
