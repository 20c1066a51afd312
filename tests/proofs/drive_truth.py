"""What a Drive source must index: the fake Drive's own state under a root, and the index read
back through ``Workspace`` in the same shape, so that a proof compares the two with ``==``.

The path rule is the documented one (``mediasync_gdrive._names``), written out again here so
that the oracle does not share the plugin's code: ``/`` in a name becomes ``_``; among siblings
of one kind (folders, files) with the same name, the oldest by (created time, id) keeps the
name and each later one is ``stem (FILEID).ext``.
"""

from __future__ import annotations

import collections
import hashlib
import json
import posixpath
from collections import defaultdict
from typing import Any

import attrs
from fakes.drive import SHORTCUT, FakeDrive, FakeFile

from mediasync import Workspace

__all__ = ["FAST_DRIVE", "Listed", "drive_settings", "drive_truth", "indexed"]

FAST_DRIVE: dict[str, Any] = {"retry_initial_wait": 0.001, "retry_max_wait": 0.02, "timeout": 5.0}
"""Settings that keep the plugin's back-off in milliseconds."""


@attrs.frozen
class Listed:
    """A file as the index must hold it: Drive's id and the bytes' SHA-256."""

    file_id: str
    sha256: str


def drive_settings(drive: FakeDrive, key: dict[str, Any], **more: Any) -> dict[str, Any]:
    """Settings of a ``gdrive`` source reading ``drive`` with the service account ``key``."""
    return {
        "credentials": json.dumps(key),
        "api_endpoint": drive.api_endpoint,
        **FAST_DRIVE,
        **more,
    }


def _path_names(children: list[FakeFile]) -> dict[str, str]:
    groups: dict[tuple[bool, str], list[FakeFile]] = defaultdict(list)
    for child in children:
        groups[(child.is_folder, child.name.replace("/", "_"))].append(child)
    names: dict[str, str] = {}
    for (_, name), members in groups.items():
        members.sort(key=lambda f: (f.created_rfc3339(), f.id))
        names[members[0].id] = name
        stem, ext = posixpath.splitext(name)
        for later in members[1:]:
            names[later.id] = f"{stem} ({later.id}){ext}"
    return names


def drive_truth(drive: FakeDrive, root: str) -> dict[str, Listed]:
    """path → file for every media file under ``root`` that is not trashed."""
    truth: dict[str, Listed] = {}

    def walk(folder: str, prefix: str) -> None:
        children = [
            c
            for c in drive.children(folder)
            if not c.explicitly_trashed and c.mime_type != SHORTCUT
        ]
        names = _path_names(children)
        for child in children:
            path = prefix + names[child.id]
            if child.is_folder:
                walk(child.id, path + "/")
            elif child.mime_type.startswith(("image/", "video/")) and child.data is not None:
                truth[path] = Listed(child.id, hashlib.sha256(child.data).hexdigest())

    with drive.store.lock:
        walk(root, "")
    return truth


def indexed(workspace: Workspace, source: str) -> dict[str, Listed]:
    """path → file for the source's active items, as the index holds them (never two items
    at one path)."""
    items = [
        (item.path, Listed(item.source_id, item.sha256 or ""))
        for item in workspace.items(source=source)
    ]
    paths = collections.Counter(path for path, _ in items)
    assert [p for p, n in paths.items() if n > 1] == [], "two active items at one path"
    return dict(items)
