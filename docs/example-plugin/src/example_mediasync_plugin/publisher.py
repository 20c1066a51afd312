"""``ExampleOutboxPublisher``: posts media into a local outbox folder, one folder per post."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import attrs

from mediasync import (
    HealthCheck,
    PublicationJournal,
    Publisher,
    PublishError,
    PublishRequest,
    PublishResult,
)


@attrs.frozen
class ExampleOutboxSettings:
    """``--set outbox=~/Outbox``: the folder each post is written to."""

    outbox: Path


class ExampleOutboxPublisher(Publisher):
    type_name = "example-outbox"
    description = "Writes each post into a folder of its own (the plugin-author example)."
    kinds = frozenset({"post", "story"})
    default_kind = "post"
    Settings = ExampleOutboxSettings

    settings: ExampleOutboxSettings

    @property
    def outbox(self) -> Path:
        return self.settings.outbox.expanduser().absolute()

    def check(self) -> HealthCheck:
        if not self.outbox.is_dir():
            return HealthCheck.failed(
                f"outbox {self.outbox} does not exist", fix="create it or set another outbox"
            )
        return HealthCheck.healthy(str(self.outbox))

    def publish(self, request: PublishRequest, journal: PublicationJournal) -> PublishResult:
        if request.kind == "story" and len(request.media) != 1:
            raise PublishError("a story holds exactly one file")
        # Choose the post's id and record it before the post exists: every retry of this
        # publication then works on the same post instead of making another.
        post_id = journal.get("post_id")
        if post_id is None:
            post_id = uuid.uuid4().hex
            journal.record("post_id", post_id)
        post = self.outbox / post_id
        # Make the post unless an earlier attempt did: build it aside, then rename it into
        # place, so that it appears whole or not at all.
        if not post.exists():
            draft = self.outbox / f".{post_id}.draft"
            draft.mkdir(exist_ok=True)
            for position, media in enumerate(request.media):
                suffix = "".join(c for c in Path(media.name).suffix if c.isalnum() or c == ".")
                with media.open() as stream, (draft / f"{position:02d}{suffix}").open("wb") as out:
                    shutil.copyfileobj(stream, out)
            (draft / "caption.txt").write_text(request.caption, encoding="utf-8")
            draft.rename(post)
        return PublishResult(remote_id=post_id, permalink=post.as_uri())
