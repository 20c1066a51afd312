"""What a destination of ``copy`` must hold after any crash: each source item's bytes once,
whole, indexed with their provenance, and nothing that a re-run would copy again."""

from __future__ import annotations

import collections
import hashlib
from pathlib import Path

from mediasync import Workspace

__all__ = ["check_destination", "leftover_temporaries", "visible_files"]


def visible_files(root: Path) -> dict[str, str]:
    """path → SHA-256 of the files a listing sees (hidden ones are not media)."""
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def leftover_temporaries(root: Path) -> list[str]:
    """Hidden temporary files of uploads a kill cut short (never listed, never indexed)."""
    return sorted(p.name for p in root.rglob(".mediasync-*.tmp"))


def check_destination(
    workspace: Workspace, destination: str, root: Path, expected: collections.Counter[str]
) -> None:
    """``root`` holds each expected content exactly once, and the index lists exactly those
    files, each with its own provenance."""
    files = visible_files(root)
    assert collections.Counter(files.values()) == expected, "a copy missing, twice, or torn"
    items = list(workspace.items(source=destination))
    assert {item.path: item.sha256 for item in items} == files
    origins = [item.provenance.source_id for item in items if item.provenance is not None]
    assert len(origins) == len(items), "a copy indexed without its provenance"
    assert len(set(origins)) == len(origins), "one item copied twice"
