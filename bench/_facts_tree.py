"""Real-shaped photo and video trees for the media-facts bench, and a 1M-item index.

JPEGs are Pillow-encoded noise (which compresses as badly as a real photo) at six sizes, from
about 10 KB to 4 MB, each with an EXIF block (orientation, camera, ``DateTimeOriginal`` with its
offset); every file gets its own capture time and a unique tail after the end-of-image marker,
so no two files share bytes. Videos are MP4s of 2 to 24 MB, two thirds with the ``moov`` after
the ``mdat`` as cameras write them, one in five without a video track.
"""

from __future__ import annotations

import hashlib
import io
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._proc import ROOT

sys.path.insert(0, str(ROOT / "tests"))

__all__ = ["fill_index", "make_facts_tree"]

SIDES = ((48, 48), (160, 120), (400, 300), (800, 600), (1280, 960), (1600, 1200))
WEIGHTS = (10, 15, 20, 25, 20, 10)
PLACEHOLDER = "2020:01:01 00:00:00"


def _templates() -> list[bytes]:
    from local.facts_files import exif  # tests/local/facts_files.py
    from PIL import Image

    templates = []
    noise = random.Random(7)
    for width, height in SIDES:
        pixels = Image.frombytes("RGB", (width, height), noise.randbytes(width * height * 3))
        out = io.BytesIO()
        block = exif(6, PLACEHOLDER, "+02:00", "Canon", "Canon EOS R6")
        pixels.save(out, "JPEG", quality=92, exif=block)
        templates.append(out.getvalue())
    return templates


def make_facts_tree(root: Path, photos: int, videos: int, seed: int = 3) -> int:
    """Writes the tree; returns its bytes."""
    from local.facts_files import movie_bytes

    chance = random.Random(seed)
    templates = _templates()
    start, total = datetime(2015, 1, 1), 0
    for n in range(photos):
        (template,) = chance.choices(templates, WEIGHTS)
        taken = start + timedelta(minutes=chance.randrange(10 * 365 * 24 * 60))
        data = template.replace(PLACEHOLDER.encode(), f"{taken:%Y:%m:%d %H:%M:%S}".encode(), 1)
        path = root / f"{taken:%Y}" / f"{taken:%m}" / f"IMG_{n:06}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data + chance.randbytes(16))
        total += len(data) + 16
    for n in range(videos):
        media = chance.randrange(2, 24) * 1024 * 1024
        data = movie_bytes(moov_last=n % 3 != 0, video=n % 5 != 0, media=media)
        path = root / "videos" / f"VID_{n:04}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data[:-64] + chance.randbytes(64) if n % 3 == 0 else data)
        total += len(data)
    return total


def fill_index(engine: Any, items: int, sources: int = 3, duplicate_share: float = 0.01) -> None:
    """``items`` active photos over ``sources`` sources, one taken every few minutes over ten
    years, a share of them with the bytes of another (duplicates), written in bulk.

    Hashes are real SHA-256 digests (of the item's number), so they share no prefix and the
    hash index looks like a real one. The tables are analysed, and on PostgreSQL vacuumed, as
    autovacuum leaves them soon after a bulk load (an index-only scan then skips the heap).
    """
    from sqlalchemy import insert, text

    from mediasync._db.schema import media_items

    now = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM sources ORDER BY id"))]
        chance = random.Random(11)
        batch: list[dict[str, Any]] = []
        for n in range(items):
            same = n - 1 if n and chance.random() < duplicate_share else n
            taken = now - timedelta(minutes=5 * (items - n))
            batch.append(
                {
                    "source_id": ids[n % sources],
                    "external_id": f"1:{n}",
                    "path": f"{taken:%Y/%m}/IMG_{n:07}.jpg",
                    "folder": f"{taken:%Y/%m}",
                    "name": f"IMG_{n:07}.jpg",
                    "size": 2_000_000 + same,
                    "mtime_us": n,
                    "sha256": hashlib.sha256(b"%d" % same).hexdigest(),
                    "kind": "image",
                    "mime_type": "image/jpeg",
                    "width": 4000,
                    "height": 3000,
                    "active": True,
                    "first_seen_at": now,
                    "changed_at": now,
                    "taken_at": taken,
                    "facts_version": 1,
                }
            )
            if len(batch) == 20000:
                connection.execute(insert(media_items), batch)
                batch = []
        if batch:
            connection.execute(insert(media_items), batch)
        connection.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE media_items"))
