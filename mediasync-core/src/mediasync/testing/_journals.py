"""In-memory publication journals and media for publisher tests.

``MemoryJournal`` is the journal a publisher gets in a test; ``InterruptingJournal`` stands for
a process that dies right after the step it recorded, so a test can resume from exactly there.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Mapping

from mediasync._publisher import PublishMedia

__all__ = [
    "InterruptingJournal",
    "MemoryJournal",
    "PublishInterrupted",
    "TrackedStream",
    "media_from_bytes",
]


class PublishInterrupted(BaseException):
    """Raised by ``InterruptingJournal`` right after a record: the process died there.

    A ``BaseException``, like ``KeyboardInterrupt``: a publisher's ``except Exception`` must not
    be able to swallow it, as it could not swallow a crash.
    """


class MemoryJournal:
    """A ``PublicationJournal`` in a dict; ``records`` lists every ``record`` call in order."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.records: list[tuple[str, str]] = []

    def get(self, key: str) -> str | None:
        assert isinstance(key, str), f"journal keys are strings, not {key!r}"
        return self.values.get(key)

    def record(self, key: str, value: str) -> None:
        assert isinstance(key, str), f"journal keys are strings, not {key!r}"
        assert isinstance(value, str), (
            f"journal values are strings, not {type(value).__name__} ({key!r}: {value!r}): "
            "store json.dumps(...) of a structured value"
        )
        self.values[key] = value
        self.records.append((key, value))


class InterruptingJournal(MemoryJournal):
    """A ``MemoryJournal`` that raises ``PublishInterrupted`` once it holds
    ``interrupt_after`` records (counting every record since it was made); ``None`` never."""

    def __init__(
        self, values: Mapping[str, str] | None = None, *, interrupt_after: int | None = None
    ) -> None:
        super().__init__(values)
        self.interrupt_after = interrupt_after

    def record(self, key: str, value: str) -> None:
        super().record(key, value)
        if self.interrupt_after is not None and len(self.records) >= self.interrupt_after:
            raise PublishInterrupted(f"interrupted after record {len(self.records)}: {key!r}")


class TrackedStream(io.BytesIO):
    """The stream ``media_from_bytes`` hands out; ``opened`` collects them so a test can see
    that the publisher closed each one."""


def media_from_bytes(
    item_id: int,
    name: str,
    data: bytes,
    *,
    mime_type: str | None = None,
    opened: list[TrackedStream] | None = None,
) -> PublishMedia:
    """A ``PublishMedia`` over ``data`` (the mime type guessed from ``name`` unless given);
    every stream it opens is appended to ``opened`` when given."""

    def open_stream() -> TrackedStream:
        stream = TrackedStream(data)
        if opened is not None:
            opened.append(stream)
        return stream

    return PublishMedia(
        item_id=item_id,
        name=name,
        mime_type=mime_type or mimetypes.guess_type(name)[0],
        size=len(data),
        open=open_stream,
    )
