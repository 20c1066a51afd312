"""Include and exclude globs, matched against paths relative to the root.

The rules, close to ``.gitignore``:

- Paths use ``/``; matching is case-sensitive (``*.jpg`` does not match ``IMG.JPG``).
- ``*`` and ``?`` stay within one folder level; ``[abc]``/``[!abc]`` match one character;
  ``**`` matches any number of folder levels (``2023/**/*.mov``).
- A pattern without ``/`` matches a name at any depth (``*.jpg`` is ``**/*.jpg``); a pattern with
  a ``/`` is anchored at the root (a leading ``/`` is allowed and means the same).
- A pattern that matches a folder applies to everything under it: excluding ``Trash`` skips
  every ``Trash`` folder without entering it; including ``Camera`` lists everything under any
  ``Camera`` folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

__all__ = ["PathFilter", "glob_to_regex"]


def _component(part: str) -> str:
    """The regex of one path component: ``*``, ``?`` and ``[...]`` never match ``/``."""
    out: list[str] = []
    i, n = 0, len(part)
    while i < n:
        char = part[i]
        i += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            j = i
            if j < n and part[j] in "!^":
                j += 1
            if j < n and part[j] == "]":
                j += 1
            while j < n and part[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(char))
                continue
            body = part[i:j]
            i = j + 1
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            body = "".join("\\" + c if c in "\\^[&~|" else c for c in body)
            out.append(f"[^/{body}]" if negate else f"[{body}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def glob_to_regex(pattern: str) -> str:
    """The regex (for ``fullmatch``) of one glob, following the module's rules."""
    anchored = "/" in pattern.rstrip("/")
    parts = [p for p in pattern.strip("/").split("/") if p]
    if not parts:
        return "(?!)"
    if not anchored:
        parts = ["**", *parts]
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _component(part) + ("" if last else "/")
    return regex


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    regexes = [glob_to_regex(p) for p in patterns]
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)


@attrs.frozen(slots=True)
class PathFilter:
    """Decides which relative paths the listing keeps. Empty ``include`` means everything."""

    include: re.Pattern[str] | None
    exclude: re.Pattern[str] | None

    @classmethod
    def from_globs(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> PathFilter:
        return cls(include=_compile(include), exclude=_compile(exclude))

    @property
    def includes_everything(self) -> bool:
        return self.include is None

    def excluded(self, path: str) -> bool:
        """Whether ``path`` (a file, or a folder and so all beneath it) is excluded."""
        return self.exclude is not None and self.exclude.fullmatch(path) is not None

    def included(self, path: str) -> bool:
        """Whether ``path`` matches an include pattern (a folder's match covers its contents)."""
        return self.include is None or self.include.fullmatch(path) is not None
