"""Throwaway plugin distributions, installed for real: a package and its ``.dist-info`` on disk.

``importlib.metadata`` finds them exactly as it finds a pip-installed plugin, so the loader is
tested end to end: entry points, ``Requires-Dist``, distribution name and version, import.

    dists = PluginDists(tmp_path / "site")
    dists.add("good", '''
        from mediasync import hookimpl
        ...
    ''')
    with dists.on_sys_path():
        plugins = load_plugins()
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PluginDists"]

MODULE_PREFIX = "mediasync_testplugin_"


class PluginDists:
    """A site directory of plugin distributions made on demand."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.site.mkdir(parents=True, exist_ok=True)
        self.modules: set[str] = set()

    def add(
        self,
        name: str,
        code: str,
        *,
        distribution: str | None = None,
        version: str = "1.0.0",
        requires: Sequence[str] = ("mediasync-core>=0.1",),
        module: str | None = None,
    ) -> str:
        """Writes one distribution whose ``mediasync`` entry point ``name`` is a package.

        Args:
            name: the entry point (plugin) name.
            code: the package's ``__init__.py`` (dedented).
            distribution: the distribution name (default ``mediasync-NAME``).
            version: the distribution's version.
            requires: its ``Requires-Dist`` lines.
            module: the import name (default ``mediasync_testplugin_NAME``).

        Returns:
            The import name of the plugin package.
        """
        distribution = distribution or f"mediasync-{name}"
        module = module or f"{MODULE_PREFIX}{name}"
        package = self.site / module
        package.mkdir()
        (package / "__init__.py").write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
        normalized = re.sub(r"[-_.]+", "_", distribution).lower()
        info = self.site / f"{normalized}-{version}.dist-info"
        info.mkdir()
        metadata_lines = [
            "Metadata-Version: 2.1",
            f"Name: {distribution}",
            f"Version: {version}",
            *(f"Requires-Dist: {requirement}" for requirement in requires),
        ]
        (info / "METADATA").write_text("\n".join(metadata_lines) + "\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(
            f"[mediasync]\n{name} = {module}\n", encoding="utf-8"
        )
        (info / "top_level.txt").write_text(f"{module}\n", encoding="utf-8")
        self.modules.add(module)
        importlib.invalidate_caches()
        return module

    @contextmanager
    def on_sys_path(self) -> Iterator[PluginDists]:
        """Puts the site directory first on ``sys.path``; afterwards forgets the path, every
        module imported from it and the finders' caches, so no test sees another's plugins."""
        entry = str(self.site)
        sys.path.insert(0, entry)
        importlib.invalidate_caches()
        try:
            yield self
        finally:
            while entry in sys.path:
                sys.path.remove(entry)
            sys.path_importer_cache.pop(entry, None)
            for loaded in list(sys.modules):
                if loaded.split(".")[0] in self.modules:
                    del sys.modules[loaded]
            importlib.invalidate_caches()
