"""An indexed item's bytes, pulled from the source that holds them (``Workspace.open_item``).

``copy`` and ``publish`` both start here: the index knows where an item lives, the source knows
how to read it. The stream owns the source instance it came from, so closing the stream
releases the source's connections too.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from mediasync._errors import NotSupported, UsageError
from mediasync._models import Capability, MediaEntry

if TYPE_CHECKING:
    from mediasync._results import Item
    from mediasync._source import Source

__all__ = ["ItemStream", "entry_of", "open_item_bytes"]


def entry_of(item: Item) -> MediaEntry:
    """The listing entry the source last gave for ``item``, as the index keeps it."""
    return MediaEntry(
        source_id=item.source_id,
        path=item.path,
        size=item.size,
        mtime=item.mtime,
        mime_type=item.mime_type,
        sha256=item.sha256,
        native_hash=item.native_hash,
        width=item.width,
        height=item.height,
        duration=item.duration,
        taken_at=item.taken_at,
        metadata=item.metadata,
        group_id=item.group_id,
        position=item.position,
        provenance=item.provenance,
        etag=item.revision,
    )


class ItemStream(io.RawIOBase):
    """A readable binary stream of one item; ``close`` closes the source's stream and the
    source (when it owns it). ``item`` says what is being read (name, size, kind)."""

    def __init__(
        self, item: Item, source: Source, raw: io.IOBase, owns_source: bool = True
    ) -> None:
        super().__init__()
        self.item = item
        self._source = source
        self._raw = raw
        self._owns_source = owns_source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        if not data:
            return 0
        size = len(data)
        memoryview(buffer)[:size] = data
        return size

    def read(self, size: int = -1) -> bytes:
        # Straight through: the source's stream is buffered already (no extra copy per chunk).
        return bytes(self._raw.read(size if size is not None else -1))

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._raw.close()
        finally:
            try:
                if self._owns_source:
                    self._source.close()
            finally:
                super().close()


def open_item_bytes(item: Item, source: Source, *, owns_source: bool = True) -> ItemStream:
    """Opens ``item`` through ``source`` (an instance of the source that indexed it).

    The stream closes ``source`` with itself unless ``owns_source`` is false: ``copy`` reads
    thousands of items through one instance (one Drive client, not one per file).

    Raises:
        UsageError: the item is removed, or its source cannot download.
        SourceUnreachable, RemoteError: as ``Source.open`` raises them.
    """
    try:
        if not item.active:
            raise UsageError(
                f"item {item.id} was removed from '{item.source}' ({item.path}): "
                "its bytes are no longer there"
            )
        if Capability.DOWNLOADABLE not in source.capabilities:
            raise NotSupported(
                f"source '{item.source}' (type '{source.type_name}') cannot download: "
                f"it lacks the '{Capability.DOWNLOADABLE}' capability"
            )
        raw = source.open(entry_of(item))
    except BaseException:
        if owns_source:
            source.close()
        raise
    return ItemStream(item, source, raw, owns_source)  # type: ignore[arg-type]
