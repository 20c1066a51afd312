"""A CDN download as a readable binary stream that the caller closes (never all in memory).

A connection that drops mid-file is picked up where it broke off (an HTTP ``Range`` request),
and an answer of 429 or 5xx (a proxy's 502, an overloaded edge) is asked again after a pause,
a few times; then that one file fails (``SourceError``) and a copy goes on with the others,
as it does for a ``media_url`` that is not a URL at all.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, BinaryIO

import httpx

from mediasync import SourceError

if TYPE_CHECKING:
    from mediasync_instagram._graph import GraphClient

__all__ = ["ResponseStream"]

CHUNK = 1024 * 1024
EXPIRED = frozenset({403, 410})
ATTEMPTS = 3
RETRIED = frozenset({429, 500, 502, 503, 504})


class _Expired(Exception):
    pass


class ResponseStream(io.RawIOBase):
    def __init__(self, client: GraphClient, url: str) -> None:
        super().__init__()
        self._client = client
        self._url = url
        self._position = 0
        self._context: AbstractContextManager[httpx.Response] | None = None
        self._chunks: Iterator[bytes] = iter(())
        self._buffer = b""
        self._connect()

    @classmethod
    def open(cls, client: GraphClient, url: str) -> BinaryIO | None:
        """Starts the download; ``None`` when the CDN calls the link expired (403, 410)."""
        try:
            raw = cls(client, url)
        except _Expired:
            return None
        return io.BufferedReader(raw, CHUNK)

    def _connect(self) -> None:
        """(Re)opens the download from ``_position``, retrying a connection that fails."""
        headers = {"Range": f"bytes={self._position}-"} if self._position else {}
        for attempt in range(ATTEMPTS):
            self._release()
            context = self._client.download(self._url, headers)
            try:
                response = context.__enter__()
            except httpx.InvalidURL:  # a media_url with spaces, control characters…
                raise SourceError(
                    "Instagram's media_url is not a URL that can be fetched"
                ) from None
            except httpx.TransportError:
                if attempt + 1 == ATTEMPTS:
                    raise SourceError("the download failed: the connection kept dropping") from None
                continue
            self._context = context
            if response.status_code in EXPIRED:
                self._release()
                raise _Expired
            if response.status_code in RETRIED and attempt + 1 < ATTEMPTS:
                self._release()
                self._client.pause(2**attempt)
                continue
            if not response.is_success:
                self._release()
                raise SourceError(f"Instagram's CDN answered HTTP {response.status_code}")
            if self._position and response.status_code != 206:
                self._release()
                raise SourceError("the CDN cannot resume a download that broke off")
            self._chunks = response.iter_raw(CHUNK)
            return

    def _release(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(None, None, None)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        failures = 0
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.TransportError:
                failures += 1
                if failures >= ATTEMPTS:
                    raise SourceError("the download broke off and could not be resumed") from None
                try:
                    self._connect()
                except _Expired:
                    raise SourceError("the download broke off and its link expired") from None
        size = min(len(buffer), len(self._buffer))
        memoryview(buffer)[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        self._position += size
        return size

    def close(self) -> None:
        if not self.closed:
            try:
                self._release()
            finally:
                super().close()
