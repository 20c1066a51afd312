"""One attempt at one publication: stage, make containers, publish, clean up, by the journal.

Journal keys: ``staged.<i>`` (the Cloudinary copy of file ``i``, chosen before its upload),
``child.<i>`` (a carousel item's container), ``container`` (the post's container, recorded
before ``media_publish``), ``publishing`` (when ``media_publish`` was first sent), ``media_id``
and ``permalink`` (the post). A resumed attempt reads the container's status: ``PUBLISHED`` is
done (the post is found among the account's newest media), ``FINISHED`` is published,
``ERROR`` or ``EXPIRED`` is replaced by a new container (as is one whose processing failed
temporarily, while the attempt runs: see ``Containers.processed``). Staged copies are destroyed
once the post exists or the attempt failed, whatever the failure.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from mediasync import PublicationJournal, PublishMedia, PublishRequest, PublishResult, RateLimited
from mediasync_instagram._containers import Containers, QuotaFull
from mediasync_instagram._media_facts import MediaFacts, read_facts
from mediasync_instagram._rules import CONVERTED_FORMATS, check_facts, check_staged_jpeg
from mediasync_instagram._staging import Stage, Staged

__all__ = ["PublicationAttempt"]

logger = logging.getLogger("mediasync.instagram")
LIVE = frozenset({"IN_PROGRESS", "FINISHED"})


class PublicationAttempt:
    """Publishes ``request`` as far as ``journal`` says it has not been yet."""

    def __init__(
        self,
        request: PublishRequest,
        journal: PublicationJournal,
        containers: Containers,
        stage: Stage,
        quota_full: Callable[[int, int], RateLimited],
    ) -> None:
        self.request = request
        self.journal = journal
        self.containers = containers
        self.stage = stage
        self.quota_full = quota_full

    def run(self) -> PublishResult:
        try:
            result = self._finished() or self._post()
        except QuotaFull:
            self._clean()
            used, total = self.containers.quota()
            raise self.quota_full(max(used, total), total) from None
        except (Exception, KeyboardInterrupt):
            self._clean()
            raise
        self._clean()
        return result

    # -- the post --------------------------------------------------------------------------

    def _finished(self) -> PublishResult | None:
        media_id = self.journal.get("media_id")
        if media_id is None:
            return None
        link = self.journal.get("permalink")
        if link is None:
            link = self.containers.permalink(media_id) or ""
            self.journal.record("permalink", link)
        return PublishResult(media_id, link or None)

    def _post(self) -> PublishResult:
        container = self._live("container")
        if container is not None and container[1] == "PUBLISHED":
            return self._found(container[0])
        used, total = self.containers.quota()
        if used >= total:
            raise QuotaFull()
        made = None if container is None else container[0]
        container_id = self.containers.processed(self._make_container, self._what(), made)
        if self.journal.get("publishing") is None:
            self.journal.record("publishing", datetime.now(UTC).isoformat())
        media_id = self.containers.publish(container_id)
        if media_id is None:
            return self._found(container_id)
        self.journal.record("media_id", media_id)
        link = self.containers.permalink(media_id)
        self.journal.record("permalink", link or "")
        return PublishResult(media_id, link)

    def _live(self, key: str) -> tuple[str, str] | None:
        """(container id, status) of the container recorded under ``key``, unless it is gone
        (``ERROR``, ``EXPIRED``): then a new one is made."""
        container_id = self.journal.get(key)
        if container_id is None:
            return None
        status, _text = self.containers.status(container_id)
        return None if status in {"ERROR", "EXPIRED"} else (container_id, status)

    def _found(self, container_id: str) -> PublishResult:
        """The post of a ``PUBLISHED`` container whose ``media_publish`` answer was lost."""
        started = self.journal.get("publishing")
        since = datetime.fromisoformat(started) if started else datetime.now(UTC) - timedelta(1)
        story = self.request.kind == "story"
        hit = self.containers.find(story, self.request.caption, since)
        if hit is None:
            logger.warning(
                "container %s was published, but its post cannot be told apart from others: "
                "recorded without its media id and permalink",
                container_id,
            )
            media_id, link = container_id, None
        else:
            media_id, link = hit
        self.journal.record("media_id", media_id)
        self.journal.record("permalink", link or "")
        return PublishResult(media_id, link)

    def _what(self) -> str:
        names = ", ".join(media.name for media in self.request.media)
        return f"{self.request.kind} {names}"

    # -- containers ------------------------------------------------------------------------

    def _make_container(self) -> str:
        request = self.request
        caption = {"caption": request.caption} if request.caption else {}
        if request.kind == "carousel":
            children = self._children()
            container_id = self.containers.create(
                self._what(), media_type="CAROUSEL", children=",".join(children), **caption
            )
        else:
            (staged,) = self._staged([0])
            url = staged.url or ""
            key = "video_url" if staged.resource_type == "video" else "image_url"
            if request.kind == "feed":
                params = {"image_url": url, **caption}
            elif request.kind == "reel":
                params = {"media_type": "REELS", "video_url": url, **caption}
            else:
                params = {"media_type": "STORIES", key: url}
            container_id = self.containers.create(self._what(), **params)
        self.journal.record("container", container_id)
        return container_id

    def _children(self) -> list[str]:
        live = [self._live(f"child.{i}") for i in range(len(self.request.media))]
        missing = [i for i, child in enumerate(live) if child is None]
        staged = dict(zip(missing, self._staged(missing), strict=True))
        made = [
            child[0] if child is not None else self._make_child(i, staged[i])
            for i, child in enumerate(live)
        ]
        return [
            self.containers.processed(partial(self._make_child, i), media.name, made[i])
            for i, media in enumerate(self.request.media)
        ]

    def _make_child(self, position: int, staged: Staged | None = None) -> str:
        """A carousel item's container (all of them made before any is waited for)."""
        item = staged or self._staged([position])[0]
        if item.resource_type == "video":
            params = {"media_type": "VIDEO", "video_url": item.url or ""}
        else:
            params = {"image_url": item.url or ""}
        name = self.request.media[position].name
        child_id = self.containers.create(name, is_carousel_item="true", **params)
        self.journal.record(f"child.{position}", child_id)
        return child_id

    # -- staging ---------------------------------------------------------------------------

    def _staged(self, positions: list[int]) -> list[Staged]:
        """Files ``positions`` on Cloudinary: each one not staged yet is read from its source
        and checked (all of them) before the first upload."""
        ready: dict[int, Staged] = {}
        for i in positions:
            known = self.journal.get(f"staged.{i}")
            staged = None if known is None else Staged.loads(known)
            if staged is not None and staged.url and not staged.gone:
                ready[i] = staged
        with tempfile.TemporaryDirectory(prefix="mediasync-instagram-") as folder:
            local: dict[int, tuple[Path, MediaFacts]] = {}
            for i in positions:
                if i not in ready:
                    local[i] = self._read(i, Path(folder))
            for i, (path, facts) in local.items():
                ready[i] = self._upload(i, path, facts)
        return [ready[i] for i in positions]

    def _read(self, position: int, folder: Path) -> tuple[Path, MediaFacts]:
        media = self.request.media[position]
        path = folder / f"{position:02d}"
        with media.open() as stream, path.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        facts = read_facts(path)
        check_facts(self.request.kind, media, facts)
        for note in facts.unchecked:
            logger.warning("%s: %s", media.name, note)
        return path, facts

    def _upload(self, position: int, path: Path, facts: MediaFacts) -> Staged:
        media: PublishMedia = self.request.media[position]
        key = f"staged.{position}"
        known = self.journal.get(key)
        staged = None if known is None else Staged.loads(known)
        if staged is None or staged.gone or staged.resource_type != facts.resource_type:
            staged = self.stage.new(facts.resource_type)
            self.journal.record(key, staged.dumps())
        convert = facts.format in CONVERTED_FORMATS
        uploaded, size = self.stage.upload(staged, path, convert=convert)
        self.journal.record(key, uploaded.dumps())
        if convert:
            check_staged_jpeg(media, size)
        return uploaded

    def _clean(self) -> None:
        """Destroys every staged copy not destroyed yet (Cloudinary's answer is awaited)."""
        for position in range(len(self.request.media)):
            key = f"staged.{position}"
            known = self.journal.get(key)
            if known is None:
                continue
            staged = Staged.loads(known)
            if not staged.gone and self.stage.destroy(staged):
                gone = Staged(staged.public_id, staged.resource_type, None, gone=True)
                self.journal.record(key, gone.dumps())
