"""The folder map: every folder of the tree, where it hangs, and so the path below it.

Drive reports a changed file with its parent's id, never a path, and a renamed or moved
folder as one change, not one per file below it. To place a change the plugin needs each
folder's parent and name; kept between runs (``_mapstore``) and updated from the feed itself
(``_mapupdate``), the map makes a sync with changes cost only the change feed's calls.

Nodes are keyed by what stands in the parent folder: a folder by its id; a folder reached
through a shortcut by the shortcut's id (``target`` is then the folder whose children are
listed there, and ``name``/``created`` are the shortcut's). A shortcut to a folder already in
the tree is ``blocked``: listed nowhere, it only takes its name among its siblings, as it does
in a listing. Paths follow ``_names``: folder-like siblings that share a safe name are told
apart by age, so a folder's path may change when a sibling does, and the map computes them
all at once. ``outside`` remembers folders learnt to be outside the tree (bounded), so changes
there are ignored without asking Drive again. ``names`` remembers the few file names that a
change cannot be placed by alone (``_place``): those several files of a folder share, and those
written otherwise than made safe (``a/b.jpg``, listed as ``a_b.jpg``).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from mediasync_gdrive._names import FOLDER, assign_names

__all__ = ["FORMAT", "FolderMap", "MapFormatError", "Members", "Node"]

FORMAT = 3
"""The stored map's format (3: with ``names``); a map of another (or none) is rebuilt by a
full scan."""
OUTSIDE_KEPT = 20_000
Members = tuple[tuple[str, str], ...]


class MapFormatError(ValueError):
    """A stored map that cannot be read (corrupt, or written by another version)."""


@attrs.frozen(slots=True)
class Node:
    parent: str
    """The key of the parent node ("" for the root)."""
    name: str
    created: str
    target: str | None = None
    drive: str | None = None
    blocked: bool = False


@attrs.define
class FolderMap:
    """The tree's folders below ``root``; ``gen`` names this version (the cursor carries it)."""

    root: str
    drive: str | None
    gen: str = ""
    nodes: dict[str, Node] = attrs.field(factory=dict)
    outside: dict[str, None] = attrs.field(factory=dict)
    names: dict[str, Members] = attrs.field(factory=dict)
    """``folder id/safe name`` → the files of that folder with that safe name, as ``(id, name
    in Drive)`` oldest first (the first one has the name in paths), for the names that several
    files share or that some file writes otherwise than made safe (see ``_place``)."""
    seen_until: str = ""
    """The latest change time (or listed time) the map reflects: files created after it are new."""

    def __attrs_post_init__(self) -> None:
        self.nodes.setdefault(self.root, Node("", "", ""))

    # -- reading -------------------------------------------------------------------------------

    def listing_id(self, key: str) -> str:
        return self.nodes[key].target or key

    def keys_by_folder(self) -> dict[str, str]:
        """folder id → node key, for the folders listed in the tree (not blocked shortcuts)."""
        return {self.listing_id(k): k for k, n in self.nodes.items() if not n.blocked}

    def paths(self) -> dict[str, str]:
        """node key → path below the root, for every node reachable from the root."""
        children: dict[str, list[str]] = defaultdict(list)
        for key, node in self.nodes.items():
            if key != self.root:
                children[node.parent].append(key)
        found = {self.root: ""}
        pending = [self.root]
        while pending:
            parent = pending.pop()
            kids = children.get(parent, [])
            names = assign_names(
                {
                    "id": k,
                    "name": self.nodes[k].name,
                    "createdTime": self.nodes[k].created,
                    "mimeType": FOLDER,
                }
                for k in kids
            )
            for key in kids:
                found[key] = posixpath.join(found[parent], names[key])
                if not self.nodes[key].blocked:
                    pending.append(key)
        return found

    def shared(self, pair: str) -> bool:
        """Whether several files of the folder were last seen with this ``folder/safe name``."""
        return len(self.names.get(pair, ())) > 1

    def drive_of(self, key: str) -> str | None:
        node = self.nodes[key]
        return node.drive if node.drive is not None or node.target else self.drive

    # -- writing -------------------------------------------------------------------------------

    def add(self, key: str, node: Node) -> None:
        self.nodes[key] = node
        self.outside.pop(node.target or key, None)

    def mark_outside(self, folder_ids: Iterable[str]) -> None:
        for folder_id in folder_ids:
            self.outside.pop(folder_id, None)
            self.outside[folder_id] = None
        while len(self.outside) > OUTSIDE_KEPT:
            del self.outside[next(iter(self.outside))]

    def prune(self) -> list[str]:
        """Drops the nodes no longer reachable from the root; returns their keys."""
        reachable = self.paths()
        gone = [key for key in self.nodes if key not in reachable]
        self.mark_outside(self.listing_id(key) for key in gone if not self.nodes[key].blocked)
        for key in gone:
            del self.nodes[key]
        if self.names:  # the names of folders no longer in the tree (a returning one is listed)
            folders = self.keys_by_folder()
            for pair in [p for p in self.names if p.partition("/")[0] not in folders]:
                del self.names[pair]
        return gone

    def copy(self) -> FolderMap:
        return FolderMap(
            self.root,
            self.drive,
            self.gen,
            dict(self.nodes),
            dict(self.outside),
            dict(self.names),
            self.seen_until,
        )

    # -- storing -------------------------------------------------------------------------------

    def to_json(self, token: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "gen": self.gen,
            "token": token,
            "root": self.root,
            "drive": self.drive,
            "seen_until": self.seen_until,
            "nodes": {
                k: [n.parent, n.name, n.created, n.target, n.drive, n.blocked]
                for k, n in self.nodes.items()
            },
            "outside": list(self.outside),
            "names": {pair: [list(m) for m in members] for pair, members in self.names.items()},
        }

    @classmethod
    def from_json(cls, value: Any) -> FolderMap:
        """Raises ``MapFormatError`` for anything but a readable map of this format."""
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            found = value.get("format") if isinstance(value, dict) else type(value).__name__
            raise MapFormatError(f"format {found!r}, not {FORMAT}")
        try:
            nodes = {str(k): Node(*v) for k, v in value["nodes"].items()}
            fmap = cls(
                str(value["root"]),
                value["drive"],
                str(value["gen"]),
                nodes,
                dict.fromkeys(map(str, value["outside"])),
                {
                    str(pair): tuple((str(i), str(n)) for i, n in members)
                    for pair, members in value["names"].items()
                },
                str(value.get("seen_until") or ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MapFormatError(f"unreadable ({type(exc).__name__}: {exc})") from None
        if any(node.parent not in nodes for key, node in nodes.items() if key != fmap.root):
            raise MapFormatError("a folder's parent is missing")
        return fmap
