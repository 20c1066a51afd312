"""Instagram fetching the media a container names: a real HTTP GET, logged, never off the machine.

The Content Publishing guide: "We cURL media used in publishing attempts, so the media must be
hosted on a publicly accessible server at the time of the attempt." The fake does fetch: one
GET per URL with Meta's crawler user agent, and a failure is the documented "The media could not
be fetched from this uri" (9004/2207052), or 2207003 ("It takes too long to download the media")
on a timeout. Stricter than the documentation, which does not say:

- only ``http://`` URLs on a loopback host are fetched; any other host fails as unreachable, so
  no test ever reaches the internet (a real ``https`` host cannot be faked on loopback anyway);
- a redirect is not followed: a 3xx answer is a failed fetch, as is any status but 200;
- the answer must say ``Content-Type: image/*`` or ``video/*`` (the error's message is "Only
  photo or video can be accepted as media type."); the bytes are then judged by ``_media_bytes``.

Every attempt is logged as a ``FetchRecord`` (URL, what it was for, status, content type, bytes).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from fakes.instagram._errors import MediaRejected

__all__ = ["USER_AGENT", "FetchPurpose", "FetchRecord", "Fetcher"]

USER_AGENT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
FetchPurpose = Literal["image_url", "video_url", "cover_url"]
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class FetchRecord:
    """One fetch Instagram made: ``subcode`` is the error it led to, None when it succeeded."""

    url: str
    purpose: FetchPurpose
    at: float
    status: int | None
    content_type: str | None
    data: bytes = field(repr=False)
    subcode: int | None = None

    @property
    def ok(self) -> bool:
        return self.subcode is None


class Fetcher:
    """Downloads media for containers; ``log`` keeps every attempt in order."""

    def __init__(self, clock: Callable[[], float], timeout: float) -> None:
        self.clock = clock
        self.timeout = timeout
        self.log: list[FetchRecord] = []
        self.lock = threading.Lock()

    def records(self) -> list[FetchRecord]:
        with self.lock:
            return list(self.log)

    def fetch(self, url: str, purpose: FetchPurpose, max_bytes: int) -> bytes:
        """The body at ``url`` (at most ``max_bytes + 1`` bytes read); ``MediaRejected`` if not."""
        status: int | None = None
        content_type: str | None = None
        data = b""
        subcode: int | None = None
        try:
            status, content_type, data = self._get(url, max_bytes)
            kind = (content_type or "").split(";")[0].strip().lower()
            if status != 200 or not kind.startswith(("image/", "video/")):
                subcode = 2207052
        except TimeoutError:
            subcode = 2207003
        except (OSError, http.client.HTTPException, ValueError):
            subcode = 2207052
        with self.lock:
            self.log.append(
                FetchRecord(url, purpose, self.clock(), status, content_type, data, subcode)
            )
        if subcode is not None:
            raise MediaRejected(subcode, uri=url)
        return data

    def _get(self, url: str, max_bytes: int) -> tuple[int, str | None, bytes]:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK:
            raise OSError(f"{url!r} is not an http URL on loopback: the fake fetches nothing else")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            body = response.read(max_bytes + 1)
            return response.status, response.getheader("Content-Type"), body
        finally:
            connection.close()
