"""Downloads as a stream of ranged GETs: never the whole file in memory, resumable.

Each read asks Drive for the next ``download_chunk_size`` bytes (``alt=media`` with ``Range``).
A dropped connection or a 5xx fails one range only; the retry asks for the same range again,
so a download resumes where it stopped instead of starting over.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from mediasync import MediaEntry, SourceError
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._errors import DriveNotFound, http_status

__all__ = ["DriveReader", "open_entry"]


def open_entry(client: DriveClient, entry: MediaEntry, chunk_size: int) -> BinaryIO:
    """The bytes of ``entry`` (of a shortcut's target for a shortcut), streamed in ranges.

    Raises:
        SourceError: the file is no longer on Drive.
    """
    fields = "id,name,mimeType,size,shortcutDetails(targetId)"
    try:
        meta = client.call(
            lambda s: s.files().get(fileId=entry.source_id, fields=fields, supportsAllDrives=True),
            f"files.get ({entry.path})",
        )
        target = (meta.get("shortcutDetails") or {}).get("targetId")
        if target:
            meta = client.call(
                lambda s: s.files().get(fileId=target, fields=fields, supportsAllDrives=True),
                f"files.get ({entry.path}, shortcut target)",
            )
    except DriveNotFound:
        raise SourceError(f"{entry.path}: no longer on Drive") from None
    size = int(meta.get("size") or 0)
    reader = DriveReader(client, str(meta["id"]), size, chunk_size, entry.path)
    return io.BufferedReader(reader, buffer_size=chunk_size)


class DriveReader(io.RawIOBase):
    """A read-only raw stream over one Drive file of known size."""

    def __init__(self, client: DriveClient, file_id: str, size: int, chunk_size: int, name: str):
        super().__init__()
        self._client = client
        self._file_id = file_id
        self._size = size
        self._chunk = chunk_size
        self._name = name
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._chunk, self._size - self._position)
        data = self._fetch(self._position, self._position + wanted - 1)
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def readall(self) -> bytes:
        parts = []
        while self._position < self._size:
            end = min(self._position + self._chunk, self._size) - 1
            data = self._fetch(self._position, end)
            parts.append(data)
            self._position += len(data)
        return b"".join(parts)

    def _fetch(self, start: int, end: int) -> bytes:
        def attempt() -> bytes:
            request = (
                self._client.service()
                .files()
                .get_media(fileId=self._file_id, supportsAllDrives=True)
            )
            request.headers["range"] = f"bytes={start}-{end}"
            try:
                data: bytes = request.execute(num_retries=0)
            except Exception as exc:
                if http_status(exc) == 416:  # the file shrank since it was listed
                    return b""
                raise
            return data

        data = self._client.retry(attempt, f"download of {self._name}")
        if not data:
            raise SourceError(
                f"{self._name}: Drive returned no bytes at offset {start} of {self._size} "
                "(the file changed while it was read)"
            )
        return data[: end - start + 1]
