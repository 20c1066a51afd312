"""A publisher plugin that "posts" into a local folder, for tests of the core and of the suite.

Each post is a sub-folder ``post-<id>`` holding the media and a ``post.json``; it is built in a
hidden staging folder and renamed into place, so a post appears whole or not at all, and every
step is recorded in the journal so that a resumed publication never makes a second one.

Faults are injected on demand through files in the folder, as a remote's state would be:
``.token`` (the token the "service" wants), ``.rate-limited`` (seconds to wait), ``.explode``
(an unexpected exception with the file's text).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import attrs

from mediasync import (
    AuthError,
    HealthCheck,
    MediaKind,
    PublicationJournal,
    Publisher,
    PublishError,
    PublishRequest,
    PublishResult,
    RateLimited,
    Secret,
    hookimpl,
)

__all__ = ["FolderPublisher", "FolderSettings", "count_posts", "register_publishers"]

POST_PREFIX = "post-"
STAGING_PREFIX = ".staging-"


@attrs.frozen
class FolderSettings:
    path: Path
    token: Secret | None = None


def count_posts(folder: Path) -> int:
    """The posts in ``folder``: what the remote side holds, whatever the journal says."""
    return sum(1 for child in folder.iterdir() if child.name.startswith(POST_PREFIX))


def _safe(name: str) -> str:
    cleaned = "".join("_" if ch in "/\\" or ord(ch) < 32 else ch for ch in name).strip()
    return cleaned.lstrip(".") or "unnamed"


class FolderPublisher(Publisher):
    type_name = "folder"
    description = "Copies images into a new sub-folder per post (tests only)."
    media_kinds = frozenset({MediaKind.IMAGE})
    kinds = frozenset({"post", "album"})
    default_kind = "post"
    Settings = FolderSettings

    settings: FolderSettings

    @property
    def folder(self) -> Path:
        return self.settings.path

    def _authorize(self) -> None:
        expected = self.folder / ".token"
        if expected.exists():
            given = self.settings.token.reveal() if self.settings.token else None
            if given != expected.read_text().strip():
                raise AuthError(f"folder {self.folder} refused the token")
        limited = self.folder / ".rate-limited"
        if limited.exists():
            wait = float(limited.read_text().strip() or "60")
            raise RateLimited(f"folder {self.folder} is busy", retry_after=wait)

    def check(self) -> HealthCheck:
        if not self.folder.is_dir():
            return HealthCheck.failed(
                f"folder {self.folder} does not exist", fix="create it, or set another path"
            )
        try:
            self._authorize()
        except (AuthError, RateLimited) as exc:
            return HealthCheck.failed(str(exc), fix="set the right token")
        return HealthCheck.healthy(f"{count_posts(self.folder)} posts")

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        self._authorize()
        explode = self.folder / ".explode"
        if explode.exists():
            raise RuntimeError(explode.read_text().strip())
        if request.kind == "post" and len(request.media) != 1:
            raise PublishError("a post holds one file: publish several as an album")
        if request.kind == "album" and len(request.media) < 2:
            raise PublishError("an album holds at least two files")
        done = journal.get("remote_id")
        if done is not None:
            return self._result(done)
        staging = journal.get("staging")
        if staging is None:
            staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
            journal.record("staging", staging)
        post_id = POST_PREFIX + staging.removeprefix(STAGING_PREFIX)
        if not (self.folder / post_id).exists():  # renamed just before a crash: posted
            self._build(self.folder / staging, request, journal)
            (self.folder / staging).rename(self.folder / post_id)
        journal.record("remote_id", post_id)
        return self._result(post_id)

    def _build(self, staging: Path, request: PublishRequest, journal: PublicationJournal) -> None:
        """Copies each file not copied yet (by the journal, and still there) into staging."""
        staging.mkdir(exist_ok=True)
        for position, media in enumerate(request.media):
            key = f"file:{position}"
            copied = journal.get(key)
            if copied is not None and (staging / copied).exists():
                continue
            name = f"{position:02d}-{_safe(media.name)}"
            with media.open() as stream, (staging / name).open("wb") as out:
                shutil.copyfileobj(stream, out)
            journal.record(key, name)
        about: dict[str, Any] = {
            "kind": request.kind,
            "caption": request.caption,
            "items": [media.item_id for media in request.media],
        }
        (staging / "post.json").write_text(json.dumps(about), encoding="utf-8")

    def _result(self, post_id: str) -> PublishResult:
        return PublishResult(
            remote_id=post_id, permalink=(self.folder / post_id).absolute().as_uri()
        )


@hookimpl
def register_publishers(register: Any) -> None:
    register(FolderPublisher)
