"""``GDriveSettings`` and the parsing of what users type: folder URLs and credential files.

The folder is the source's root (``--root`` or ``--folder``), a Drive file id. Credentials are
one ``Secret`` holding Google's own JSON formats, so they round-trip through google-auth without
a translation layer: a service-account key (``"type": "service_account"``) or an authorized-user
record (``"type": "authorized_user"``: OAuth client id and secret plus the refresh token).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from mediasync import Secret, UsageError

__all__ = [
    "DEFAULT_ENDPOINT",
    "GDriveSettings",
    "credential_kind",
    "folder_id_from",
    "parse_credentials",
]

DEFAULT_ENDPOINT = "https://www.googleapis.com/"
UPLOAD_CHUNK_UNIT = 256 * 1024
"""Drive accepts resumable-upload chunks in multiples of 256 KiB only."""
_ID = re.compile(r"^[A-Za-z0-9_-]{10,120}$")
_ID_IN_PATH = re.compile(r"/(?:folders|d)/([A-Za-z0-9_-]{10,120})")
_REQUIRED = {
    "service_account": ("client_email", "private_key", "token_uri"),
    "authorized_user": ("client_id", "client_secret", "refresh_token"),
}


def folder_id_from(text: str) -> str:
    """A folder id from an id or any Drive folder URL (``…/folders/ID``, ``open?id=ID``).

    Raises:
        UsageError: neither an id nor a URL holding one.
    """
    text = text.strip()
    if text == "root" or _ID.match(text):
        return text
    url = urlsplit(text)
    if url.scheme in {"http", "https"} and url.netloc:
        if url.path.rstrip("/").endswith("/my-drive"):
            return "root"
        match = _ID_IN_PATH.search(url.path)
        if match:
            return match.group(1)
        for value in parse_qs(url.query).get("id", []):
            if _ID.match(value):
                return value
    raise UsageError(
        f"{text!r} is not a Drive folder id or URL: open the folder in Drive and copy the "
        "address (https://drive.google.com/drive/folders/ID) or the ID in it"
    )


def parse_credentials(text: str, origin: str = "the credentials") -> dict[str, Any]:
    """Checks credential JSON and returns it parsed; messages never quote the secret itself.

    Raises:
        ValueError: not JSON, or not one of the two supported kinds, or fields missing.
    """
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise ValueError(
            f"{origin} is not JSON (line {getattr(exc, 'lineno', '?')}): expected a Google "
            "service-account key file"
        ) from None
    if not isinstance(info, dict):
        raise ValueError(f"{origin} is JSON but not an object: expected a service-account key")
    kind = info.get("type")
    if kind not in _REQUIRED:
        if "installed" in info or "web" in info:
            raise ValueError(
                f"{origin} is an OAuth client secrets file, not a service-account key: "
                "use --oauth with it"
            )
        raise ValueError(
            f'{origin} is not a service-account key (its "type" is {kind!r}, expected '
            "'service_account'): download a JSON key from the service account's Keys tab"
        )
    missing = [key for key in _REQUIRED[kind] if not info.get(key)]
    if missing:
        raise ValueError(f"{origin} ({kind}) lacks {', '.join(missing)}")
    return info


def credential_kind(secret: Secret | None) -> str | None:
    if secret is None:
        return None
    kind = json.loads(secret.reveal()).get("type")
    return str(kind) if kind is not None else None


def _check_credentials(_instance: object, _attribute: object, value: Secret | None) -> None:
    if value is not None:
        parse_credentials(value.reveal(), "setting 'credentials'")


def _check_endpoint(_instance: object, _attribute: object, value: str) -> None:
    url = urlsplit(value)
    if url.scheme not in {"http", "https"} or not url.netloc:
        raise ValueError(f"setting 'api_endpoint': {value!r} is not an http(s) URL")


def _endpoint(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"setting '{attribute.name}' must be more than 0, got {value}")


def _upload_chunk(_instance: object, _attribute: object, value: int) -> None:
    if value <= 0 or value % UPLOAD_CHUNK_UNIT:
        raise ValueError(
            f"setting 'upload_chunk_size' must be a multiple of {UPLOAD_CHUNK_UNIT} (256 KiB)"
        )


@attrs.frozen(slots=True)
class GDriveSettings:
    """Settings of a ``gdrive`` source (``mediasync gdrive connect`` fills the first two).

    ``credentials`` is ``None`` after ``mediasync gdrive disconnect``. The retry settings exist
    so tests can keep back-off waits tiny; the defaults suit Google's quotas.
    """

    credentials: Secret | None = attrs.field(default=None, validator=_check_credentials)
    api_endpoint: str = attrs.field(
        default=DEFAULT_ENDPOINT, converter=_endpoint, validator=_check_endpoint
    )
    page_size: int = attrs.field(
        default=1000, validator=[attrs.validators.ge(1), attrs.validators.le(1000)]
    )
    parents_per_query: int = attrs.field(
        default=50, validator=[attrs.validators.ge(1), attrs.validators.le(100)]
    )
    retry_attempts: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    retry_initial_wait: float = attrs.field(default=1.0, validator=_positive)
    retry_max_wait: float = attrs.field(default=64.0, validator=_positive)
    timeout: float = attrs.field(default=60.0, validator=_positive)
    download_chunk_size: int = attrs.field(default=8 * 1024 * 1024, validator=_positive)
    upload_chunk_size: int = attrs.field(default=8 * 1024 * 1024, validator=_upload_chunk)
