"""Reading Drive's change feed into ``ChangePage``s, placed with the folder map kept in the index.

Drive's ``changes.list`` reports changed files across the account (or one shared drive) with
their state now, one entry per file, and a renamed or moved folder as one entry, nothing for
the files below it. A page is read like this:

1. the map the cursor names is loaded (``_mapstore``): no listing at all;
2. the page's folder changes update a copy of it (``_mapupdate``); the difference between the
   two becomes ``moved_folders`` and ``removed_folders``, which the core applies in the
   database, one statement per folder, however many files are below;
3. only folders new to the tree are listed (their content is not in the feed);
4. each changed file is placed below its folder (``_place``); a file whose folder is outside
   the tree, trashed or deleted files, are removed (an id the index never had is a no-op); a
   name the oldest of several files left passes to the next one, placed with them;
5. after the last page the map, if it changed, is stored under a new version the cursor names.

The root folder itself trashed, deleted or no longer shared stops the run: nothing is removed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mediasync import ChangePage, CursorInvalid, MediaEntry, SourceUnreachable
from mediasync_gdrive._client import DriveClient
from mediasync_gdrive._discover import Discovery
from mediasync_gdrive._feedpages import read_changes, split_changes
from mediasync_gdrive._foldermap import FolderMap
from mediasync_gdrive._listing import Folder
from mediasync_gdrive._mapstore import MapStore, format_cursor, new_gen, parse_cursor
from mediasync_gdrive._mapupdate import MapUpdate, folder_changes
from mediasync_gdrive._place import Placer

__all__ = ["SIBLING_QUERIES_PER_RUN", "ChangeFeed"]

SIBLING_QUERIES_PER_RUN = 2
"""Same-name checks a run may spend (``_place``): the feed's calls stay ~1 per 1,000 changes."""
Resource = Mapping[str, Any]


class ChangeFeed:
    """Turns pages of ``changes.list`` into ``ChangePage``s for the tree rooted at ``root``."""

    def __init__(
        self,
        client: DriveClient,
        discovery: Discovery,
        root: Folder,
        page_size: int,
        maps: MapStore,
    ) -> None:
        self.client = client
        self.discovery = discovery
        self.root = root
        self.page_size = page_size
        self.maps = maps
        self.map: FolderMap | None = None
        self.placer = Placer(client, discovery.walker, SIBLING_QUERIES_PER_RUN)
        self._changed_in_run = False

    def start_token(self) -> str:
        drive = {"driveId": self.root.drive_id} if self.root.drive_id else {}
        response = self.client.call(
            lambda s: s.changes().getStartPageToken(supportsAllDrives=True, **drive),
            "changes.getStartPageToken",
        )
        return str(response["startPageToken"])

    def read(self, token: str, drive_id: str | None) -> Iterator[tuple[list[Resource], str, bool]]:
        """Each page from ``token``: (changes, the token after it, whether more follow).

        Raises:
            CursorInvalid: Drive no longer accepts the token.
        """
        return read_changes(self.client, token, drive_id, self.page_size)

    def page(self, cursor: str) -> ChangePage:
        token, drive_id, gen = parse_cursor(cursor)
        before = self._map_for(gen)
        changes, next_token, more = next(self.read(token, drive_id))
        after = before.copy()
        upserts, removed = self._apply(changes, after)
        moved, removed_folders = folder_changes(before, after)
        after.seen_until = max([after.seen_until, *(str(c.get("time") or "") for c in changes)])
        if _structure(after) != _structure(before):
            if not self._changed_in_run:
                after.gen = new_gen()
            self._changed_in_run = True
        self.map = after
        if not more and self._changed_in_run:
            self.maps.save(after, next_token)
        return ChangePage(
            upserts=tuple(upserts.values()),
            removed=tuple(r for r in removed if r not in upserts),
            cursor=format_cursor(next_token, drive_id, after.gen),
            more=more,
            moved_folders=tuple(moved),
            removed_folders=tuple(removed_folders),
        )

    def adopt(self, fmap: FolderMap, token: str) -> None:
        """A full listing's map becomes the feed's, stored for the next run."""
        self.map = fmap
        self.maps.save(fmap, token)

    def place(self, resources: list[Resource]) -> dict[str, MediaEntry]:
        """Entries of these files, by id, at the paths a listing gives them (a fresh map, same
        names told apart); files outside the tree, or not media, have none."""
        fmap = self.discovery.build(self.root)
        keys = fmap.keys_by_folder()
        files = [
            (key, resource)
            for resource in resources
            for key in [next((keys[p] for p in resource.get("parents") or () if p in keys), None)]
            if key is not None
        ]
        placer = Placer(self.client, self.discovery.walker, None)
        return placer.place(fmap, fmap.paths(), files)

    # -- one page ------------------------------------------------------------------------------

    def _map_for(self, gen: str | None) -> FolderMap:
        if self.map is not None and self.map.gen == gen:
            return self.map
        if self.maps.available:
            fmap = self.maps.load(gen)
            if fmap is None or fmap.root != self.root.id:
                raise CursorInvalid("no usable folder map for the stored cursor")
        else:  # a source built by hand (tests): the map of now, in memory only
            fmap = self.discovery.build(self.root)
            fmap.gen = gen or new_gen()
        self.map = fmap
        return fmap

    def _apply(
        self, changes: list[Resource], fmap: FolderMap
    ) -> tuple[dict[str, MediaEntry], dict[str, None]]:
        gone, folders, shortcuts, files = split_changes(changes, self.root.id)
        if self.root.id in gone:
            raise SourceUnreachable(
                "the source's Drive folder was trashed, deleted or unshared; nothing "
                "was changed in the index (restore or share it, or remove the source)"
            )
        remembered = dict(fmap.names)
        update = MapUpdate(fmap, self.client)
        update.apply(gone, folders, shortcuts)
        upserts: dict[str, MediaEntry] = {}
        removed = dict(gone)
        placed: list[tuple[str, Resource]] = []
        pending = files
        while True:
            self._list_new(update, fmap, upserts)
            if not pending:
                break
            for resource in pending:
                key = update.parent_key(str(p) for p in resource.get("parents") or ())
                if key is None:
                    removed[str(resource["id"])] = None
                else:
                    placed.append((key, resource))
            pending = []
            if not update.tops:
                break
        placed = [(key, r) for key, r in placed if str(r["id"]) not in upserts]
        left = [*removed, *upserts]  # gone, or placed by a listing: either way off their name
        upserts.update(self.placer.place(fmap, fmap.paths(), placed, left, remembered))
        return upserts, removed

    def _list_new(self, update: MapUpdate, fmap: FolderMap, upserts: dict[str, MediaEntry]) -> None:
        """Lists the folders new to the tree (adding their subfolders to the map)."""
        if not update.tops:
            return
        paths = fmap.paths()
        starts = [
            Folder(fmap.listing_id(key), paths[key], fmap.drive_of(key), key)
            for key in dict.fromkeys(update.tops)
            if key in paths
        ]
        update.tops.clear()
        for entry in self.discovery.walk(fmap, starts):
            upserts[entry.source_id] = entry


def _structure(fmap: FolderMap) -> tuple[Any, ...]:
    return (fmap.nodes, list(fmap.outside), fmap.names)
