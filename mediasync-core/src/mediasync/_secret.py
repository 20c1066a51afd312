"""The ``Secret`` settings type and the at-rest encryption of secret settings.

A settings field typed ``Secret`` is never printed, logged or stored in clear. In storage it is
either a reference (``{"$env": "NAME"}``, ``{"$file": "/path"}``) resolved when the source is
opened, or ``{"$encrypted": token}`` sealed with a Fernet key kept in a 0600 file in the user's
data directory: the user controls the key, the database alone reveals nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from mediasync._errors import ConfigError, SettingsError

__all__ = ["REDACTED", "Secret", "SecretBox", "parse_reference"]

REDACTED = "********"
_REFERENCE_PREFIXES = {"$env:": "$env", "$file:": "$file"}


@attrs.frozen(slots=True, repr=False)
class Secret:
    """A secret string that redacts itself everywhere but ``reveal()``."""

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__


def parse_reference(text: str) -> dict[str, str] | None:
    """``"$env:NAME"`` → ``{"$env": "NAME"}``; anything else is not a reference."""
    for prefix, key in _REFERENCE_PREFIXES.items():
        if text.startswith(prefix) and len(text) > len(prefix):
            return {key: text[len(prefix) :]}
    return None


def describe_reference(stored: dict[str, str]) -> str:
    """How a stored secret is shown to the user: the reference, or the redaction mark."""
    if "$env" in stored:
        return f"$env:{stored['$env']}"
    if "$file" in stored:
        return f"$file:{stored['$file']}"
    return REDACTED


def resolve_reference(stored: dict[str, str], key: str) -> str:
    if "$env" in stored:
        name = stored["$env"]
        value = os.environ.get(name)
        if value is None:
            raise SettingsError(f"setting '{key}': environment variable {name} is not set")
        return value
    if "$file" in stored:
        path = Path(stored["$file"]).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(f"setting '{key}': cannot read {path}: {exc.strerror}") from None
    raise SettingsError(f"setting '{key}': unknown secret reference")


class SecretBox:
    """Seals and opens secrets with a key file created on first use with mode 0600."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = key_path
        self._fernet: Any = None

    def _load(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet

            if not self.key_path.exists():
                self.key_path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(Fernet.generate_key())
            mode = self.key_path.stat().st_mode & 0o777
            if mode & 0o077:
                raise ConfigError(
                    f"secret key file {self.key_path} is readable by others (mode {mode:o}); "
                    f"run: chmod 600 {self.key_path}"
                )
            self._fernet = Fernet(self.key_path.read_bytes().strip())
        return self._fernet

    def seal(self, value: str) -> dict[str, str]:
        token: bytes = self._load().encrypt(value.encode("utf-8"))
        return {"$encrypted": token.decode("ascii")}

    def open(self, stored: dict[str, str], key: str) -> str:
        if "$encrypted" not in stored:
            return resolve_reference(stored, key)
        from cryptography.fernet import InvalidToken

        try:
            plain: bytes = self._load().decrypt(stored["$encrypted"].encode("ascii"))
        except InvalidToken:
            raise SettingsError(
                f"setting '{key}' cannot be decrypted with {self.key_path}: "
                "was the key file replaced? Set the secret again with `mediasync sources add`"
            ) from None
        return plain.decode("utf-8")
