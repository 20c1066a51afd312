"""Finding, checking and loading plugins, one at a time, so one broken plugin costs one warning.

Our own loop over ``entry_points(group="mediasync")`` rather than pluggy's
``load_setuptools_entrypoints``: each plugin is version-checked before it is imported, imported
and registered on its own, and whatever goes wrong is recorded against that plugin only.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pluggy

from mediasync import hookspecs
from mediasync._core_requirement import CORE_DISTRIBUTION, core_incompatibility
from mediasync._errors import PluginError, UsageError
from mediasync._publisher import Publisher
from mediasync._service import SERVICE_NAME, Service
from mediasync._source import Source
from mediasync._strategy import SyncStrategy

if TYPE_CHECKING:
    import click
    from pluggy import HookImpl

__all__ = ["PluginRecord", "Plugins", "load_plugins"]

logger = logging.getLogger("mediasync.plugins")

GROUP = "mediasync"
CORE_NAME = "core"
Status = Literal["ok", "error", "blocked", "incompatible"]
Kind = Literal["sources", "publishers", "strategies", "services", "commands"]
KINDS: tuple[Kind, ...] = ("sources", "publishers", "strategies", "services", "commands")
_SINGULAR: dict[Kind, str] = {
    "sources": "source",
    "publishers": "publisher",
    "strategies": "strategy",
    "services": "service",
    "commands": "command",
}
_REGISTER_HOOKS: dict[Kind, tuple[str, type[Any], str]] = {
    "sources": ("register_sources", Source, "type_name"),
    "publishers": ("register_publishers", Publisher, "type_name"),
    "strategies": ("register_sync_strategies", SyncStrategy, "name"),
    "services": ("register_services", Service, "name"),
}


@attrs.define
class PluginRecord:
    """What ``mediasync plugins`` reports about one plugin."""

    name: str
    distribution: str | None
    version: str | None
    status: Status = "ok"
    error: str | None = None
    registered: dict[str, list[str]] = attrs.field(factory=lambda: {k: [] for k in KINDS})

    def fail(self, status: Status, error: str) -> None:
        self.status = status
        self.error = error
        self.registered = {k: [] for k in KINDS}


@attrs.frozen(slots=True)
class Selection:
    """Which plugins the environment allows: ``MEDIASYNC_LOAD_PLUGINS``/``_DISABLE_PLUGINS``."""

    only: frozenset[str] | None
    disabled: frozenset[str]
    strict: bool

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Selection:
        def names(value: str) -> frozenset[str]:
            return frozenset(n.strip() for n in value.split(",") if n.strip())

        load = environ.get("MEDIASYNC_LOAD_PLUGINS")
        return cls(
            only=None if load is None else names(load),
            disabled=names(environ.get("MEDIASYNC_DISABLE_PLUGINS", "")),
            strict=environ.get("MEDIASYNC_STRICT_PLUGINS", "").lower() in {"1", "true", "yes"},
        )

    def blocked_reason(self, name: str) -> str | None:
        if name in self.disabled:
            return "disabled by MEDIASYNC_DISABLE_PLUGINS"
        if self.only is not None and name not in self.only:
            return "not selected by MEDIASYNC_LOAD_PLUGINS"
        return None


def core_version() -> str:
    from mediasync import __version__

    return __version__


def _call(impl: HookImpl, **kwargs: Any) -> Any:
    """Calls one hook implementation as pluggy would: with only the arguments it declares."""
    return impl.function(*(kwargs[arg] for arg in impl.argnames))


def _describe(exc: Exception) -> str:
    return str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"


def _one_line(text: str) -> str:
    """A message as one line (pluggy's validation errors span several)."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Plugins:
    """The loaded plugins, what each registered, and the pluggy manager behind them."""

    def __init__(self, strict: bool = False) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.strict = strict
        self.records: dict[str, PluginRecord] = {}
        self.sources: dict[str, type[Source]] = {}
        self.publishers: dict[str, type[Publisher]] = {}
        self.strategies: dict[str, type[SyncStrategy]] = {}
        self.services: dict[str, type[Service]] = {}
        self._owners: dict[tuple[Kind, str], str] = {}

    # -- loading -----------------------------------------------------------------------------

    def add(self, name: str, module: ModuleType | object, record: PluginRecord) -> None:
        """Registers one plugin object and its registrations, all or nothing."""
        self.records[name] = record
        try:
            self.manager.register(module, name=name)
        except Exception as exc:
            self._failed(record, "error", f"{type(exc).__name__}: {exc}")
            return
        try:
            self._check_hook_names(name)
            staged = self._collect(name)
        except Exception as exc:
            self.manager.unregister(name=name)
            self._failed(record, "error", _describe(exc))
            return
        for kind, classes in staged.items():
            table = self._table(kind)
            for key, cls in classes.items():
                table[key] = cls
                self._owners[(kind, key)] = name
                record.registered[kind].append(key)

    def _check_hook_names(self, name: str) -> None:
        """Refuses a ``@hookimpl`` for a hook that does not exist (a typo would be ignored)."""
        plugin = self.manager.get_plugin(name)
        unknown = sorted(
            caller.name
            for caller in self.manager.get_hookcallers(plugin) or []
            if not caller.has_spec()
        )
        if unknown:
            raise PluginError(f"implements unknown hook(s): {', '.join(unknown)}", name)

    def _collect(self, name: str) -> dict[Kind, dict[str, Any]]:
        """Calls this plugin's ``register_*`` hooks only, checking each class it registers."""
        plugin = self.manager.get_plugin(name)
        staged: dict[Kind, dict[str, Any]] = {}
        for kind, (hook_name, base, key_attr) in _REGISTER_HOOKS.items():
            found: dict[str, Any] = {}
            staged[kind] = found

            def register(
                cls: Any,
                kind: Kind = kind,
                base: type = base,
                attr: str = key_attr,
                found: dict[str, Any] = found,
            ) -> None:
                if not (isinstance(cls, type) and issubclass(cls, base)):
                    raise PluginError(f"registered {cls!r}, not a {base.__name__} subclass", name)
                if inspect.isabstract(cls):
                    missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
                    raise PluginError(
                        f"registered {cls.__name__}, which is abstract (missing {missing})", name
                    )
                key = getattr(cls, attr, None)
                if not isinstance(key, str) or not key:
                    raise PluginError(f"{cls.__name__} has no {attr}", name)
                if kind == "services" and not SERVICE_NAME.match(key):
                    raise PluginError(
                        f"service name {key!r} of {cls.__name__} must be lowercase letters, "
                        "digits and dashes (it becomes `mediasync run --with-NAME`)",
                        name,
                    )
                owner = self._owners.get((kind, key)) or (name if key in found else None)
                if owner is not None:
                    raise PluginError(
                        f"{_SINGULAR[kind]} '{key}' is already registered by plugin '{owner}'",
                        name,
                    )
                found[key] = cls

            for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                try:
                    _call(impl, register=register)
                except PluginError:
                    raise
                except Exception as exc:
                    raise PluginError(f"{hook_name}: {_describe(exc)}", name) from exc
        return staged

    def _table(self, kind: Kind) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {
            "sources": self.sources,
            "publishers": self.publishers,
            "strategies": self.strategies,
            "services": self.services,
        }
        return tables[kind]

    def _withdraw(self, name: str) -> None:
        """Takes back everything a plugin registered: a plugin in error contributes nothing."""
        for (kind, key), owner in list(self._owners.items()):
            if owner == name:
                del self._owners[(kind, key)]
                if kind != "commands":
                    del self._table(kind)[key]
        if self.manager.get_plugin(name) is not None:
            self.manager.unregister(name=name)

    def _failed(self, record: PluginRecord, status: Status, error: str) -> None:
        error = _one_line(error)
        record.fail(status, error)
        if status == "blocked":
            return
        where = " ".join(filter(None, [record.distribution, record.version])) or "not installed"
        verb = "is incompatible" if status == "incompatible" else "failed to load"
        message = f"plugin '{record.name}' ({where}) {verb}: {error}"
        if self.strict:
            raise PluginError(f"{message} (MEDIASYNC_STRICT_PLUGINS is set)", record.name)
        logger.warning(message)

    def load_entry_point(self, entry_point: metadata.EntryPoint, selection: Selection) -> None:
        dist = entry_point.dist
        meta = dist.metadata if dist is not None else None  # parsed once: it is not cached
        record = PluginRecord(
            name=entry_point.name,
            distribution=meta["Name"] if meta is not None else None,
            version=meta["Version"] if meta is not None else None,
        )
        if entry_point.name in self.records:
            other = self.records[entry_point.name]
            self.records[f"{entry_point.name}@{record.distribution}"] = record
            self._failed(
                record,
                "error",
                f"plugin name '{entry_point.name}' is already taken by "
                f"{other.distribution or 'core'}",
            )
            return
        blocked = selection.blocked_reason(entry_point.name)
        if blocked is not None:
            self.records[entry_point.name] = record
            self._failed(record, "blocked", blocked)
            return
        requires = [] if meta is None else meta.get_all("Requires-Dist") or []
        if dist is not None and not requires:
            requires = dist.requires or []  # an egg-info's requires.txt
        incompatible = core_incompatibility(requires, core_version())
        if incompatible is not None:
            self.records[entry_point.name] = record
            self._failed(record, "incompatible", incompatible)
            return
        try:
            module = entry_point.load()
        except Exception as exc:
            self.records[entry_point.name] = record
            self._failed(record, "error", f"{type(exc).__name__}: {exc}")
            return
        self.add(entry_point.name, module, record)

    # -- using -------------------------------------------------------------------------------

    def add_commands(
        self, cli: click.Group, core: Callable[[click.Group], None] | None = None
    ) -> None:
        """Lets each loaded plugin add its commands; a failing one is withdrawn and recorded.

        ``core`` adds the core's own commands first, recorded as the core's: the command line
        hands them in, so that the loader never imports it. A plugin may not replace a command
        someone else added: that counts as its failure, and the command it tried to take keeps
        working.
        """
        if core is not None:
            existing = set(cli.commands)
            core(cli)
            added = sorted(set(cli.commands) - existing)
            for key in added:
                self._owners[("commands", key)] = CORE_NAME
            if CORE_NAME in self.records:
                self.records[CORE_NAME].registered["commands"].extend(added)
        order = {name: position for position, name in enumerate(self.records)}
        for impl in sorted(
            self.manager.hook.register_commands.get_hookimpls(),
            key=lambda impl: order.get(impl.plugin_name, len(order)),
        ):
            name = impl.plugin_name
            before = dict(cli.commands)
            try:
                _call(impl, cli=cli)
                taken = sorted(
                    key for key, command in before.items() if cli.commands.get(key) is not command
                )
                if taken:
                    owners = ", ".join(
                        f"'{key}' of plugin '{self._owners.get(('commands', key), '?')}'"
                        for key in taken
                    )
                    raise PluginError(f"register_commands replaced command {owners}", name)
            except Exception as exc:
                cli.commands.clear()
                cli.commands.update(before)
                self._withdraw(name)
                error = _describe(exc)
                if not isinstance(exc, PluginError):
                    error = f"register_commands: {error}"
                self._failed(self.records[name], "error", error)
                continue
            added = sorted(set(cli.commands) - set(before))
            for key in added:
                self._owners[("commands", key)] = name
            self.records[name].registered["commands"].extend(added)

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Calls each observer on its own; one that raises is logged and the rest still run.

        The order is pluggy's (``tryfirst`` first, then the last registered first).
        """
        for impl in reversed(getattr(self.manager.hook, hook_name).get_hookimpls()):
            try:
                _call(impl, **kwargs)
            except Exception as exc:
                name = self.manager.get_name(impl.plugin)
                logger.warning(
                    "plugin '%s' failed in %s: %s: %s", name, hook_name, type(exc).__name__, exc
                )
                logger.debug("traceback of the failing %s observer", hook_name, exc_info=True)

    def ask(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Asks each implementation on its own: (plugin name, answer) for those that answered.

        One that raises is logged with the plugin's name and left out, as ``notify`` does: a
        broken plugin must not stop the core's own work.
        """
        answers: list[tuple[str, Any]] = []
        for impl in reversed(getattr(self.manager.hook, hook_name).get_hookimpls()):
            name = self.manager.get_name(impl.plugin) or "?"
            try:
                answers.append((name, _call(impl, **kwargs)))
            except Exception as exc:
                logger.warning(
                    "plugin '%s' failed in %s: %s: %s", name, hook_name, type(exc).__name__, exc
                )
                logger.debug("traceback of the failing %s hook", hook_name, exc_info=True)
        return answers

    def source_type(self, type_name: str) -> type[Source]:
        try:
            return self.sources[type_name]
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none"
            raise UsageError(
                f"unknown source type '{type_name}' (installed source types: {known})"
            ) from None

    def publisher_type(self, type_name: str) -> type[Publisher]:
        try:
            return self.publishers[type_name]
        except KeyError:
            known = ", ".join(sorted(self.publishers)) or "none"
            raise UsageError(
                f"unknown publisher type '{type_name}' (installed publisher types: {known})"
            ) from None

    def strategy(self, name: str) -> type[SyncStrategy]:
        try:
            return self.strategies[name]
        except KeyError:
            known = ", ".join(sorted(self.strategies)) or "none"
            raise UsageError(f"unknown sync strategy '{name}' (installed: {known})") from None


def load_plugins(
    environ: Mapping[str, str] | None = None,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
    builtins: Iterable[tuple[str, object]] | None = None,
) -> Plugins:
    """Builds a ``Plugins`` with the core's own registrations and every selected plugin.

    Args:
        environ: where to read ``MEDIASYNC_*_PLUGINS`` from (default ``os.environ``).
        entry_points: the plugins to consider (default: the installed ``mediasync`` group).
        builtins: extra in-process plugins (name, object), loaded like installed ones.
    """
    selection = Selection.from_environ(os.environ if environ is None else environ)
    plugins = Plugins(strict=selection.strict)
    from mediasync import _builtin

    plugins.add(CORE_NAME, _builtin, PluginRecord(CORE_NAME, CORE_DISTRIBUTION, core_version()))
    for name, obj in builtins or ():
        plugins.add(name, obj, PluginRecord(name, None, None))
    found = metadata.entry_points(group=GROUP) if entry_points is None else entry_points
    for entry_point in sorted(found, key=lambda ep: ep.name):
        plugins.load_entry_point(entry_point, selection)
    return plugins
