"""A tiny plugin wheel whose import raises: what one broken plugin costs, tried for real."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

__all__ = ["BROKEN_ERROR", "BROKEN_PLUGIN", "BROKEN_VERSION", "write_broken_wheel"]

BROKEN_PLUGIN = "broken"
BROKEN_VERSION = "0.0.1"
BROKEN_ERROR = "this plugin is broken on purpose"
_PACKAGE = "mediasync_smoke_broken"
_DISTRIBUTION = "mediasync-smoke-broken"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{path},sha256={digest},{len(data)}"


def write_broken_wheel(folder: Path) -> Path:
    """Writes ``mediasync_smoke_broken-0.0.1-py3-none-any.whl`` into ``folder``: entry point
    ``broken`` in group ``mediasync``, a package that raises ``RuntimeError`` on import."""
    info = f"{_PACKAGE}-{BROKEN_VERSION}.dist-info"
    files = {
        f"{_PACKAGE}/__init__.py": f"raise RuntimeError({BROKEN_ERROR!r})\n",
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {_DISTRIBUTION}\nVersion: {BROKEN_VERSION}\n"
            "Requires-Dist: mediasync-core>=0.1\n"
        ),
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: mediasync-smoke\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": f"[mediasync]\n{BROKEN_PLUGIN} = {_PACKAGE}\n",
    }
    wheel = folder / f"{_PACKAGE}-{BROKEN_VERSION}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            data = text.encode("utf-8")
            archive.writestr(path, data)
            record.append(_record_line(path, data))
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel
