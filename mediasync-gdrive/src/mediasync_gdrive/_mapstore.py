"""The folder map kept between runs in the index (``Source.save_state``), matched to the cursor.

The core commits a run's cursor with its changes, but a source's state is written when the
source writes it: a run that stops after the map was saved (a failure, removals held by the
mass-removal gate, a dry run) leaves a map ahead of the cursor. So each map version has a
random ``gen`` that the cursor carries (``v2~GEN~DRIVE~TOKEN``); a run reads the map of its
cursor's ``gen``, and saving a new version keeps the one the run started from as ``base``.
A cursor whose map is missing, unreadable or of another format (an older plugin's cursor has
no ``gen``) cannot be placed: the run falls back to a full scan, which rebuilds the map and
removes nothing but what the listing proves gone.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from mediasync import NotSupported, Source
from mediasync_gdrive._foldermap import FolderMap, MapFormatError

__all__ = ["MapStore", "format_cursor", "new_gen", "parse_cursor"]

logger = logging.getLogger("mediasync.gdrive")
LATEST = "folder-map"
BASE = "folder-map.base"
CURSOR_TAG = "v2"


def new_gen() -> str:
    return secrets.token_hex(6)


def format_cursor(token: str, drive_id: str | None, gen: str) -> str:
    """The cursor the engine stores: the map's version, the shared drive if any (so a later
    run needs no call to learn which feed to read), and Drive's page token."""
    return f"{CURSOR_TAG}~{gen}~{drive_id or ''}~{token}"


def parse_cursor(cursor: str) -> tuple[str, str | None, str | None]:
    """(token, drive id, map gen); an older plugin's cursor (``[DRIVE:]TOKEN``) has no gen."""
    if cursor.startswith(CURSOR_TAG + "~"):
        _tag, gen, drive_id, token = cursor.split("~", 3)
        return token, drive_id or None, gen
    drive_id, sep, token = cursor.rpartition(":")
    return (token, drive_id, None) if sep else (cursor, None, None)


class MapStore:
    """Loads and saves one source's folder maps."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.loaded: Any = None
        """The stored value this run started from: kept as ``base`` when a new map is saved."""

    @property
    def available(self) -> bool:
        """False for a source built by hand (a test): its map lives in memory only."""
        return getattr(self.source, "state_store", None) is not None

    def load(self, gen: str | None) -> FolderMap | None:
        """The map of version ``gen``; ``None`` (and why, in the log) when there is none."""
        if gen is None:
            logger.warning(
                "source '%s': the cursor comes from an older version of the plugin, which "
                "kept no folder map; a full scan builds one",
                self.source.name,
            )
            return None
        for key in (LATEST, BASE):
            value = self._read(key)
            if isinstance(value, dict) and value.get("gen") == gen:
                try:
                    fmap = FolderMap.from_json(value)
                except MapFormatError as exc:
                    logger.warning(
                        "source '%s': the folder map kept in the index is unusable (%s); a "
                        "full scan rebuilds it, removing only what the listing proves gone",
                        self.source.name,
                        exc,
                    )
                    return None
                self.loaded = value
                return fmap
        logger.warning(
            "source '%s': no folder map matches the cursor (it was lost or replaced); a full "
            "scan rebuilds it, removing only what the listing proves gone",
            self.source.name,
        )
        return None

    def latest(self) -> tuple[FolderMap, str] | None:
        """The newest stored map and the token it was current at (what a full scan checks)."""
        value = self._read(LATEST)
        try:
            return (FolderMap.from_json(value), str(value["token"])) if value else None
        except (MapFormatError, KeyError, TypeError):
            return None

    def save(self, fmap: FolderMap, token: str) -> None:
        """Stores ``fmap`` as the latest map, the one this run started from as ``base``."""
        if not self.available:
            return
        base = self.loaded if self.loaded is not None else self._read(LATEST)
        if isinstance(base, dict) and base.get("gen") != fmap.gen:
            self.source.save_state(BASE, base)
        value = fmap.to_json(token)
        self.source.save_state(LATEST, value)
        self.loaded = value

    def _read(self, key: str) -> Any:
        try:
            return self.source.load_state(key)
        except NotSupported:
            return None
