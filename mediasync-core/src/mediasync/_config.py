"""Application configuration: defaults < TOML file < environment < command-line options.

Each layer is a nested dict; they are merged, remembering where each key came from, and
structured once by cattrs into ``AppConfig``. A bad key or value is reported with its origin
(the file, or the environment variable) so the user knows what to edit.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from mediasync._errors import ConfigError
from mediasync._settings import first_error, structure_strict

__all__ = [
    "AppConfig",
    "DefaultSource",
    "SyncConfig",
    "default_config_path",
    "load_config",
    "unknown_environment",
]

APP_NAME = "mediasync"
CONFIG_FILE = "mediasync.toml"
# The seed's names, kept as documented compatibility aliases.
LEGACY_ENV = {
    "MEDIA_SYNC_ENABLED": ("sync", "enabled"),
    "MEDIA_SYNC_INTERVAL_SECONDS": ("sync", "interval_seconds"),
    "MEDIA_SOURCE_TYPE": ("default_source", "type"),
    "MEDIA_SOURCE_ROOT": ("default_source", "root"),
}
# Variables read outside the configuration classes: the config file, plugin selection
# (``_plugins.py``), and the test suite's and benchmarks' own settings.
OTHER_ENV = frozenset(
    {
        "MEDIASYNC_CONFIG",
        "MEDIASYNC_LOAD_PLUGINS",
        "MEDIASYNC_DISABLE_PLUGINS",
        "MEDIASYNC_STRICT_PLUGINS",
        "MEDIASYNC_TEST_POSTGRES_URL",
        "MEDIASYNC_MODEL_PROFILE",
        "MEDIASYNC_BENCH_POSTGRES_URL",
    }
)


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be greater than zero, got {value}")


def _share(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name} must be a share between 0 and 1, got {value}")


@attrs.frozen(slots=True)
class SyncConfig:
    enabled: bool = False
    """Whether ``mediasync run`` syncs sources that were not enabled explicitly."""
    interval_seconds: int = attrs.field(default=300, validator=_positive)
    mass_removal_share: float = attrs.field(default=0.2, validator=_share)
    mass_removal_min_items: int = 50
    hash_workers: int = attrs.field(default=4, validator=_positive)
    batch_size: int = attrs.field(default=2000, validator=_positive)
    """Listing entries diffed and committed together: memory and transaction size per batch."""
    lease_seconds: int = attrs.field(default=120, validator=_positive)
    """How long a sync holds a source without renewing; a crashed holder's lease lapses then."""
    max_backoff_seconds: int = attrs.field(default=3600, validator=_positive)
    reconcile_days: float = attrs.field(default=7.0, validator=_positive)
    """How often the ``changes`` and ``newest-first`` strategies read a source whole, the only
    time they decide removals (a feed can miss a deletion; a newest-first read never sees one)."""
    stop_after_known: int = attrs.field(default=10, validator=_positive)
    """``newest-first``: stop reading after this many already indexed items in a row."""


@attrs.frozen(slots=True)
class DefaultSource:
    """A source the worker creates if missing (the seed's ``MEDIA_SOURCE_TYPE``/``_ROOT``)."""

    type: str | None = None
    root: str | None = None
    name: str = "default"


@attrs.frozen(slots=True)
class AppConfig:
    database_url: str | None = None
    """Any SQLAlchemy URL; default is a SQLite file in ``data_dir``."""
    data_dir: Path | None = None
    """Where the default database and the secret key live; default: the user's data directory."""
    log_format: Literal["text", "json"] = "text"
    sync: SyncConfig = SyncConfig()
    default_source: DefaultSource = DefaultSource()

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        import platformdirs

        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'index.db'}"


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE


def _env_paths(cls: type[Any], prefix: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """``MEDIASYNC_SYNC_INTERVAL_SECONDS`` → ``("sync", "interval_seconds")``, from the classes."""
    paths: dict[str, tuple[str, ...]] = {}
    # Annotations are strings (``from __future__ import annotations``) until resolved; unresolved,
    # no section would be recognised and every MEDIASYNC_SYNC_* variable would be ignored.
    for field in attrs.fields(attrs.resolve_types(cls)):
        path = (*prefix, field.name)
        if isinstance(field.type, type) and attrs.has(field.type):
            paths.update(_env_paths(field.type, path))
        else:
            paths["MEDIASYNC_" + "_".join(path).upper()] = path
    return paths


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """One message per ``MEDIASYNC_*`` variable that nothing reads.

    A misspelt variable is otherwise ignored without a word, and the user is left wondering why
    the setting they made has no effect; the message names the variable they probably meant.
    """
    environ = os.environ if environ is None else environ
    prefix = "MEDIASYNC_"
    known = {*_env_paths(AppConfig), *OTHER_ENV}
    # Compared without the prefix every name shares, which would make any two look alike.
    suffixes = sorted(name.removeprefix(prefix) for name in known)
    messages = []
    for name in sorted(environ):
        if name.startswith(prefix) and name not in known:
            close = difflib.get_close_matches(name.removeprefix(prefix), suffixes, n=1)
            hint = f" (did you mean {prefix}{close[0]}?)" if close else ""
            messages.append(f"unknown environment variable {name}{hint}")
    return messages


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _merge(
    base: dict[str, Any],
    layer: Mapping[str, Any],
    origin: str,
    origins: dict[str, str],
    prefix: str = "",
) -> None:
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, origin, origins, dotted + ".")
        else:
            base[key] = dict(value) if isinstance(value, Mapping) else value
            origins[dotted] = origin
            if isinstance(value, Mapping):
                for sub in value:
                    origins[f"{dotted}.{sub}"] = origin


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None


def load_config(
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AppConfig:
    """Reads every layer and returns the structured configuration.

    Args:
        config_path: ``--config``; when ``None``, ``MEDIASYNC_CONFIG`` or the user's config file
            (which may be absent).
        environ: the environment (default ``os.environ``).
        overrides: values from command-line options, as nested dicts.

    Raises:
        ConfigError: one line naming the key and where it came from.
    """
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}

    explicit = config_path or (
        Path(environ["MEDIASYNC_CONFIG"]) if environ.get("MEDIASYNC_CONFIG") else None
    )
    path = explicit or default_config_path()
    if explicit is not None or path.exists():
        _merge(merged, read_toml(path), str(path), origins)

    env_layer: dict[str, Any] = {}
    env_origins: dict[str, str] = {}
    for name, key_path in {**LEGACY_ENV, **_env_paths(AppConfig)}.items():
        if name in environ:
            _set(env_layer, key_path, environ[name])
            env_origins[".".join(key_path)] = f"environment variable {name}"
    _merge(merged, env_layer, "environment", origins)
    origins.update(env_origins)
    _merge(merged, overrides or {}, "command line", origins)

    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

    try:
        return structure_strict(AppConfig, merged)
    except (ClassValidationError, ForbiddenExtraKeysError, ValueError, TypeError) as exc:
        key, reason = first_error(exc)
        origin = origins.get(key) or _origin_of_parent(key, origins) or "configuration"
        if reason == "unknown key":
            raise ConfigError(f"unknown config key '{key}' in {origin}") from None
        if not key:
            raise ConfigError(f"invalid configuration: {reason}") from None
        raise ConfigError(f"config key '{key}' in {origin}: {reason}") from None


def _origin_of_parent(key: str, origins: Mapping[str, str]) -> str | None:
    parts = key.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:end]) in origins:
            return origins[".".join(parts[:end])]
    return next((v for k, v in origins.items() if k.startswith(parts[0] + ".")), None)
