"""``mediasync --help`` stays fast with every plugin installed: no heavy import on that path."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "sqlalchemy",
    "alembic",
    "cryptography",
    "cattrs",
    "googleapiclient",
    "cloudinary",
    "telegram",
    "httpx",
]

PROBE = """
import json, sys
from mediasync._cli.main import main
try:
    main(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)))
"""


def test_help_imports_no_heavy_library() -> None:
    probe = f"HEAVY = {HEAVY!r}\n{PROBE}"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported on the --help path: {loaded}"
