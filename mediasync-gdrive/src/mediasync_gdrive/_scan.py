"""A full listing: the first sync, ``sync --full``, the weekly reconcile, an expired token.

The core's ``changes`` strategy takes the change-feed token (``start``) before listing
(``entries``). The folder map is built at ``start``, right after the token (``_discover``), so
a change made during the listing is replayed by the next sync, and stored with the listing's
end under a new version the returned cursor names.

The listing is also the check of the map kept in the index: the stored map is brought up to
now from its own token (folder changes only, a ``changes.list`` call per 1,000 changes), then
compared with the listing's. Any difference means the map had drifted from Drive (a bug, or a
change Drive did not report); it is logged, and the listing's map replaces it.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterator

import attrs

from mediasync import CursorInvalid, MediaEntry
from mediasync_gdrive._changes import ChangeFeed
from mediasync_gdrive._discover import Discovery
from mediasync_gdrive._feedpages import split_changes
from mediasync_gdrive._foldermap import FolderMap
from mediasync_gdrive._listing import Folder
from mediasync_gdrive._mapstore import format_cursor, new_gen
from mediasync_gdrive._mapupdate import MapUpdate

__all__ = ["FullScan", "differences"]

logger = logging.getLogger("mediasync.gdrive")
SHOWN = 5


@attrs.define
class FullScan:
    discovery: Discovery
    feed: ChangeFeed
    root: Folder
    owner: str
    token: str | None = None
    gen: str = ""
    map: FolderMap | None = None

    def start(self) -> str:
        """The cursor of now; the folder map of now (``None`` where the walk builds it)."""
        self.token = self.feed.start_token()
        self.gen = new_gen()
        self.map = self.discovery.folder_map(self.root)
        if self.map is not None:
            self.map.gen = self.gen
            self.feed.map = self.map
        return format_cursor(self.token, self.root.drive_id, self.gen)

    def entries(self) -> Iterator[MediaEntry]:
        """Every media file of the tree; after the last, the map is checked and stored.

        Only the listing right after ``start`` stores its map (the cursor names it); any
        other builds the map of now for itself."""
        token, self.token = self.token, None
        fresh = token is not None and self.feed.map is self.map
        fmap = self.map if fresh else self.discovery.folder_map(self.root)
        if fmap is None:
            fmap = FolderMap(self.root.id, self.root.drive_id)
            yield from self.discovery.walk(fmap, [self.root])
        else:
            yield from self.discovery.files(fmap, self.root)
        if fresh and token is not None:
            fmap.gen = self.gen
            self._check(fmap)
            self.feed.adopt(fmap, token)

    def _check(self, listed: FolderMap) -> None:
        stored = self.feed.maps.latest()
        if stored is None or stored[0].root != listed.root:
            return
        kept, token = stored
        try:
            for changes, _token, _more in self.feed.read(token, self.root.drive_id):
                gone, folders, shortcuts, _files = split_changes(changes, self.root.id)
                MapUpdate(kept, self.feed.client, lookups=False).apply(gone, folders, shortcuts)
        except CursorInvalid:
            logger.info("%s: the kept folder map is too old to check against Drive", self.owner)
            return
        found = differences(kept, listed)
        if found:
            logger.warning(
                "%s: the folder map kept in the index differed from Drive in %d folders (%s); "
                "repaired from the listing",
                self.owner,
                len(found),
                "; ".join(found[:SHOWN]) + ("; …" if len(found) > SHOWN else ""),
            )
        else:
            logger.info("%s: the folder map kept in the index matches Drive", self.owner)


def differences(kept: FolderMap, listed: FolderMap) -> list[str]:
    """What ``kept`` says wrong about the tree, ``listed`` being right: each folder missing,
    extra, or named or placed otherwise (not the folders below one, which follow it)."""
    before, after = _by_folder(kept), _by_folder(listed)
    found: list[str] = []
    for folder_id in sorted(before.keys() | after.keys(), key=lambda f: after.get(f, ("",))):
        if folder_id not in after:
            if before[folder_id][1] in after:
                found.append(f"'{before[folder_id][0]}' is no longer in the tree")
        elif folder_id not in before:
            if after[folder_id][1] in before:
                found.append(f"'{after[folder_id][0]}' was missing")
        elif before[folder_id] != after[folder_id]:
            (old, old_parent), (new, new_parent) = before[folder_id], after[folder_id]
            if old_parent != new_parent or posixpath.basename(old) != posixpath.basename(new):
                found.append(f"'{old}' is '{new}'")
    return found


def _by_folder(fmap: FolderMap) -> dict[str, tuple[str, str]]:
    """folder id → (path, parent folder id) of the tree's folders."""
    paths = fmap.paths()
    return {
        fmap.listing_id(key): (path, fmap.listing_id(fmap.nodes[key].parent))
        for key, path in paths.items()
        if key != fmap.root and not fmap.nodes[key].blocked
    }
