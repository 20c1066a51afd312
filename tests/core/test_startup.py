"""Start-up stays fast with every plugin installed: `--help` imports nothing heavy, and `sync`
begins walking a local folder before it does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_every_public_name_is_imported_on_first_use_from_where_it_lives() -> None:
    """``mediasync`` loads its names lazily (``_LAZY``); the ``TYPE_CHECKING`` imports above it
    are what type checkers read. If this fails, a name was added to one and not the other:
    add it to ``__all__``, the ``TYPE_CHECKING`` block and ``_LAZY`` alike."""
    import ast
    import importlib

    import mediasync

    tree = ast.parse(open(mediasync.__file__).read())  # noqa: SIM115
    checked: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            checked.update({alias.name: node.module for alias in node.names})
    checked.pop("TYPE_CHECKING", None)
    checked.pop("Any", None)
    assert checked == mediasync._LAZY
    assert set(mediasync.__all__) == {*mediasync._LAZY, "__version__"}
    for name, module in mediasync._LAZY.items():
        assert getattr(mediasync, name) is getattr(importlib.import_module(module), name)


SYNC_PROBE = """
import json, os, sys, time
HEAVY, ROOT, RECORD = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
_scandir = os.scandir
seen = {}

def scandir(path=".", *args, **kwargs):
    if not seen and os.fspath(path).startswith(ROOT):
        seen["loaded"] = sorted(n for n in sys.modules if n.split(".")[0] in HEAVY)
        seen["thread"] = __import__("threading").current_thread().name
        seen["pid"] = os.getpid()
        with open(RECORD, "a") as record:  # the walk may run in a forked child
            record.write(json.dumps(seen) + "\\n")
    return _scandir(path, *args, **kwargs)

os.scandir = scandir
from mediasync._cli.main import main
try:
    main(sys.argv[4:])
except SystemExit as exc:
    assert not exc.code, exc.code
print(os.getpid())
"""


def test_sync_starts_walking_the_folder_before_importing_any_heavy_library(tmp_path: Path) -> None:
    """``mediasync sync NAME`` lists a local source while SQLAlchemy, the plugins and the command
    line are still loading (``mediasync._sync.early``): its first ``scandir`` of the folder comes
    before any heavy import. If this fails, something on the path of ``start_early_listing`` (or
    of ``import mediasync``, or of the local plugin) imports the library named: import it lazily
    where it is used."""
    photos = tmp_path / "photos"
    (photos / "2024").mkdir(parents=True)
    (photos / "2024" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    db = ["--db", f"sqlite:///{tmp_path / 'index.db'}"]
    add = [*db, "sources", "add", "photos", "--type", "local", "--root", str(photos)]
    command = [sys.executable, "-m", "mediasync"]
    subprocess.run([*command, *add], check=True, capture_output=True, timeout=60)
    record = tmp_path / "scandir.jsonl"
    heavy = json.dumps([*HEAVY, "packaging"])
    probe = [sys.executable, "-c", SYNC_PROBE, heavy, str(photos), str(record)]
    result = subprocess.run(
        [*probe, *db, "sync", "photos"], capture_output=True, text=True, timeout=60, check=True
    )
    parent = int(result.stdout.strip().splitlines()[-1])
    seen = json.loads(record.read_text().splitlines()[0])
    assert seen["pid"] != parent, "the walk did not run in a child process (on the other core)"
    assert seen["loaded"] == [], f"imported before the sync's first scandir: {seen['loaded']}"


PLUGINS_PROBE = """
import json, sys
from mediasync._plugins import load_plugins
plugins = load_plugins()
print(json.dumps({
    "loaded": sorted(name for name, record in plugins.records.items() if record.status == "ok"),
    "imported": sorted(name for name in sys.modules if name.split(".")[0] in HEAVY),
}))
"""


def test_loading_every_plugin_imports_no_client_library_nor_asyncio() -> None:
    """Every ``mediasync`` process loads every plugin: a plugin's entry module and what its
    ``register_*`` hooks reach must leave its client libraries (and ``asyncio``, and
    ``packaging``, which the version check needs only for unusual specifiers) to the commands
    and methods that use them. If this fails, import the library named inside the function
    that needs it."""
    heavy = ["asyncio", "packaging", "googleapiclient", "cloudinary", "telegram", "httpx", "PIL"]
    probe = f"HEAVY = {heavy!r}\n{PLUGINS_PROBE}"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"gdrive", "instagram", "local", "telegram"} <= set(seen["loaded"])
    assert seen["imported"] == [], f"imported by loading the plugins: {seen['imported']}"


def test_the_early_listing_reads_the_entry_points_importlib_metadata_reads() -> None:
    """``mediasync sync NAME`` finds the source's plugin without ``importlib.metadata`` (30 ms
    of start-up); what it reads must be what the plugin loader reads."""
    from importlib import metadata

    from mediasync._sync.early import _entry_points

    expected = sorted((ep.name, ep.value) for ep in metadata.entry_points(group="mediasync"))
    assert sorted(_entry_points("mediasync")) == expected
    assert {"local", "gdrive", "instagram", "telegram"} <= {name for name, _ in expected}
