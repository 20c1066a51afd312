"""The copies a root received: ``.mediasync-copies.jsonl``, one line per upload with a provenance.

Why one manifest in the root, rather than extended attributes on each file: finding the copies
of a batch costs reading one file, once per source instance, instead of a walk of the whole
tree reading every file's attributes; it works on every file system (FAT and exFAT have none,
and many copying tools drop them); and it lives in the root, so it travels with the disk. Its
name starts with a dot, so the listing skips it like every hidden file and no sync indexes it.
(Not a ``.mediasync/`` folder: the docs suggest ``.mediasync`` as the marker file of a
removable disk.)

A line is appended with one ``write`` to a descriptor opened with ``O_APPEND`` (lines from
several processes never interleave on a local disk), and only once the file is in place: a line
never names a file that was not written. A crash before the line leaves a file without one; the
next copy uploads the item again, and the upload finds the same bytes under the same name and
writes nothing. The line is not flushed to disk on its own: losing it costs just that. A torn
last line is ignored. A marker whose file is gone (deleted or moved away by its owner) finds
nothing, and the item is copied again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from mediasync import Provenance

__all__ = ["MANIFEST", "CopyManifest", "CopyRecord"]

MANIFEST = ".mediasync-copies.jsonl"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@attrs.frozen(slots=True)
class CopyRecord:
    """One line: the copy's provenance, and the file as it was written."""

    provenance: Provenance
    path: str
    size: int
    mtime_ns: int
    sha256: str
    mime_type: str | None

    def line(self) -> bytes:
        provenance = self.provenance
        copied_at = provenance.copied_at
        values = {
            "source_type": provenance.source_type,
            "source": provenance.source,
            "source_id": provenance.source_id,
            "copied_at": None if copied_at is None else copied_at.isoformat(),
            "path": self.path,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha256": self.sha256,
            "mime_type": self.mime_type,
        }
        return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    @classmethod
    def parse(cls, line: bytes) -> CopyRecord | None:
        """The record of a line, or ``None`` for a line that is not one (a torn write)."""
        try:
            values: dict[str, Any] = json.loads(line)
            copied_at = values["copied_at"]
            provenance = Provenance(
                str(values["source_type"]),
                str(values["source"]),
                str(values["source_id"]),
                None if copied_at is None else datetime.fromisoformat(copied_at),
            )
            return cls(
                provenance,
                str(values["path"]),
                int(values["size"]),
                int(values["mtime_ns"]),
                str(values["sha256"]),
                values.get("mime_type"),
            )
        except (ValueError, KeyError, TypeError):
            return None


class CopyManifest:
    """The manifest of one root, read once (at the first lookup) and appended to."""

    def __init__(self, root: str) -> None:
        self.path = os.path.join(root, MANIFEST)
        self._records: dict[tuple[str, str], CopyRecord] | None = None

    def _load(self) -> dict[tuple[str, str], CopyRecord]:
        if self._records is None:
            records: dict[tuple[str, str], CopyRecord] = {}
            try:
                with open(self.path, "rb") as manifest:
                    for line in manifest:
                        record = CopyRecord.parse(line)
                        if record is not None:
                            records[record.provenance.key] = record  # the latest line wins
            except FileNotFoundError:
                pass
            self._records = records
        return self._records

    def lookup(self, provenances: Iterable[Provenance]) -> list[CopyRecord]:
        records = self._load()
        return [records[p.key] for p in provenances if p.key in records]

    def append(self, record: CopyRecord) -> None:
        """Adds the record's line at the end of the manifest (created if missing)."""
        data = record.line()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _CLOEXEC, 0o666)
        try:
            written = os.write(fd, data)
            while written < len(data):  # a short write: rare, and then no longer one write
                written += os.write(fd, data[written:])
        finally:
            os.close(fd)
        if self._records is not None:
            self._records[record.provenance.key] = record
