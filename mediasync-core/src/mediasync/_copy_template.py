"""Where ``copy`` puts an item: a template over the item's facts, ``{taken:%Y}/{taken:%m}/{name}``.

The template is Python's format syntax restricted to the fields below (no attribute or index
access: a template is user input), checked in full before anything is copied. Everything up
to its last ``/`` is the folder handed to ``Source.upload``, the rest the file name; the
destination makes both safe, so the template need not.
"""

from __future__ import annotations

import posixpath
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from mediasync._errors import UsageError
from mediasync._results import Item

__all__ = ["DEFAULT_FOLDER_TEMPLATE", "TEMPLATE_FIELDS", "FolderTemplate"]

DEFAULT_FOLDER_TEMPLATE = "{taken:%Y}/{taken:%m}/{name}"
TEMPLATE_FIELDS: Mapping[str, str] = {
    "taken": "capture time, else modification time (UTC); strftime codes: {taken:%Y-%m-%d}",
    "name": "file name",
    "stem": "file name without its extension",
    "ext": "extension with its dot ('.jpg'; '' if none)",
    "source": "the source's name",
    "kind": "image, video, audio or other",
    "id": "the item's id in the index",
    "path": "path in the source",
    "folder": "folder in the source ('' at its root)",
}
_SAMPLE: Mapping[str, Any] = {
    "taken": datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
    "name": "IMG_0001.jpg",
    "stem": "IMG_0001",
    "ext": ".jpg",
    "source": "photos",
    "kind": "image",
    "id": 1,
    "path": "2024/IMG_0001.jpg",
    "folder": "2024",
}


def _facts(item: Item) -> dict[str, Any]:
    stem, ext = posixpath.splitext(item.name)
    return {
        "taken": item.taken_at or item.mtime,
        "name": item.name,
        "stem": stem,
        "ext": ext,
        "source": item.source,
        "kind": item.kind,
        "id": item.id,
        "path": item.path,
        "folder": posixpath.dirname(item.path),
    }


@attrs.frozen(slots=True)
class FolderTemplate:
    text: str

    @classmethod
    def parse(cls, text: str) -> FolderTemplate:
        """Checks ``text`` against every rule, so that a mistake costs nothing copied.

        Raises:
            UsageError: an unknown field, a bad format, or no file name at the end.
        """
        known = ", ".join("{" + name + "}" for name in TEMPLATE_FIELDS)
        problem = f"folder template {text!r}"
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise UsageError(f"{problem}: {exc} (use {{{{ and }}}} for braces)") from None
        for _literal, field, spec, conversion in parsed:
            if field is None:
                continue
            if field not in TEMPLATE_FIELDS:
                raise UsageError(f"{problem}: unknown field {{{field}}} (known: {known})")
            if conversion is not None or (spec and "{" in spec):
                raise UsageError(f"{problem}: {{{field}}} takes a plain format, like {{taken:%Y}}")
        template = cls(text)
        try:
            sample = template._render(_SAMPLE)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{problem}: {exc}") from None
        if not sample.rpartition("/")[2].strip():
            raise UsageError(f"{problem}: it must end with a file name, such as {{name}}")
        return template

    def _render(self, facts: Mapping[str, Any]) -> str:
        # str.format_map is safe here: ``parse`` let through plain field names only.
        return self.text.format_map(facts)

    def place(self, item: Item) -> tuple[str, str]:
        """(folder, name) of ``item`` in the destination, before the destination makes them
        safe; an empty name (a template of only ``{folder}/{ext}``, say) falls back to the
        item's."""
        folder, _, name = self._render(_facts(item)).rpartition("/")
        return folder, name.strip() or item.name
