"""The setting of the publishing tests: a memory source with indexed media, a folder account.

``publishing_scene`` makes it; each test module wraps it in a ``scene`` fixture.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from click.testing import Result
from core import folder_publisher, memory_plugin
from core.folder_publisher import count_posts
from support import CliRun, json_output

from mediasync.testing import sample_jpeg, sample_mp4, sample_png

__all__ = ["MEDIA", "Scene", "publishing_scene"]

MEDIA = {
    "a.jpg": sample_jpeg(1),
    "b.png": sample_png(2),
    "c.jpg": sample_jpeg(3),
    "clip.mp4": sample_mp4(4),
}


@attrs.define
class Scene:
    """Source ``mem`` (memory, holding ``MEDIA``, synced) and account ``out`` (folder)."""

    run: CliRun
    database_url: str
    root: str
    """The memory store's root: drop it from ``STORES`` to make the source unreachable."""
    folder: Path
    """The folder account's folder, where posts appear."""
    ids: dict[str, int] = attrs.field(factory=dict)
    """Item id by path."""

    def __call__(self, *args: str, **kwargs: Any) -> Result:
        return self.run(["--db", self.database_url, *args], **kwargs)

    def json(self, *args: str) -> Any:
        return json_output(self(*args, "--json"))

    def posts(self) -> int:
        return count_posts(self.folder)

    def publications(self) -> list[dict[str, Any]]:
        return list(self.json("publications", "--limit", "0"))

    def restore_store(self) -> None:
        """Makes the memory root again, with the same files under the same ids."""
        memory_plugin.create_store(self.root, MEDIA)


def publishing_scene(
    run: CliRun, cli_builtins: list[tuple[str, object]], database_url: str, tmp_path: Path
) -> Iterator[Scene]:
    cli_builtins.extend([("memory", memory_plugin), ("folder", folder_publisher)])
    root = f"memory-{uuid.uuid4().hex}"
    memory_plugin.create_store(root, MEDIA)
    folder = tmp_path / "posts"
    folder.mkdir()
    scene = Scene(run, database_url, root, folder)
    try:
        assert scene("sources", "add", "mem", "--type", "memory", "--root", root).exit_code == 0
        assert scene("sync", "mem").exit_code == 0
        added = scene("publishers", "add", "out", "--type", "folder", "--set", f"path={folder}")
        assert added.exit_code == 0, added.stderr
        items = json.loads(scene("items", "list", "--json").stdout)
        scene.ids = {item["path"]: item["id"] for item in items}
        yield scene
    finally:
        memory_plugin.STORES.pop(root, None)
