"""The ``photo`` of sendPhoto: a multipart upload, a ``file_id`` sent before, or an HTTP URL.

Facts followed (Bot API sendPhoto and "Sending files"): a new photo is uploaded as
``multipart/form-data`` (under the parameter's own name, or under any name referenced as
``attach://<name>``), at most 10 MB; a ``file_id`` re-sends a file Telegram already has; an HTTP
URL makes Telegram download it, at most 5 MB for photos. Errors: ``there is no photo in the
request``, ``wrong file identifier/HTTP URL specified``, ``failed to get HTTP URL content``,
``wrong type of the web page content`` (a URL that is not an image), ``IMAGE_PROCESS_FAILED``
(uploaded bytes that are not an image).

The stricter readings: only JPEG, PNG, GIF and WebP bytes are images; an upload above 10 MB is
``file is too big``; URLs are fetched only from loopback hosts (a test never reaches the
internet), any other host being ``failed to get HTTP URL content``.
"""

from __future__ import annotations

import hashlib
import urllib.request
from urllib.parse import urlsplit

from fakes.telegram._call import Call
from fakes.telegram._errors import bad_request
from fakes.telegram._images import sniff_image
from fakes.telegram._model import Photo

__all__ = ["resolve_photo"]

MAX_UPLOAD = 10 * 1024 * 1024
MAX_BY_URL = 5 * 1024 * 1024


def resolve_photo(call: Call) -> Photo:
    """The photo a sendPhoto names. Call it without holding the state lock: it may fetch."""
    value = call.params.text("photo").strip()
    if value.startswith("attach://"):
        upload = call.params.files.get(value.removeprefix("attach://"))
    elif value:
        return _by_reference(call, value)
    else:
        upload = call.params.files.get("photo")
    if upload is None:
        raise bad_request("there is no photo in the request")
    if len(upload.data) > MAX_UPLOAD:
        raise bad_request("file is too big")
    return _register(call, upload.data, "upload", filename=upload.filename)


def _by_reference(call: Call, value: str) -> Photo:
    with call.state.lock:
        known = call.state.photos.get(value)
    if known is not None:
        return Photo(
            known.file_id,
            known.file_unique_id,
            known.width,
            known.height,
            known.size,
            "file_id",
            known.filename,
            known.url,
            known.data,
        )
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise bad_request("wrong file identifier/HTTP URL specified")
    data = _fetch(call, value)
    return _register(call, data, "url", url=value)


def _fetch(call: Call, url: str) -> bytes:
    if urlsplit(url).hostname not in call.settings.url_hosts:
        raise bad_request("failed to get HTTP URL content")
    try:
        with urllib.request.urlopen(url, timeout=call.settings.url_fetch_timeout) as response:
            data: bytes = response.read(MAX_BY_URL + 1)
    except (OSError, ValueError):
        raise bad_request("failed to get HTTP URL content") from None
    if len(data) > MAX_BY_URL:
        raise bad_request("failed to get HTTP URL content")
    return data


def _register(
    call: Call,
    data: bytes,
    source: str,
    *,
    filename: str | None = None,
    url: str | None = None,
) -> Photo:
    info = sniff_image(data)
    if info is None:
        raise bad_request(
            "IMAGE_PROCESS_FAILED" if source == "upload" else "wrong type of the web page content"
        )
    digest = hashlib.sha256(data).hexdigest()
    serial = call.state.serial()
    photo = Photo(
        file_id=f"AgACAgIAAxk{serial:08d}{digest[:16]}",
        file_unique_id=f"AQAD{digest[:12]}",
        width=info.width,
        height=info.height,
        size=len(data),
        source="upload" if source == "upload" else "url",
        filename=filename,
        url=url,
        data=data,
    )
    with call.state.lock:
        call.state.photos[photo.file_id] = photo
        call.state.photos[f"{photo.file_id}-s"] = photo
    return photo
