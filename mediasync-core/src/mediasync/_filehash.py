"""SHA-256 of a local file: the content hash every source's bytes are compared by."""

from __future__ import annotations

import hashlib
import threading

__all__ = ["file_sha256"]

CHUNK = 1024 * 1024
_buffers = threading.local()


def file_sha256(path: str) -> str:
    """SHA-256 of a local file, hex, read in 1 MiB chunks into one buffer per thread.

    Reusing the buffer matters: allocating (zeroing, faulting in) a fresh 1 MiB per file cost
    more than hashing the typical 30 KB photo.
    """
    digest = hashlib.sha256()
    buffer = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()
