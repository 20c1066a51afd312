"""What the soak's workers keep in sync, and the churn that changes it all along.

- local folders (most sources), a few small files each, some in a subfolder;
- folders of the fake Drive, each its own source (read through the change feed);
- one Instagram account on the fake Graph API, new posts appearing now and then.

Every change is drawn from one seeded ``random.Random``; each kind is counted. The truth at the
end is read from the disk and the fakes, never from the product.
"""

from __future__ import annotations

import collections
import hashlib
import os
import random
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from fakes.drive import FakeDrive
from fakes.instagram import Account, FakeGraph
from indexing import jpeg

__all__ = ["Churn", "DriveFolders", "Instagram", "LocalFolders", "Op", "local_truth"]

Op = Callable[[random.Random], str | None]


def local_truth(root: Path) -> dict[str, str]:
    """path → SHA-256 of every file under ``root``."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class LocalFolders:
    """``count`` folder sources under ``base``; files parked in ``base/parked`` can come back."""

    def __init__(self, base: Path, count: int, rng: random.Random) -> None:
        self.base = base
        self.roots = [base / f"local-{n:03d}" for n in range(count)]
        self.parked = base / "parked"
        self.parked.mkdir(parents=True)
        self.numbers = iter(range(10**9))
        self.parked_from: dict[Path, Path] = {}
        for root in self.roots:
            for _ in range(rng.randint(2, 5)):
                self._write(self._new_path(root, rng), rng)

    @property
    def names(self) -> list[str]:
        return [root.name for root in self.roots]

    def _new_path(self, root: Path, rng: random.Random) -> Path:
        folder = root / "sub" if rng.random() < 0.3 else root
        return folder / f"f{next(self.numbers):06d}.jpg"

    def _write(self, path: Path, rng: random.Random) -> None:
        jpeg(path, size=rng.randint(300, 3000), seed=rng.randrange(256))

    def _files(self, root: Path) -> list[Path]:
        return sorted(p for p in root.rglob("*") if p.is_file())

    def _some_file(self, rng: random.Random, leaving: bool = False) -> Path | None:
        """A file of a random source; for a change that takes it away (``leaving``), never
        the last one: a source found empty while its items are indexed is refused as a missing
        root (the documented rule), and would stay so until a file came back."""
        root = rng.choice(self.roots)
        files = self._files(root)
        if len(files) <= (1 if leaving else 0):
            return None
        return rng.choice(files)

    # -- the changes: each returns its name, or None when it found nothing to change ---------

    def add(self, rng: random.Random) -> str | None:
        self._write(self._new_path(rng.choice(self.roots), rng), rng)
        return "local add"

    def edit(self, rng: random.Random) -> str | None:
        """New bytes in place (the same inode), usually of another size."""
        file = self._some_file(rng)
        if file is None:
            return None
        self._write(file, rng)
        return "local edit"

    def rename(self, rng: random.Random) -> str | None:
        file = self._some_file(rng)
        if file is None:
            return None
        file.rename(file.with_name(f"r{next(self.numbers):06d}.jpg"))
        return "local rename"

    def move(self, rng: random.Random) -> str | None:
        """Into the source's subfolder, or out of it."""
        file = self._some_file(rng)
        if file is None:
            return None
        root = next(r for r in self.roots if file.is_relative_to(r))
        target = root if file.parent.name == "sub" else root / "sub"
        target.mkdir(exist_ok=True)
        file.rename(target / file.name)
        return "local move"

    def cross(self, rng: random.Random) -> str | None:
        """To another source: a removal there, an addition here."""
        file = self._some_file(rng, leaving=True)
        if file is None:
            return None
        other = rng.choice(self.roots)
        shutil.move(file, other / f"x{next(self.numbers):06d}.jpg")
        return "local cross"

    def remove(self, rng: random.Random) -> str | None:
        file = self._some_file(rng, leaving=True)
        if file is None:
            return None
        file.unlink()
        return "local remove"

    def park(self, rng: random.Random) -> str | None:
        """Out of every source, to come back later (a restore)."""
        file = self._some_file(rng, leaving=True)
        if file is None:
            return None
        parked = self.parked / f"p{next(self.numbers):06d}"
        os.rename(file, parked)
        self.parked_from[parked] = file
        return "local park"

    def unpark(self, rng: random.Random) -> str | None:
        if not self.parked_from:
            return None
        parked = rng.choice(sorted(self.parked_from))
        origin = self.parked_from.pop(parked)
        if origin.exists():
            origin = origin.with_name(f"u{next(self.numbers):06d}.jpg")
        origin.parent.mkdir(parents=True, exist_ok=True)
        os.rename(parked, origin)
        return "local restore"

    def ops(self) -> list[tuple[float, Op]]:
        return [
            (4, self.add),
            (3, self.edit),
            (2, self.rename),
            (2, self.move),
            (1, self.cross),
            (2, self.remove),
            (1, self.park),
            (1, self.unpark),
        ]


class DriveFolders:
    """``count`` folders of the fake Drive shared with the service account, each a source with
    a subfolder; names are never reused (the same-name rules have their own proofs,
    tests/proofs/test_drive_names.py and the Drive model)."""

    def __init__(self, drive: FakeDrive, email: str, count: int, rng: random.Random) -> None:
        self.drive = drive
        self.roots: list[str] = []
        self.subfolders: dict[str, str] = {}
        self.files: dict[str, str] = {}  # file id → root id
        self.trashed: set[str] = set()
        self.numbers = iter(range(10**9))
        self.lock = threading.Lock()
        for n in range(count):
            root = drive.folder(f"Soak {n:02d}")
            drive.share(root, email, "writer")
            self.roots.append(root)
            self.subfolders[root] = drive.folder("album", under=root)
            for _ in range(rng.randint(4, 8)):
                self.add(rng, root)

    def _data(self, rng: random.Random) -> bytes:
        return b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(200, 2000))

    def add(self, rng: random.Random, root: str | None = None) -> str | None:
        root = root or rng.choice(self.roots)
        parent = self.subfolders[root] if rng.random() < 0.4 else root
        file_id = self.drive.add_file(
            f"d{next(self.numbers):06d}.jpg", self._data(rng), under=parent
        )
        self.files[file_id] = root
        return "drive add"

    def _some(self, rng: random.Random, trashed: bool = False, leaving: bool = False) -> str | None:
        """A file (or a trashed one); for ``leaving``, never the last live file of its root
        (an empty tree is refused as a missing root, the documented rule)."""
        pool = sorted(self.trashed if trashed else set(self.files) - self.trashed)
        if leaving:
            live = collections.Counter(self.files[f] for f in set(self.files) - self.trashed)
            pool = [f for f in pool if live[self.files[f]] > 1]
        return rng.choice(pool) if pool else None

    def rename(self, rng: random.Random) -> str | None:
        file_id = self._some(rng)
        if file_id is None:
            return None
        self.drive.rename(file_id, f"r{next(self.numbers):06d}.jpg")
        return "drive rename"

    def move(self, rng: random.Random) -> str | None:
        file_id = self._some(rng)
        if file_id is None:
            return None
        root = self.files[file_id]
        inside = self.drive.get(file_id).parents == [self.subfolders[root]]
        self.drive.move(file_id, root if inside else self.subfolders[root])
        return "drive move"

    def edit(self, rng: random.Random) -> str | None:
        file_id = self._some(rng)
        if file_id is None:
            return None
        self.drive.write(file_id, self._data(rng))
        return "drive edit"

    def trash(self, rng: random.Random) -> str | None:
        file_id = self._some(rng, leaving=True)
        if file_id is None:
            return None
        self.drive.trash(file_id)
        self.trashed.add(file_id)
        return "drive trash"

    def untrash(self, rng: random.Random) -> str | None:
        file_id = self._some(rng, trashed=True)
        if file_id is None:
            return None
        self.drive.untrash(file_id)
        self.trashed.discard(file_id)
        return "drive restore"

    def delete(self, rng: random.Random) -> str | None:
        file_id = self._some(rng, leaving=True)
        if file_id is None:
            return None
        self.drive.delete(file_id)
        del self.files[file_id]
        return "drive delete"

    def ops(self) -> list[tuple[float, Op]]:
        return [
            (3, self.add),
            (2, self.rename),
            (2, self.move),
            (2, self.edit),
            (1, self.trash),
            (1, self.untrash),
            (1, self.delete),
        ]


class Instagram:
    """One account with some posts; new images, videos, reels and carousels appear."""

    def __init__(self, graph: FakeGraph, posts: int) -> None:
        self.graph = graph
        self.account: Account = graph.account("soak.account", posts=posts)
        self.numbers = iter(range(10**9))

    def post(self, rng: random.Random) -> str | None:
        caption = f"soak post {next(self.numbers)}"
        kind = rng.choice(["image", "image", "video", "reel", "carousel"])
        if kind == "image":
            self.graph.post_image(self.account, caption)
        elif kind == "video":
            self.graph.post_video(self.account, caption)
        elif kind == "reel":
            self.graph.post_reel(self.account, caption)
        else:
            self.graph.post_carousel(self.account, ("IMAGE", "VIDEO", "IMAGE"), caption)
        return f"instagram {kind}"

    def truth(self) -> set[str]:
        """The media ids the source must index: each post, or each child of an album."""
        ids: set[str] = set()
        for media in self.account.media:
            if media.product_type == "STORY":
                continue
            ids.update([child.id for child in media.children] or [media.id])
        return ids

    def ops(self) -> list[tuple[float, Op]]:
        return [(1, self.post)]


class Churn:
    """Changes drawn from weighted ops at ``rate`` per second on a thread, until stopped."""

    def __init__(self, ops: list[tuple[float, Op]], rate: float, seed: int) -> None:
        self.ops = ops
        self.rate = rate
        self.rng = random.Random(seed)
        self.counts: collections.Counter[str] = collections.Counter()
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="soak-churn", daemon=True)

    def _run(self) -> None:
        weights = [weight for weight, _ in self.ops]
        functions = [op for _, op in self.ops]
        while not self.stop.wait(self.rng.expovariate(self.rate)):
            op = self.rng.choices(functions, weights)[0]
            try:
                done = op(self.rng)
            except Exception as exc:  # a change the test failed to make: reported, not fatal
                self.errors.append(f"{getattr(op, '__name__', op)}: {exc!r}")
                continue
            if done:
                self.counts[done] += 1

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)
