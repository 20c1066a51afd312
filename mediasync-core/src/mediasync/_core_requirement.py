"""Whether a plugin's requirements allow the installed core, mostly without ``packaging``.

Plugins write plain specifiers (``mediasync-core<0.2,>=0.1``): names, comparisons and release
numbers, read here with two regular expressions. ``packaging.requirements`` (30 ms of start-up
to import, in every ``mediasync`` process) reads anything else: extras, markers, ``~=``,
wildcards, pre-releases, a URL, a core that is not a plain release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["CORE_DISTRIBUTION", "core_incompatibility"]

CORE_DISTRIBUTION = "mediasync-core"

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|<|>)\s*([0-9]+(?:\.[0-9]+)*)\s*")
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def core_incompatibility(requires: Iterable[str], core: str) -> str | None:
    """Why ``requires`` (``Requires-Dist`` lines) rule out core version ``core``, else ``None``.

    As ``packaging`` would decide it: a line that is not a valid requirement, or that names
    another distribution, or whose marker is false without extras, rules out nothing.
    """
    for line in requires:
        name = _NAME.match(line)
        if name is None or re.sub(r"[-_.]+", "-", name.group(1)).lower() != CORE_DISTRIBUTION:
            continue
        clauses = _plain_clauses(line[name.end() :], core)
        problem = _by_packaging(line, core) if clauses is None else _unmet(clauses, core)
        if problem is not None:
            return problem
    return None


def _plain_clauses(specifier: str, core: str) -> list[tuple[str, str]] | None:
    """The (operator, release) clauses of a plain specifier; ``None`` if it is not one."""
    if not _RELEASE.fullmatch(core):
        return None
    if not specifier.strip():
        return []
    clauses = [_CLAUSE.fullmatch(clause) for clause in specifier.split(",")]
    return [(c.group(1), c.group(2)) for c in clauses if c] if all(clauses) else None


def _release(version: str, width: int) -> tuple[int, ...]:
    numbers = [int(part) for part in version.split(".")]
    return (*numbers, *[0] * (width - len(numbers)))


def _unmet(clauses: list[tuple[str, str]], core: str) -> str | None:
    for operator, version in clauses:
        width = max(core.count("."), version.count(".")) + 1
        have, want = _release(core, width), _release(version, width)
        met = {
            ">=": have >= want,
            "<=": have <= want,
            ">": have > want,
            "<": have < want,
            "==": have == want,
            "!=": have != want,
        }[operator]
        if not met:
            specifier = ",".join(sorted(op + v for op, v in clauses))
            return f"needs {CORE_DISTRIBUTION}{specifier}, installed is {core}"
    return None


def _by_packaging(line: str, core: str) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        return None
    if not requirement.specifier.contains(core, prereleases=True):
        return f"needs {CORE_DISTRIBUTION}{requirement.specifier}, installed is {core}"
    return None
