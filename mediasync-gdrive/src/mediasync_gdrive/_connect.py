"""What ``gdrive connect`` needs before anything is stored: credentials and settings, checked.

A key file is read and checked locally first (JSON? a service-account key?), then the folder is
checked live; only when both pass is the source added, its credentials sealed by the core.
For OAuth, the installed-app flow runs with a loopback redirect (google-auth-oauthlib): the
browser opens Google's consent page, Google redirects to a one-shot server on 127.0.0.1, and the
refresh token it yields is stored. Google does not rotate refresh tokens on use, so storing it
once is enough; access tokens are minted per run and never stored.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from mediasync import AuthError, Secret, SettingsError, UsageError
from mediasync_gdrive._settings import GDriveSettings, parse_credentials

__all__ = ["authorize_installed_app", "build_settings", "read_service_account_key"]


def _read(path: Path, what: str) -> str:
    try:
        return path.expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a text file: expected the {what} (JSON)") from None


def read_service_account_key(path: Path) -> str:
    """The key file's text, once it proved to be a service-account key.

    Raises:
        UsageError: unreadable, not JSON, or another kind of file.
    """
    text = _read(path, "service-account key")
    try:
        info = parse_credentials(text, str(path))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if info["type"] != "service_account":
        raise UsageError(
            f'{path} is not a service-account key (its "type" is {info["type"]!r}): '
            "download a JSON key from the service account's Keys tab"
        )
    return text


def _client_config(path: Path) -> dict[str, Any]:
    text = _read(path, "OAuth client secrets file")
    try:
        config = json.loads(text)
    except ValueError:
        raise UsageError(f"{path} is not JSON: expected an OAuth client secrets file") from None
    section = config.get("installed") or config.get("web") if isinstance(config, dict) else None
    needed = ("client_id", "client_secret", "auth_uri", "token_uri")
    if not isinstance(section, dict) or not all(section.get(k) for k in needed):
        hint = (
            " (that is a service-account key: use --service-account)"
            if isinstance(config, dict) and config.get("type") == "service_account"
            else ""
        )
        raise UsageError(
            f"{path} is not an OAuth client secrets file{hint}: create a Desktop app OAuth "
            "client in the Cloud console and download its JSON"
        )
    return dict(config)


def authorize_installed_app(client_file: Path, *, open_browser: bool) -> str:
    """Runs the consent flow and returns authorized-user credentials (JSON text).

    Raises:
        UsageError: the client file is unusable. AuthError: consent refused or timed out.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    from mediasync_gdrive._client import SCOPES

    config = _client_config(client_file)
    flow = InstalledAppFlow.from_client_config(config, scopes=list(SCOPES))
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keeps --json output clean
            credentials = flow.run_local_server(
                host="localhost",
                bind_addr="127.0.0.1",
                port=0,
                open_browser=open_browser,
                authorization_prompt_message="To let mediasync read your Drive, open: {url}",
                success_message="mediasync is connected to Google Drive: you can close this tab.",
                access_type="offline",
                prompt="consent",
                timeout_seconds=300,
            )
    except OAuth2Error as exc:
        raise AuthError(f"Google sign-in failed: {exc.description or exc.error}") from None
    except Exception as exc:  # WSGITimeoutError and friends carry no secret
        raise AuthError(f"Google sign-in did not finish: {exc}") from None
    if not credentials.refresh_token:
        raise AuthError("Google returned no refresh token: revoke mediasync's access and retry")
    return json.dumps(
        {
            "type": "authorized_user",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "refresh_token": credentials.refresh_token,
            "token_uri": credentials.token_uri,
        }
    )


def build_settings(raw: Mapping[str, Any]) -> GDriveSettings:
    """``GDriveSettings`` from command-line strings, to check access before storing anything
    (the core validates the same values again when the source is added).

    Raises:
        SettingsError: unknown key or bad value.
    """
    fields = {f.name: f for f in attrs.fields(GDriveSettings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            known = ", ".join(fields)
            raise SettingsError(f"unknown gdrive setting '{key}' (known: {known})")
        try:
            if key == "credentials":
                values[key] = Secret(str(value))
            elif isinstance(field.default, int):
                values[key] = int(value)
            elif isinstance(field.default, float):
                values[key] = float(value)
            else:
                values[key] = str(value)
        except ValueError:
            raise SettingsError(f"gdrive setting '{key}': {value!r} is not a number") from None
    try:
        return GDriveSettings(**values)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"gdrive settings: {exc}") from None
