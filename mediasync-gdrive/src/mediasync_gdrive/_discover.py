"""A cold listing whose cost does not depend on the tree's depth.

Walking a tree level by level costs at least one query per level. Instead every folder (and
shortcut) the account sees in the root's corpus comes in one paged query, the tree is built in
memory from the parents, and files are then listed ``parents_per_query`` folders to a query
whatever their depth: about folders/1000 + folders/50 + files/1000 calls.

That query also returns folders outside the tree: a large My Drive holding a small root would
pay for all of them. The first page decides: if it holds fewer of the tree's folders than one
query of the walk would list (``parents_per_query``), the rest of the account is probably
larger than the walk, and the tree is walked level by level instead (said in the log).
Folders reached through shortcuts whose folder is not in that corpus are walked too.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from mediasync import MediaEntry
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._entries import entry_from
from mediasync_gdrive._foldermap import FolderMap, Node
from mediasync_gdrive._listing import (
    FILES_FILTER,
    FOLDERS_FILTER,
    Folder,
    children_of,
    notable_names,
    page_by_page,
)
from mediasync_gdrive._mapbuild import WALK, build_map, inside_count
from mediasync_gdrive._mapupdate import FOLDER_FIELDS
from mediasync_gdrive._names import SHORTCUT, assign_names, is_folder_like
from mediasync_gdrive._walk import TreeWalker

__all__ = ["Discovery"]

logger = logging.getLogger("mediasync.gdrive")
Resource = Mapping[str, Any]


class Discovery:
    """Builds a source's folder map and lists the files it holds."""

    def __init__(self, client: DriveClient, walker: TreeWalker, owner: str) -> None:
        self.client = client
        self.walker = walker
        self.owner = owner

    def folder_map(self, root: Folder) -> FolderMap | None:
        """The map from the one folder query; ``None`` when walking is cheaper (logged)."""
        found: list[Resource] = []
        for number, (page, more) in enumerate(
            page_by_page(
                self.client,
                f"{FOLDERS_FILTER} and trashed = false",
                drive_id=root.drive_id,
                page_size=self.walker.page_size,
                fields=FOLDER_FIELDS,
                all_drives=False,
            )
        ):
            found += page
            if number == 0 and more:
                inside = inside_count(root.id, page)
                if inside < self.walker.parents_per_query:
                    logger.info(
                        "%s: the account sees more than %d folders and the first %d hold "
                        "only %d of this tree's: listing the tree level by level instead",
                        self.owner,
                        len(page),
                        len(page),
                        inside,
                    )
                    return None
        return build_map(root, found)

    def files(self, fmap: FolderMap, root: Folder) -> Iterator[MediaEntry]:
        """Every media file of the map's folders, then of the folders reached through
        shortcuts that the folder query did not cover (walked, added to the map)."""
        paths = fmap.paths()
        listed = fmap.keys_by_folder()
        corpora: dict[str | None, list[str]] = defaultdict(list)
        to_walk: list[Folder] = []
        for key, node in fmap.nodes.items():
            if node.blocked or key not in paths:
                continue
            if node.target is not None and node.drive == WALK:
                to_walk.append(Folder(node.target, paths[key], None, key))
            else:
                corpora[fmap.drive_of(key)].append(fmap.listing_id(key))
        multi_parent: set[str] = set()
        per_query = self.walker.parents_per_query
        for drive_id, folders in corpora.items():
            for start in range(0, len(folders), per_query):
                batch = folders[start : start + per_query]
                children = children_of(
                    self.client,
                    batch,
                    FILES_FILTER,
                    drive_id=drive_id,
                    page_size=self.walker.page_size,
                )
                for folder_id in batch:
                    kids = [k for k in children.get(folder_id, []) if not is_folder_like(k)]
                    names = assign_names(kids)
                    fmap.names.update(notable_names(folder_id, kids))
                    folder_path = paths[listed[folder_id]]
                    for kid in kids:
                        kid_id = str(kid["id"])
                        if len(kid.get("parents") or ()) > 1:
                            if kid_id in multi_parent:
                                continue
                            multi_parent.add(kid_id)
                        path = posixpath.join(folder_path, names[kid_id])
                        entry = (
                            self.walker.shortcut_entry(kid, path)
                            if kid.get("mimeType") == SHORTCUT
                            else entry_from(kid, path)
                        )
                        if entry is not None:
                            yield entry
        if to_walk:
            yield from self.walk(fmap, to_walk)

    def build(self, root: Folder) -> FolderMap:
        """The map of now: from the folder query, or walked (folders only) where cheaper."""
        fmap = self.folder_map(root)
        if fmap is None:
            fmap = FolderMap(root.id, root.drive_id)
            for _ in self.walk(fmap, [root], folders_only=True):
                pass
        return fmap

    def walk(
        self, fmap: FolderMap, starts: list[Folder], *, folders_only: bool = False
    ) -> Iterator[MediaEntry]:
        """The media below ``starts`` listed level by level, their folders added to the map."""
        visited = {f for f in fmap.keys_by_folder() if f not in {s.id for s in starts}}

        def seen(child: Folder, parent: Folder, resource: Resource, blocked: bool) -> None:
            name, created = str(resource.get("name", "")), str(resource.get("createdTime", ""))
            if child.entry:  # a shortcut to a folder
                node = Node(parent.key, name, created, child.id, WALK, blocked)
            else:
                drive = child.drive_id if child.drive_id != fmap.drive else None
                node = Node(parent.key, name, created, None, drive)
            fmap.add(child.key, node)

        yield from self.walker.walk(
            starts,
            visited=visited,
            folders_only=folders_only,
            on_folder=seen,
            duplicates=fmap.names,
        )
