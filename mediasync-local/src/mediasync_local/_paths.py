"""File names that are not valid UTF-8, as text the index can store, and back.

``os.scandir`` decodes such a name with ``surrogateescape``: each undecodable byte becomes a lone
surrogate, which no database accepts as text. So ``MediaEntry.path`` writes each such byte as
U+FFFD followed by its two hex digits (``b"caf\\xe9.jpg"`` is ``"caf\\ufffde9.jpg"``, shown as
``caf�e9.jpg``), and a U+FFFD that is really in a name is doubled. The mapping is exact both ways:
``os_path(entry_text(name)) == name``, so ``open()`` reaches the same bytes.
"""

from __future__ import annotations

__all__ = ["ESCAPE", "os_path", "text_name"]

ESCAPE = "\ufffd"
_HEX = frozenset("0123456789abcdef")


def text_name(name: str) -> str:
    """A name from ``os.scandir`` as storable text (unchanged when it is valid UTF-8 already)."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return name.replace(ESCAPE, ESCAPE * 2) if ESCAPE in name else name
    out: list[str] = []
    for char in name:
        if "\udc80" <= char <= "\udcff":
            out.append(f"{ESCAPE}{ord(char) - 0xDC00:02x}")
        elif char == ESCAPE:
            out.append(ESCAPE * 2)
        else:
            out.append(char)
    return "".join(out)


def os_path(text: str) -> str:
    """The inverse of ``text_name``, for a name or a whole relative path: what ``os`` functions
    take (undecodable bytes as surrogates, which ``os.fsencode`` turns back into those bytes).
    """
    if ESCAPE not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == ESCAPE:
            if text[i + 1 : i + 2] == ESCAPE:
                out.append(ESCAPE)
                i += 2
                continue
            digits = text[i + 1 : i + 3]
            if len(digits) == 2 and set(digits) <= _HEX and digits[0] in "89abcdef":
                out.append(chr(0xDC00 + int(digits, 16)))
                i += 3
                continue
        out.append(char)
        i += 1
    return "".join(out)
