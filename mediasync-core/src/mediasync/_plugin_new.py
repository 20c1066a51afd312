"""``mediasync plugin new NAME``: a plugin distribution to start from, made from the templates
in ``_plugin_template/`` (``string.Template`` files; ``PACKAGE`` in a path is the import name).

The distribution is written into a hidden folder beside its destination and renamed into place
at the end, so that a failure leaves nothing behind and an existing folder is never touched.
"""

from __future__ import annotations

import keyword
import re
import shutil
import string
import uuid
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

from mediasync._errors import MediasyncError, UsageError

__all__ = ["PluginNames", "core_requirement", "write_plugin"]

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_RESERVED = {"core"}  # the name ``mediasync plugins`` gives mediasync's own registrations


def core_requirement(version: str) -> str:
    """The ``mediasync-core`` requirement of a plugin written against core ``version``: the
    releases that keep its plugin API (docs/plugins.md, "Versioning")."""
    major, minor = (int(part) for part in version.split(".")[:2])
    upper = f"{major}.{minor + 1}" if major == 0 else str(major + 1)
    return f"mediasync-core>={major}.{minor},<{upper}"


@attrs.frozen(slots=True)
class PluginNames:
    """Every name of one plugin, derived from the plugin (entry-point) name."""

    name: str
    distribution: str
    package: str
    classname: str
    type_name: str
    core_requirement: str

    @classmethod
    def of(cls, name: str) -> PluginNames:
        """The names of plugin ``name``.

        Raises:
            UsageError: ``name`` is not a lowercase Python identifier, or is taken.
        """
        if not _NAME.match(name) or keyword.iskeyword(name):
            hint = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
            better = f" (try '{hint}')" if _NAME.match(hint) else ""
            raise UsageError(
                f"plugin name '{name}' is not a lowercase Python identifier "
                f"(letters, digits, underscores; a letter first){better}"
            )
        if name in _RESERVED:
            raise UsageError(f"plugin name '{name}' is mediasync's own: choose another")
        from mediasync import __version__

        return cls(
            name=name,
            distribution=f"mediasync-{name.replace('_', '-')}",
            package=f"mediasync_{name}",
            classname="".join(part.capitalize() for part in name.split("_")),
            type_name=name.replace("_", "-"),
            core_requirement=core_requirement(__version__),
        )


def _templates(folder: Traversable, relative: Path) -> Iterator[tuple[Path, str]]:
    for child in sorted(folder.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _templates(child, relative / child.name)
        elif child.name.endswith(".tmpl"):
            yield relative / child.name.removesuffix(".tmpl"), child.read_text(encoding="utf-8")


def write_plugin(name: str, parent: Path) -> Path:
    """Writes the distribution of plugin ``name`` as ``parent/mediasync-NAME/``.

    Returns:
        The new distribution's folder.

    Raises:
        UsageError: a bad name (see ``PluginNames.of``).
        MediasyncError: the folder exists already, or cannot be written.
    """
    names = PluginNames.of(name)
    target = parent / names.distribution
    if target.exists():
        raise MediasyncError(f"{target} already exists: remove it or choose another --dir")
    values = attrs.asdict(names)
    try:
        staging = parent / f".{names.distribution}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
    except OSError as exc:
        raise MediasyncError(f"cannot write into {parent}: {exc.strerror}") from None
    try:
        for relative, text in _templates(resources.files("mediasync") / "_plugin_template", Path()):
            path = staging / Path(*(names.package if p == "PACKAGE" else p for p in relative.parts))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(string.Template(text).substitute(values), encoding="utf-8")
        staging.rename(target)
    except OSError as exc:
        raise MediasyncError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
