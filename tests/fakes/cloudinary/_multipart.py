"""Request bodies, spooled to disk and parsed in place, so big uploads never sit in memory.

A body is copied from the socket into a file in 1 MiB pieces; ``multipart/form-data`` is then
parsed through ``mmap`` (boundaries found by ``find``), text fields decoded, and the file part
kept as an offset and a length into the spooled body, from which ``copy_range`` moves it to
where it belongs. ``application/x-www-form-urlencoded`` bodies are parsed as well.
"""

from __future__ import annotations

import io
import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl

__all__ = ["PIECE", "BodyError", "FilePart", "Form", "copy_range", "parse_form", "spool_body"]

PIECE = 1024 * 1024
_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


@dataclass(frozen=True)
class FilePart:
    filename: str | None
    offset: int
    length: int


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    file: FilePart | None = None

    def first(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


class BodyError(ValueError):
    """The body is shorter than announced or not parseable."""


def spool_body(rfile: io.BufferedIOBase, length: int, path: Path) -> None:
    remaining = length
    with path.open("wb") as out:
        while remaining > 0:
            piece = rfile.read(min(PIECE, remaining))
            if not piece:
                raise BodyError(f"body ended {remaining} bytes early")
            out.write(piece)
            remaining -= len(piece)


def copy_range(source: Path, offset: int, length: int, out: BinaryIO) -> None:
    with source.open("rb") as handle:
        handle.seek(offset)
        remaining = length
        while remaining > 0:
            piece = handle.read(min(PIECE, remaining))
            if not piece:
                raise BodyError("file part cut short")
            out.write(piece)
            remaining -= len(piece)


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    main, _, rest = value.partition(";")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3).strip())
        for m in _PARAM.finditer(";" + rest)
    }
    return main.strip().lower(), params


def parse_form(path: Path, content_type: str | None) -> Form:
    kind, params = _header_params(content_type or "")
    if kind == "multipart/form-data":
        boundary = params.get("boundary")
        if not boundary:
            raise BodyError("multipart body without a boundary")
        return _parse_multipart(path, boundary.encode("latin-1"))
    form = Form()
    if path.stat().st_size:
        text = path.read_bytes().decode("utf-8")
        for key, value in parse_qsl(text, keep_blank_values=True):
            form.fields.setdefault(key, []).append(value)
    return form


def _parse_multipart(path: Path, boundary: bytes) -> Form:
    form = Form()
    size = path.stat().st_size
    if size == 0:
        raise BodyError("empty multipart body")
    delimiter = b"--" + boundary
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as body:
        position = body.find(delimiter)
        if position < 0:
            raise BodyError("no multipart boundary in the body")
        while True:
            position += len(delimiter)
            if body[position : position + 2] == b"--":
                return form
            headers_end = body.find(b"\r\n\r\n", position)
            if headers_end < 0:
                raise BodyError("multipart part without headers")
            headers = body[position:headers_end].decode("utf-8", "replace")
            start = headers_end + 4
            end = body.find(b"\r\n" + delimiter, start)
            if end < 0:
                raise BodyError("multipart part without a closing boundary")
            _add_part(form, headers, body, start, end)
            position = end + 2


def _add_part(form: Form, headers: str, body: mmap.mmap, start: int, end: int) -> None:
    disposition = ""
    for line in headers.split("\r\n"):
        header, _, value = line.partition(":")
        if header.strip().lower() == "content-disposition":
            disposition = value
    _, params = _header_params(disposition)
    name = params.get("name")
    if name is None:
        raise BodyError("multipart part without a name")
    if "filename" in params:
        form.file = FilePart(params["filename"] or None, start, end - start)
    else:
        try:
            text = body[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise BodyError(f"field {name!r} is not UTF-8 text") from None
        form.fields.setdefault(name, []).append(text)
