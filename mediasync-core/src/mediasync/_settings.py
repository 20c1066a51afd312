"""Structuring plugin settings: from ``--set key=value`` strings and stored JSON into attrs classes.

One converter, shared by every plugin, so that "unknown key" and "wrong type" read the same
whichever plugin refused them. Secret fields (typed ``Secret``) are sealed or kept as references
before anything is stored, and redacted whenever settings are shown.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from mediasync._errors import SettingsError
from mediasync._secret import (
    REDACTED,
    Secret,
    SecretBox,
    describe_reference,
    parse_reference,
)

if TYPE_CHECKING:
    # cattrs costs ~10 ms to import: only commands that structure settings pay for it.
    import cattrs

__all__ = [
    "NoSettings",
    "display_settings",
    "merge_settings",
    "open_stored_settings",
    "parse_settings",
    "seal_settings",
    "secret_field_names",
]

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@attrs.frozen(slots=True)
class NoSettings:
    """For plugins that take no settings: any key given is unknown."""


def _structure_bool(value: Any, _type: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def _structure_int(value: Any, _type: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(value)


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _structure_str(value: Any, _type: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _structure_secret(value: Any, _type: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    return Secret(value=_structure_str(value, str))


def make_converter() -> cattrs.Converter:
    """A strict converter: extra keys refused, strings from the command line coerced sensibly."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(Secret, _structure_secret)
    converter.register_structure_hook(Path, lambda v, _t: Path(_structure_str(v, str)))
    converter.register_unstructure_hook(Secret, lambda s: s.reveal())
    converter.register_unstructure_hook(Path, str)
    return converter


@functools.cache
def shared_converter() -> cattrs.Converter:
    """The one converter every plugin's settings go through, made on first use."""
    return make_converter()


def first_error(exc: BaseException, prefix: str = "") -> tuple[str, str]:
    """Walks a cattrs error tree to the first leaf: (dotted key, reason)."""
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

    if isinstance(exc, ForbiddenExtraKeysError):
        extra = sorted(exc.extra_fields)
        return ".".join(filter(None, [prefix, extra[0]])), "unknown key"
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            notes = getattr(sub, "__notes__", [])
            name = ""
            for note in notes:
                note_name = getattr(note, "name", None) or getattr(note, "index", None)
                if note_name is not None:
                    name = str(note_name)
            if not name and isinstance(sub, KeyError):
                name = str(sub.args[0]) if sub.args else ""
                return ".".join(filter(None, [prefix, name])), "required key is missing"
            return first_error(sub, ".".join(filter(None, [prefix, name])))
    if isinstance(exc, KeyError):
        return prefix, "required key is missing"
    if isinstance(exc, TypeError) and "missing" in str(exc) and "required" in str(exc):
        return prefix, "required key is missing"
    return prefix, str(exc) or type(exc).__name__


def structure_strict(cls: type[T], raw: Mapping[str, Any]) -> T:
    """Structures with the shared converter; raw cattrs errors are left for the caller to word."""
    return shared_converter().structure(dict(raw), cls)


def parse_settings(cls: type[T], raw: Mapping[str, Any], *, owner: str) -> T:
    """Builds the settings object, or raises ``SettingsError`` naming the first bad key.

    Args:
        cls: the plugin's attrs settings class.
        raw: key → value, values as strings from the command line or JSON types from storage.
        owner: who the settings belong to, for the message ("source 'photos' (gdrive)").
    """
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

    if not attrs.has(cast(type, cls)):
        raise TypeError(f"settings class {cls!r} of {owner} is not an attrs class")
    try:
        return structure_strict(cls, raw)
    except (ClassValidationError, ForbiddenExtraKeysError) as exc:
        key, reason = first_error(exc)
        known = ", ".join(f.name for f in attrs.fields(cast(type, cls))) or "none"
        if reason == "unknown key":
            raise SettingsError(f"{owner}: unknown setting '{key}' (known: {known})") from None
        if not key:  # raised by the class itself (a validator): its message names the key
            raise SettingsError(f"{owner}: {reason}") from None
        raise SettingsError(f"{owner}: setting '{key}': {reason}") from None
    except (ValueError, TypeError) as exc:
        # attrs validators raise these from __init__, after structuring succeeded.
        raise SettingsError(f"{owner}: {exc}") from None


def _is_secret_type(annotation: Any) -> bool:
    if annotation is Secret or annotation == "Secret":
        return True
    if isinstance(annotation, str):
        return "Secret" in annotation.replace(" ", "").split("|")
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return Secret in typing.get_args(annotation)
    return False


def secret_field_names(cls: type[Any]) -> frozenset[str]:
    hints = typing.get_type_hints(cls) if attrs.has(cls) else {}
    return frozenset(f.name for f in attrs.fields(cls) if _is_secret_type(hints.get(f.name)))


def seal_settings(
    cls: type[Any], raw: Mapping[str, Any], box: SecretBox, *, owner: str
) -> dict[str, Any]:
    """Validates ``raw`` and returns what may be stored: secrets sealed or kept as references.

    References (``$env:NAME``, ``$file:PATH``) are resolved once here so a wrong one is refused
    at ``add`` time rather than at the first sync.
    """
    secrets = secret_field_names(cls)
    resolved: dict[str, Any] = {}
    references: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        reference = parse_reference(value) if isinstance(value, str) and key in secrets else None
        if reference is not None:
            from mediasync._secret import resolve_reference

            references[key] = reference
            resolved[key] = resolve_reference(reference, key)
        else:
            resolved[key] = value
    parsed = parse_settings(cls, resolved, owner=owner)
    stored: dict[str, Any] = shared_converter().unstructure(parsed)
    for key in secrets:
        if stored.get(key) is None:
            continue
        stored[key] = references[key] if key in references else box.seal(stored[key])
    return stored


def open_stored_settings(
    cls: type[T], stored: Mapping[str, Any], box: SecretBox, *, owner: str
) -> T:
    """The inverse of ``seal_settings``: secrets decrypted or resolved, then structured."""
    raw = {
        key: box.open(value, key) if isinstance(value, dict) and _is_stored_secret(value) else value
        for key, value in stored.items()
    }
    return parse_settings(cls, raw, owner=owner)


def merge_settings(
    cls: type[Any],
    stored: Mapping[str, Any],
    changes: Mapping[str, Any],
    box: SecretBox,
    *,
    owner: str,
) -> dict[str, Any]:
    """Stored settings with ``changes`` applied, validated and sealed again (``sources set``,
    ``publishers set``).

    A change to ``None`` removes the key (back to its default). Secrets left unchanged keep
    their form: a reference stays the reference, an encrypted value stays encrypted.
    """
    raw: dict[str, Any] = {}
    for key, value in stored.items():
        if isinstance(value, dict) and _is_stored_secret(value):
            raw[key] = box.open(value, key) if "$encrypted" in value else describe_reference(value)
        else:
            raw[key] = value
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return seal_settings(cls, {k: v for k, v in raw.items() if v is not None}, box, owner=owner)


def _is_stored_secret(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in {"$encrypted", "$env", "$file"}


def display_settings(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings as shown to a user: secrets redacted, references named."""
    shown: dict[str, Any] = {}
    for key, value in stored.items():
        if isinstance(value, dict) and _is_stored_secret(value):
            shown[key] = describe_reference(value)
        else:
            shown[key] = value
    return shown


__all__ += ["REDACTED"]
