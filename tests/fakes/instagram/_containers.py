"""IG Containers: what ``POST /{ig-user-id}/media`` creates, and the state ``status_code`` reads.

Facts followed (IG Container reference; IG User Media "Limitations"; Content Publishing guide,
"Troubleshooting"; Error Codes):

- Fields: ``id``, ``status_code``, ``status`` ("If status_code is ERROR, this value will be an
  error subcode") and ``copyright_check_status`` (``{"matches_found", "status"}``, for videos);
  the container has no edges. ``status_code`` is ``IN_PROGRESS``, ``FINISHED``, ``ERROR``,
  ``PUBLISHED`` or ``EXPIRED`` ("not published within 24 hours"): "Containers expire after 24
  hours". ``status`` reads as the API is known to send it: ``Finished: Media has been uploaded
  and it is ready to be published.``, ``Error: Media upload has failed with error code 2207026``.

Stricter than the documentation: without ``fields`` only the ``id`` comes back (the reference
says "default fields" without naming them); an ``ERROR`` container stays ``ERROR`` past 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fakes.instagram._container_spec import ContainerSpec
from fakes.instagram._errors import nonexisting_field
from fakes.instagram._fields import Fields

__all__ = [
    "CONTAINER_FIELDS",
    "CONTAINER_LIFETIME",
    "Container",
    "ContainerState",
    "Publication",
    "StatusCode",
]

CONTAINER_LIFETIME = 86_400
ContainerState = Literal["IN_PROGRESS", "FINISHED", "ERROR", "PUBLISHED"]
StatusCode = Literal["IN_PROGRESS", "FINISHED", "ERROR", "PUBLISHED", "EXPIRED"]
CONTAINER_FIELDS = frozenset({"copyright_check_status", "id", "status", "status_code"})
_STATUS_TEXT: dict[StatusCode, str] = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
}


@dataclass(frozen=True)
class Publication:
    """One successful ``media_publish``: what the quota counts."""

    at: float
    container_id: str
    media_id: str


@dataclass(eq=False)
class Container:
    """One IG Container of an account: its parameters, its processing, what it became."""

    id: str
    account_id: str
    spec: ContainerSpec
    created_at: float
    state: ContainerState = "IN_PROGRESS"
    polls_left: int = 0
    """Status reads still to answer ``IN_PROGRESS`` before processing completes."""
    fail_with: int | None = None
    """A subcode processing will end in (``fail_processing``), instead of looking at bytes."""
    error_subcode: int | None = None
    data: bytes | None = field(default=None, repr=False)
    """The fetched image or video."""
    cover: bytes | None = field(default=None, repr=False)
    media_id: str | None = None
    """The IG Media it was published as."""
    processing: bool = False
    """A fetch for it is under way (outside the store's lock)."""

    def expired(self, now: float) -> bool:
        live = self.state in {"IN_PROGRESS", "FINISHED"}
        return live and now - self.created_at >= CONTAINER_LIFETIME

    def status_code(self, now: float) -> StatusCode:
        return "EXPIRED" if self.expired(now) else self.state

    def status_text(self, now: float) -> str:
        code = self.status_code(now)
        if code == "ERROR":
            return f"Error: Media upload has failed with error code {self.error_subcode}"
        return _STATUS_TEXT[code]

    def render(self, fields: Fields, now: float, node_type: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in fields:
            if name not in CONTAINER_FIELDS:
                raise nonexisting_field(name, node_type)
            if name == "id":
                out["id"] = self.id
            elif name == "status_code":
                out[name] = self.status_code(now)
            elif name == "status":
                out[name] = self.status_text(now)
            elif self.spec.is_video:
                done = "in_progress" if self.state == "IN_PROGRESS" else "completed"
                out[name] = {"matches_found": False, "status": done}
        out.setdefault("id", self.id)
        return out
