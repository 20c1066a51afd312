"""SHA-256 of a local file, and its media facts from the same read: what every source's bytes
are compared and found by."""

from __future__ import annotations

import hashlib
import os
import threading

from mediasync._facts.model import ByteWindow, HashedContent
from mediasync._facts.read import facts_of

__all__ = ["file_sha256", "hash_file"]

CHUNK = 1024 * 1024
_buffers = threading.local()


def _buffer() -> bytearray:
    """One 1 MiB buffer per thread: allocating (zeroing, faulting in) a fresh one per file cost
    more than hashing the typical 30 KB photo."""
    buffer = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(CHUNK)
    return buffer


def file_sha256(path: str) -> str:
    """SHA-256 of a local file, hex, read in 1 MiB chunks into one buffer per thread."""
    digest = hashlib.sha256()
    buffer = _buffer()
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


def hash_file(path: str) -> HashedContent:
    """SHA-256 of a local file and its media facts, in one pass over the bytes.

    The facts are read from the first chunk while it is in the buffer, before the hash goes
    on; a format that keeps them further on (a ``moov`` after the media data) is read there
    with ``pread``, a few small reads, not a second pass over the file.

    Raises:
        OSError: the file cannot be opened or read.
    """
    digest = hashlib.sha256()
    buffer = _buffer()
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as stream:
        fd = stream.fileno()
        count = stream.readinto(buffer) or 0
        size = max(os.fstat(fd).st_size, count)
        window = ByteWindow(view[:count], size, lambda offset, length: os.pread(fd, length, offset))
        facts = facts_of(window)
        while count:
            digest.update(view[:count])
            count = stream.readinto(buffer) or 0
    return HashedContent(digest.hexdigest(), facts)
