"""The folder map built in memory from one listing of every folder and shortcut of a corpus.

Drive returns folders in no useful order and each names only its parents, so the tree below
the root is found by following parents from it: folders first, breadth-first, then shortcuts
to folders not yet in the tree, in the order met, as a walk expands them. A shortcut's folder
that the listing did not include (another corpus: a shared drive) is marked to be walked.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from typing import Any

from mediasync_gdrive._foldermap import FolderMap, Node
from mediasync_gdrive._listing import Folder
from mediasync_gdrive._names import FOLDER, SHORTCUT, is_folder_like

__all__ = ["WALK", "build_map", "inside_count"]

Resource = Mapping[str, Any]
WALK = ""
"""The ``drive`` of a shortcut's node whose folder the listing did not cover: walk it."""


def inside_count(root: str, page: Sequence[Resource]) -> int:
    """How many folders of ``page`` provably hang below ``root`` (through folders of it)."""
    parent_of = {str(r["id"]): [str(p) for p in r.get("parents") or ()] for r in page}
    memo: dict[str, bool] = {root: True}

    def inside(folder_id: str) -> bool:
        chain: list[str] = []
        node = folder_id
        while node not in memo and node in parent_of and len(chain) <= len(parent_of):
            chain.append(node)
            node = parent_of[node][0] if parent_of[node] else ""
        result = memo.get(node, False)
        memo.update(dict.fromkeys(chain, result))
        return result

    return sum(1 for r in page if r.get("mimeType") == FOLDER and inside(str(r["id"])))


def build_map(root: Folder, found: list[Resource]) -> FolderMap:
    """The tree below ``root`` from every folder and shortcut of the corpus: folders first,
    then shortcuts to folders not yet in it (in the order met), as a walk expands them."""
    fmap = FolderMap(root.id, root.drive_id)
    children: dict[str, list[Resource]] = defaultdict(list)
    for resource in found:
        for parent in resource.get("parents") or ():
            children[str(parent)].append(resource)
    in_corpus = {str(r["id"]) for r in found if r.get("mimeType") == FOLDER}
    listed = {root.id}
    queue: deque[tuple[str, str]] = deque([(root.id, root.id)])
    shortcuts: deque[tuple[str, Resource]] = deque()
    while queue or shortcuts:
        if not queue:
            parent_key, shortcut = shortcuts.popleft()
            key, target = str(shortcut["id"]), str(shortcut["shortcutDetails"]["targetId"])
            blocked = target in listed
            walk = WALK if target not in in_corpus else None
            fmap.add(key, _node(parent_key, shortcut, target, walk, blocked))
            if not blocked:
                listed.add(target)
                if target in in_corpus:
                    queue.append((target, key))
            continue
        folder_id, key = queue.popleft()
        for child in children.get(folder_id, []):
            child_id = str(child["id"])
            if child.get("mimeType") == FOLDER and child_id not in listed:
                listed.add(child_id)
                drive = child.get("driveId")
                fmap.add(
                    child_id, _node(key, child, None, drive if drive != root.drive_id else None)
                )
                queue.append((child_id, child_id))
            elif is_folder_like(child) and child.get("mimeType") == SHORTCUT:
                shortcuts.append((key, child))
    return fmap


def _node(
    parent: str, resource: Resource, target: str | None, drive: str | None, blocked: bool = False
) -> Node:
    return Node(
        parent,
        str(resource.get("name", "")),
        str(resource.get("createdTime", "")),
        target,
        drive,
        blocked,
    )
