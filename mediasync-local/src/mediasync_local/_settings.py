"""Settings of a local source, as given with ``mediasync sources add … --set KEY=VALUE``."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

import attrs

__all__ = ["LocalSettings"]


def _patterns(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Sequence[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"setting '{key}': expected globs separated by commas, got {value!r}")
    patterns: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"setting '{key}': expected a glob, got {item!r}")
        if item.strip():
            patterns.append(item.strip())
    return tuple(patterns)


def _include(value: object) -> tuple[str, ...]:
    return _patterns("include", value)


def _exclude(value: object) -> tuple[str, ...]:
    return _patterns("exclude", value)


def _check_marker(_instance: object, _attribute: object, value: str | None) -> None:
    if value is None:
        return
    parts = value.replace("\\", "/").split("/")
    if not value or posixpath.isabs(value) or ".." in parts:
        raise ValueError(
            f"setting 'marker_file': {value!r} must be a path inside the root, like .mediasync"
        )


@attrs.frozen(slots=True)
class LocalSettings:
    """What to list under the root, and how to tell that the right disk is there.

    Attributes:
        include: globs a file must match to be listed (any one of them); empty lists all media.
            On the command line, several are separated by commas: ``include=*.jpg,2024/**``.
        exclude: globs of files and folders never listed, same syntax. Exclusion wins.
        follow_symlinks: list what symbolic links point to. Off by default; when on, a folder
            reached twice (a link loop, two links to one folder) is walked once.
        marker_file: a file that must exist in the root, for example on a removable disk: when
            it is missing the source is unreachable and a sync changes nothing.

    ``include`` and ``exclude`` are declared as ``Sequence[str] | str`` so that the core's settings
    converter hands a comma-separated string to the converter here untouched; they always hold
    a tuple of globs.
    """

    include: Sequence[str] | str = attrs.field(default=(), converter=_include)
    exclude: Sequence[str] | str = attrs.field(default=(), converter=_exclude)
    follow_symlinks: bool = False
    marker_file: str | None = attrs.field(default=None, validator=_check_marker)
