"""A CDN download as a readable binary stream that the caller closes (never all in memory)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, BinaryIO

import httpx

from mediasync import SourceError, SourceUnreachable

if TYPE_CHECKING:
    from mediasync_instagram._graph import GraphClient

__all__ = ["ResponseStream"]

CHUNK = 1024 * 1024
EXPIRED = frozenset({403, 410})


class ResponseStream(io.RawIOBase):
    def __init__(self, context: AbstractContextManager[httpx.Response], response: httpx.Response):
        super().__init__()
        self._context = context
        self._chunks: Iterator[bytes] = response.iter_raw(CHUNK)
        self._buffer = b""

    @classmethod
    def open(cls, client: GraphClient, url: str) -> BinaryIO | None:
        """Starts the download; ``None`` when the CDN calls the link expired (403, 410)."""
        context = client.download(url)
        response = context.__enter__()
        if response.status_code in EXPIRED:
            context.__exit__(None, None, None)
            return None
        if not response.is_success:
            context.__exit__(None, None, None)
            raise SourceError(f"Instagram's CDN answered HTTP {response.status_code}")
        return io.BufferedReader(cls(context, response), CHUNK)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.TransportError as exc:
                raise SourceUnreachable(f"the download broke off: {type(exc).__name__}") from None
        size = min(len(buffer), len(self._buffer))
        memoryview(buffer)[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            try:
                self._context.__exit__(None, None, None)
            finally:
                super().close()
