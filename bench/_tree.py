"""Synthetic media trees (``tests/media_factory.py``) and the 1% churn applied between syncs.

A tree of ``n`` files is mostly small images and clips (1-64 KiB, or 1-4 KiB with ``small``)
plus one file in a thousand of 1-4 MiB, in nested folders of about 100-250 files each. A
``tiny`` tree is a phone's camera roll in miniature: JPEG and PNG files of a few hundred bytes
to 2 KiB in ``YYYY/MM/DD`` folders, 1,680 days for 100,000 files (about 60 a day).
"""

from __future__ import annotations

import datetime
import os
import random
import sys
from pathlib import Path

import attrs

from bench._proc import ROOT

sys.path.insert(0, str(ROOT / "tests"))

import media_factory  # lives in tests/, put on the path just above

__all__ = [
    "Churn",
    "TreeStats",
    "apply_churn",
    "list_files",
    "make_media_tree",
    "make_tiny_tree",
    "tree_stats",
]

SMALL_SIZES = (1024, 64 * 1024)
TINY_SIZES = (1024, 4 * 1024)
BIG_SIZES = (1024 * 1024, 4 * 1024 * 1024)
BIG_SHARE = 0.001
TINY_FILE_SIZES = (300, 2048)
"""Added to each kind's smallest valid file: a few hundred bytes to about 2 KiB."""
TINY_FILES_PER_DAY = 100_000 / 1_680


@attrs.frozen(slots=True)
class TreeStats:
    files: int
    folders: int
    bytes: int


def _shape(n_files: int) -> tuple[int, int]:
    """(depth, fanout) giving roughly 100-250 files per folder."""
    for depth, fanout in ((2, 4), (3, 4), (4, 5), (5, 5), (5, 6)):
        folders = sum(fanout**level for level in range(depth + 1))
        if n_files / folders <= 250:
            return depth, fanout
    return 6, 6


def make_media_tree(root: Path, n_files: int, *, seed: int = 1, small: bool = False) -> None:
    """Writes ``n_files`` media files under ``root`` (which must not exist yet)."""
    root.mkdir(parents=True)
    n_big = max(1, round(n_files * BIG_SHARE)) if not small else 0
    n_small = n_files - n_big
    depth, fanout = _shape(n_small)
    media_factory.make_tree(
        root / "photos",
        n_small,
        seed=seed,
        depth=depth,
        fanout=fanout,
        files_per_folder=50,
        size=TINY_SIZES if small else SMALL_SIZES,
    )
    if n_big:
        media_factory.make_tree(
            root / "clips",
            n_big,
            seed=seed + 1,
            depth=1,
            fanout=4,
            files_per_folder=25,
            size=BIG_SIZES,
            kinds=("mp4", "mov", "jpg"),
        )


def make_tiny_tree(root: Path, n_files: int, *, seed: int = 1) -> None:
    """Writes ``n_files`` tiny JPEG/PNG files under ``root/YYYY/MM/DD/`` (about 60 a day)."""
    root.mkdir(parents=True)
    rng = random.Random(f"tiny:{seed}")
    days = max(1, round(n_files / TINY_FILES_PER_DAY))
    first = datetime.date(2019, 1, 1)
    kinds = ("jpg", "jpg", "jpg", "png")
    for index in range(n_files):
        day = first + datetime.timedelta(days=index * days // n_files)
        folder = root / f"{day:%Y/%m/%d}"
        if index == 0 or (index - 1) * days // n_files != index * days // n_files:
            folder.mkdir(parents=True, exist_ok=True)
        kind = kinds[rng.randrange(len(kinds))]
        size = media_factory.MIN_SIZES[kind] + rng.randint(*TINY_FILE_SIZES)
        name = f"IMG_{day:%Y%m%d}_{index:06d}.{kind}"
        (folder / name).write_bytes(media_factory.media_bytes(kind, size, f"{seed}:{index}"))


def list_files(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted."""
    found: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as scanner:
            for item in scanner:
                if item.is_dir(follow_symlinks=False):
                    stack.append(Path(item.path))
                else:
                    found.append(os.path.relpath(item.path, root))
    found.sort()
    return found


def tree_stats(root: Path) -> TreeStats:
    files = folders = size = 0
    for _dirpath, dirnames, filenames in os.walk(root):
        folders += len(dirnames)
        for name in filenames:
            files += 1
            size += os.stat(os.path.join(_dirpath, name)).st_size
    return TreeStats(files, folders, size)


@attrs.frozen(slots=True)
class Churn:
    """What ``apply_churn`` did: the counts a sync must then report, kind by kind."""

    renamed: int
    moved: int
    modified: int
    removed: int
    added: int

    @property
    def total(self) -> int:
        return self.renamed + self.moved + self.modified + self.removed + self.added

    def expected_counts(self) -> dict[str, int]:
        return attrs.asdict(self)


def apply_churn(
    root: Path, share: float, seed: int, *, edits: bool = True, sizes: tuple[int, int] = SMALL_SIZES
) -> Churn:
    """Renames, moves, edits, deletes and adds ``share`` of the files, a fifth each.

    Renames stay in their folder; moves keep the name and go to another folder; edits rewrite
    the bytes in place (same inode, same size, new content and time); additions are new files
    of ``sizes`` bytes. Without ``edits``, a quarter each of the other four.
    """
    rng = random.Random(f"churn:{seed}")
    files = list_files(root)
    each = max(1, round(len(files) * share / (5 if edits else 4)))
    chosen = rng.sample(files, (4 if edits else 3) * each)
    renames, moves = chosen[:each], chosen[each : 2 * each]
    edited = chosen[2 * each : 3 * each] if edits else []
    deletes = chosen[-each:]
    folders = sorted({os.path.dirname(path) for path in files})
    for path in renames:
        stem, ext = os.path.splitext(path)
        os.rename(root / path, root / f"{stem}_r{seed}{ext}")
    for path in moves:
        here = os.path.dirname(path)
        there = rng.choice([f for f in folders if f != here])
        name = os.path.basename(path)
        if (root / there / name).exists():
            name = f"m{seed}_{name}"
        os.rename(root / path, root / there / name)
    for n, path in enumerate(edited):
        target = root / path
        kind = target.suffix.lstrip(".")
        size = target.stat().st_size
        target.write_bytes(media_factory.media_bytes(kind, size, f"edit:{seed}:{n}"))
    for path in deletes:
        os.unlink(root / path)
    for n in range(each):
        folder = rng.choice(folders)
        media_factory.write_media(
            root / folder / f"NEW_{seed}_{n:06d}.jpg", rng.randint(*sizes), seed=f"{seed}:{n}"
        )
    return Churn(renamed=each, moved=each, modified=len(edited), removed=each, added=each)
