"""A local source whose file identities the test decides: inode reuse on demand.

Whether a filesystem hands a new file the inode of one just deleted depends on the filesystem
and on luck, so a test cannot arrange it. ``RelabelledSource`` is the local source with each
listed file's identifier (``"device:inode"``) passed through a table the test writes: label a
new file with the identifier a deleted file had, and the engine sees exactly an inode reuse.
Files without a label keep their real identifier. Fingerprints cover the labels too, so a
relabelled folder is read again, as a real change of inode would make it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs

from mediasync import FolderListing, hookimpl
from mediasync_local import LocalSource

__all__ = ["LABELS", "RelabelledSource", "identifier", "label", "register_sources"]

LABELS: dict[str, dict[str, str]] = {}
"""Per root folder: real ``"device:inode"`` to the identifier the source reports."""


def identifier(path: Path) -> str:
    """The real ``"device:inode"`` of a file."""
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}"


def label(root: Path, path: Path, as_identifier: str) -> None:
    """From now on the file at ``path`` (under ``root``) is listed as ``as_identifier``."""
    LABELS.setdefault(os.path.realpath(root), {})[identifier(path)] = as_identifier


class RelabelledSource(LocalSource):
    type_name: ClassVar[str] = "relabelled"
    description: ClassVar[str] = "A local folder whose identifiers the test chooses."

    def list_folders(self) -> Iterator[FolderListing]:
        labels = LABELS.get(os.path.realpath(self.root_path), {})
        for listing in super().list_folders():
            entries = [
                attrs.evolve(e, source_id=labels.get(e.source_id, e.source_id))
                for e in listing.entries()
            ]
            ids = "\0".join(e.source_id for e in entries).encode()
            digest = hashlib.blake2b(ids, digest_size=8).hexdigest()
            yield FolderListing(
                path=listing.path,
                fingerprint=f"{listing.fingerprint}/{digest}",
                count=listing.count,
                build=lambda entries=entries: entries,  # type: ignore[misc]
            )


@hookimpl
def register_sources(register: Any) -> None:
    register(RelabelledSource)
