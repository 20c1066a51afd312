"""The fake CDN: signed, expiring ``media_url`` / ``thumbnail_url`` links and the bytes behind them.

Real links look like ``https://scontent-….cdninstagram.com/v/t51.2885-15/…jpg?…&oh=<signature>
&oe=<expiry as hex seconds>``; the fake keeps that shape on its own loopback port. A link stops
working at its ``oe`` deadline, or at once after ``expire_all`` (the test's "the CDN rotated its
keys"), answering 403 ``URL signature expired``; a tampered link answers 403 ``URL signature
mismatch``; a deleted media item 404. Reading the item again through the API mints a fresh link.
The documentation says nothing on link lifetime: ``ttl`` is a setting (two days by default).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from fakes.instagram._model import GraphStore, Media

__all__ = ["CdnResponse", "CdnSigner"]

_PATH = re.compile(r"^/v/t51\.2885-15/(?P<id>\d+)_(?P<variant>[nt])\.(?P<ext>jpg|mp4)$")


@dataclass(frozen=True)
class CdnResponse:
    status: int
    body: bytes
    headers: dict[str, str]


class CdnSigner:
    """Mints and checks links for one fake; ``base_url`` is the CDN listener's address."""

    def __init__(self, store: GraphStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl
        self.base_url = ""
        self.epoch = 0
        self._secret = secrets.token_bytes(16)

    def expire_all(self) -> None:
        """Every link minted so far answers 403 from now on."""
        self.epoch += 1

    def _signature(self, path: str, deadline: int, epoch: int) -> str:
        message = f"{path}|{deadline}|{epoch}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def url(self, media: Media, variant: str = "n") -> str:
        """A fresh link to ``media``'s bytes (``n``) or its video thumbnail (``t``)."""
        ext = "mp4" if media.media_type == "VIDEO" and variant == "n" else "jpg"
        path = f"/v/t51.2885-15/{media.id}_{variant}.{ext}"
        deadline = int(self.store.clock.now() + self.ttl)
        query = {
            "stp": "dst-jpg_e35" if ext == "jpg" else "dst-mp4",
            "_nc_ht": "scontent.cdninstagram.com",
            "_nc_cat": str(self.epoch),
            "oh": self._signature(path, deadline, self.epoch),
            "oe": format(deadline, "X"),
        }
        return f"{self.base_url}{path}?{urlencode(query)}"

    def serve(self, path: str, params: dict[str, str], range_header: str | None) -> CdnResponse:
        match = _PATH.match(path)
        if match is None:
            return _text(404, "Not Found")
        try:
            deadline = int(params.get("oe", ""), 16)
            epoch = int(params.get("_nc_cat", ""))
        except ValueError:
            return _text(403, "Bad URL timestamp")
        if not hmac.compare_digest(params.get("oh", ""), self._signature(path, deadline, epoch)):
            return _text(403, "URL signature mismatch")
        if epoch != self.epoch or self.store.clock.now() >= deadline:
            return _text(403, "URL signature expired")
        with self.store.lock:
            media = self.store.media.get(match["id"])
            if media is None or media.deleted:
                return _text(404, "Not Found")
            data = media.thumbnail if match["variant"] == "t" else media.data
            content_type = "image/jpeg" if match["ext"] == "jpg" else "video/mp4"
        if data is None:
            return _text(404, "Not Found")
        return _ranged(data, content_type, range_header)


def _text(status: int, message: str) -> CdnResponse:
    return CdnResponse(status, message.encode(), {"Content-Type": "text/plain"})


def _ranged(data: bytes, content_type: str, range_header: str | None) -> CdnResponse:
    """The whole body, or one ``bytes=`` range of it (suffix ``-n`` and open ``a-`` included)."""
    headers = {"Content-Type": content_type, "Accept-Ranges": "bytes"}
    total = len(data)
    if range_header is None:
        return CdnResponse(200, data, headers)
    unit, _, spec = range_header.partition("=")
    first, _, last = spec.strip().partition("-")
    if unit.strip() != "bytes" or "," in spec or not (first.isdigit() or last.isdigit()):
        return CdnResponse(200, data, headers)  # an unparsable Range is ignored, as RFC 9110 says
    if first.isdigit():
        start = int(first)
        end = min(int(last), total - 1) if last.isdigit() else total - 1
    else:
        start, end = max(0, total - int(last)), total - 1
    if start >= total or start > end:
        return CdnResponse(416, b"", {**headers, "Content-Range": f"bytes */{total}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    return CdnResponse(206, data[start : end + 1], headers)
