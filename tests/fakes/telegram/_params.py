"""Request parameters, however the client sent them.

The Bot API takes parameters four ways ("Making requests": URL query string,
``application/x-www-form-urlencoded``, ``application/json`` except for uploads,
``multipart/form-data`` for uploads). python-telegram-bot sends form fields: strings as they
are, every other value JSON-encoded (``RequestParameter.json_value``), and switches to multipart
when a file is attached (``HTTPXRequest.do_request`` passes ``data=`` and ``files=`` to httpx).

As the server does, every value ends up a string: a JSON body's strings are kept, its numbers,
booleans, objects and arrays become their JSON text, so ``reply_markup`` reads the same whether
it came as an object in JSON or as a JSON string in a form. Body fields win over the query
string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from fakes.telegram._errors import bad_request

__all__ = ["Params", "UploadedFile", "parse_params"]


@dataclass(frozen=True)
class UploadedFile:
    """A multipart part with a file name: the bytes the client uploaded."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Params:
    values: dict[str, str]
    files: dict[str, UploadedFile]

    def text(self, name: str) -> str:
        """The value, or ``""`` when absent (the server does not tell the two apart)."""
        return self.values.get(name, "")

    def has(self, name: str) -> bool:
        return self.values.get(name, "") != ""

    def integer(self, name: str, default: int = 0) -> int:
        """An integer as the server reads one: absent or unparsable gives ``default``."""
        raw = self.values.get(name, "").strip()
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            try:
                return int(float(raw))
            except ValueError:
                return default

    def boolean(self, name: str) -> bool:
        return self.values.get(name, "").strip().lower() in {"true", "1"}

    def json(self, name: str, *, what: str | None = None) -> Any:
        """A JSON-serialized parameter, ``None`` when absent."""
        raw = self.values.get(name, "")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def public(self) -> dict[str, str]:
        """The values plus one ``<file NAME, N bytes>`` line per uploaded file, for the log."""
        shown = dict(self.values)
        for name, upload in self.files.items():
            shown[name] = f"<file {upload.filename or '?'}, {len(upload.data)} bytes>"
        return shown


def parse_params(query: str, content_type: str | None, body: bytes) -> Params:
    values = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/json" and body:
        values.update(_json_values(body))
    elif mime == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif mime == "multipart/form-data":
        fields, files = _multipart(content_type or "", body)
        values.update(fields)
    return Params(values, files)


def _json_values(body: bytes) -> dict[str, str]:
    try:
        decoded = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request("can't parse JSON encoded request") from None
    if not isinstance(decoded, dict):
        raise bad_request("can't parse JSON encoded request: object expected")
    return {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in decoded.items()
        if value is not None
    }


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    parts: list[Message] = message.get_payload() if message.is_multipart() else []  # type: ignore[assignment]
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            files[name] = UploadedFile(name, filename, part.get_content_type(), data)
    return fields, files
