"""``ExampleFolderSource``: media files below a local folder, listed, read and written."""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import attrs

from mediasync import (
    Capability,
    HealthCheck,
    MediaEntry,
    MediaKind,
    Provenance,
    Source,
    SourceUnreachable,
)

COPIES = ".mediasync-copies.jsonl"
"""Where each copy went, one JSON line per ``upload`` with a provenance (a hidden file, so not
listed): the marker that lets ``mediasync copy`` find it again without the index."""


@attrs.frozen
class ExampleFolderSettings:
    """``--set include_hidden=true`` lists files and folders whose names start with a dot."""

    include_hidden: bool = False


def safe_name(name: str) -> str:
    """A name that stays one path segment: no separators, no NUL, no leading dots."""
    cleaned = "".join("_" if c in "/\\" or ord(c) < 32 else c for c in name).strip()
    return cleaned.lstrip(".") or "unnamed"


class ExampleFolderSource(Source):
    type_name = "example-folder"
    description = "Media files in a local folder (the plugin-author example)."
    capabilities = frozenset({Capability.LISTABLE, Capability.DOWNLOADABLE, Capability.WRITABLE})
    media_kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    Settings = ExampleFolderSettings

    settings: ExampleFolderSettings

    @property
    def folder(self) -> Path:
        return Path(self.root or "").expanduser()

    def check(self) -> HealthCheck:
        if not self.folder.is_dir():
            return HealthCheck.failed(
                f"folder {self.folder} does not exist", fix="create it or fix --root"
            )
        return HealthCheck.healthy(str(self.folder))

    def list_entries(self) -> Iterator[MediaEntry]:
        if not self.folder.is_dir():
            raise SourceUnreachable(f"folder {self.folder} does not exist")

        def fail(error: OSError) -> None:
            raise SourceUnreachable(f"cannot list {error.filename}: {error.strerror}")

        for top, folders, files in os.walk(self.folder, onerror=fail):
            if not self.settings.include_hidden:
                folders[:] = [f for f in folders if not f.startswith(".")]
                files = [f for f in files if not f.startswith(".")]
            for name in sorted(files):
                entry = self._entry(Path(top, name))
                if entry.kind in self.media_kinds:
                    yield entry

    def _entry(self, path: Path) -> MediaEntry:
        stat = path.stat()
        return MediaEntry(
            source_id=f"{stat.st_dev}:{stat.st_ino}",
            path=path.relative_to(self.folder).as_posix(),
            size=stat.st_size,
            mtime=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            mime_type=mimetypes.guess_type(path.name)[0],
        )

    def open(self, entry: MediaEntry) -> BinaryIO:
        return (self.folder / entry.path).open("rb")

    def upload(
        self,
        stream: BinaryIO,
        name: str,
        *,
        folder: str = "",
        provenance: Provenance | None = None,
    ) -> MediaEntry:
        parts = [safe_name(p) for p in folder.replace("\\", "/").split("/") if p.strip(". ")]
        target_folder = self.folder.joinpath(*parts)
        target_folder.mkdir(parents=True, exist_ok=True)
        stem, suffix = os.path.splitext(safe_name(name))
        for n in range(10_000):
            target = target_folder / (f"{stem} ({n}){suffix}" if n else f"{stem}{suffix}")
            try:
                handle = target.open("xb")  # "x": fails instead of overwriting
            except FileExistsError:
                continue
            with handle:
                while chunk := stream.read(1024 * 1024):
                    handle.write(chunk)
            entry = self._entry(target)
            if provenance is not None:  # the copy's marker, read back by find_copies
                line = {"source": provenance.source, "id": provenance.source_id, "path": entry.path}
                with (self.folder / COPIES).open("a", encoding="utf-8") as copies:
                    copies.write(json.dumps(line) + "\n")
            return attrs.evolve(entry, provenance=provenance)
        raise FileExistsError(f"no free name for {name!r} in {target_folder}")

    def find_copies(self, provenances: Sequence[Provenance]) -> dict[tuple[str, str], MediaEntry]:
        """The files ``upload`` wrote for these provenances and that are still there."""
        try:
            lines = (self.folder / COPIES).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        written = {}
        for line in lines:
            copy = json.loads(line)
            written[(copy["source"], copy["id"])] = copy["path"]
        found = {}
        for provenance in provenances:
            path = written.get(provenance.key)
            if path is not None and (self.folder / path).is_file():
                entry = self._entry(self.folder / path)
                found[provenance.key] = attrs.evolve(entry, provenance=provenance)
        return found
