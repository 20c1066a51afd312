"""Smoke test of the built wheels (``nox -s build``), installed as a user installs them.

    PYTHONPATH=tests python -m smoke.run_smoke DIST_DIR [--keep]

A fresh virtualenv in a temporary folder gets the wheels (not editable; dependencies from the
package index), and every command runs from that folder with a home of its own and no
``PYTHONPATH``, so nothing of this checkout is importable. In the order a user meets them:

1. core and local only, as README.md's first command installs them; that command, as written
   but for the virtualenv's path, indexes ``~/Pictures``; without one it says so, creates nothing;
2. the other three plugins: ``mediasync plugins --json`` lists all four as ok;
3. ``MEDIASYNC_LOAD_PLUGINS=""`` loads none of them (each listed as blocked);
4. ``mediasync plugin new`` writes a plugin that pip installs and mediasync loads;
5. a plugin whose import raises costs one warning line naming it; ``--help``, ``plugins`` and
   ``sync`` still work.

Each check prints ``ok`` or ``FAIL`` with what was expected and what happened; exits 1 if any
failed. ``--keep`` leaves the temporary folder for a look.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smoke.broken_wheel import BROKEN_ERROR, BROKEN_PLUGIN, BROKEN_VERSION, write_broken_wheel

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = {"local", "gdrive", "instagram", "telegram"}
TIMEOUT = 600


class Smoke:
    """The temporary folder, its virtualenv and home, and the checks' outcomes."""

    def __init__(self, dist: Path, work: Path) -> None:
        self.dist = dist
        self.work = work
        self.venv = work / "venv"
        self.home = work / "home"
        self.failures: list[str] = []

    def wheel(self, project: str) -> str:
        found = sorted(self.dist.glob(f"{project.replace('-', '_')}-*.whl"))
        if len(found) != 1:
            sys.exit(f"error: no single {project} wheel in {self.dist}: run `nox -s build` first")
        return str(found[0])

    def environ(self, home: Path | None = None, **extra: str) -> dict[str, str]:
        home = home or self.home
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("MEDIASYNC_", "MEDIA_SYNC_", "MEDIA_SOURCE_", "PYTHON"))
            and name not in {"VIRTUAL_ENV", "HOME"}
        }
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            **extra,
        )
        return env

    def run(
        self, args: Sequence[str], home: Path | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.work,
            env=self.environ(home, **extra),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def mediasync(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return self.run([str(self.venv / "bin" / "mediasync"), *args], None, **extra)

    def pip(self, *args: str) -> None:
        result = self.run([str(self.venv / "bin" / "python"), "-m", "pip", *args])
        if result.returncode != 0:
            sys.exit(f"error: pip {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def check(self, ok: bool, what: str, detail: object = "") -> bool:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)
            print("       " + str(detail).strip().replace("\n", "\n       "))
        return ok


def tiny_png(seed: int) -> bytes:
    """A valid PNG of one pixel, a different one for each seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, seed % 256, 80, 160]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    )


def _outcome(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"


def _plugins(smoke: Smoke, **extra: str) -> tuple[dict[str, Any], str]:
    result = smoke.mediasync("plugins", "--json", **extra)
    if result.returncode != 0:
        return {}, _outcome(result)
    return {r["name"]: r for r in json.loads(result.stdout)}, result.stderr


def readme_first_command() -> str:
    """The ``mediasync`` part of README.md's first command, after checking what comes before."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Try it.*?```sh\n(.*?)\n```", readme, re.S)
    assert block is not None, "README.md has no ```sh block under '## Try it'"
    steps = [step.strip() for step in block.group(1).split("&&")]
    assert len(steps) == 3, f"README's first command is no longer venv && pip && sync: {steps}"
    assert steps[0] == "python3 -m venv .venv", steps[0]
    assert "pip install" in steps[1], steps[1]
    assert {"mediasync-core", "mediasync-local"} <= set(re.findall(r"mediasync-\w+", steps[1]))
    assert steps[2].startswith(".venv/bin/mediasync "), steps[2]
    return steps[2]


def check_installed(smoke: Smoke) -> None:
    probe = (
        "import json, sys\nfrom importlib import metadata\nimport mediasync, mediasync_local\n"
        "print(json.dumps({'files': [mediasync.__file__, mediasync_local.__file__],"
        " 'path': sys.path, 'direct': [metadata.distribution(n).read_text('direct_url.json')"
        " for n in ('mediasync-core', 'mediasync-local')]}))"
    )
    result = smoke.run([str(smoke.venv / "bin" / "python"), "-c", probe])
    if not smoke.check(result.returncode == 0, "mediasync imports in the virtualenv", result):
        return
    data = json.loads(result.stdout)
    inside = all(Path(f).is_relative_to(smoke.venv) for f in data["files"])
    smoke.check(inside, "mediasync is imported from the virtualenv", data["files"])
    leaked = [p for p in data["path"] if p and Path(p).resolve().is_relative_to(ROOT)]
    smoke.check(not leaked, "nothing of the checkout is on sys.path", leaked)
    editable = [
        d for d in data["direct"] if d and json.loads(d).get("dir_info", {}).get("editable")
    ]
    smoke.check(not editable, "nothing is installed editable", editable)


def check_readme(smoke: Smoke) -> None:
    command = readme_first_command().replace(".venv/bin/", f"{smoke.venv}/bin/", 1)
    pictures = smoke.home / "Pictures"
    (pictures / "2024").mkdir(parents=True)
    for seed, name in enumerate(("beach.png", "2024/snow.png")):
        (pictures / name).write_bytes(tiny_png(seed))
    first = smoke.run(["bash", "-c", command])
    smoke.check(
        first.returncode == 0 and "+2 added" in first.stdout,
        f"README's first command indexes ~/Pictures: {command.split('/bin/')[-1]}",
        _outcome(first),
    )
    again = smoke.run(["bash", "-c", command])
    smoke.check(
        again.returncode == 0 and "+0 added" in again.stdout, "a second run adds nothing", again
    )
    empty = smoke.work / "empty-home"
    empty.mkdir()
    missing = smoke.run(["bash", "-c", command], home=empty)
    smoke.check(
        missing.returncode != 0
        and "does not exist" in missing.stderr
        and list(empty.iterdir()) == [],
        "without ~/Pictures it says so and creates nothing",
        f"{_outcome(missing)}\ncreated: {[str(p) for p in empty.rglob('*')]}",
    )


def check_plugins(smoke: Smoke) -> None:
    records, stderr = _plugins(smoke)
    statuses = {name: r["status"] for name, r in records.items()}
    expected = {"core": "ok", **dict.fromkeys(PLUGINS, "ok")}
    smoke.check(statuses == expected, "`plugins --json` lists the four plugins as ok", records)
    smoke.check(stderr == "", "and warns about nothing", stderr)
    records, stderr = _plugins(smoke, MEDIASYNC_LOAD_PLUGINS="")
    statuses = {name: r["status"] for name, r in records.items()}
    expected = {"core": "ok", **dict.fromkeys(PLUGINS, "blocked")}
    smoke.check(statuses == expected, 'MEDIASYNC_LOAD_PLUGINS="" loads none of them', records)
    helped = smoke.mediasync("--help", MEDIASYNC_LOAD_PLUGINS="")
    smoke.check(
        helped.returncode == 0 and "gdrive" not in helped.stdout,
        "and --help shows none of their commands",
        helped,
    )


def check_plugin_new(smoke: Smoke) -> None:
    created = smoke.mediasync("plugin", "new", "smoke_demo", "--dir", str(smoke.work))
    project = smoke.work / "mediasync-smoke-demo"
    if not smoke.check(created.returncode == 0, "`plugin new` writes a plugin", _outcome(created)):
        return
    smoke.pip("install", "--quiet", str(project))
    records, stderr = _plugins(smoke)
    demo = records.get("smoke_demo", {})
    smoke.check(
        demo.get("status") == "ok" and demo["registered"]["sources"] == ["smoke-demo"],
        "which pip installs and mediasync loads",
        f"{demo}\n{stderr}",
    )


def check_broken_plugin(smoke: Smoke) -> None:
    smoke.pip("install", "--quiet", "--no-deps", str(write_broken_wheel(smoke.work)))
    warning = (
        f"mediasync: WARNING: plugin '{BROKEN_PLUGIN}' (mediasync-smoke-broken {BROKEN_VERSION})"
        f" failed to load: RuntimeError: {BROKEN_ERROR}"
    )
    folder = smoke.work / "photos"
    folder.mkdir()
    for args in (["--help"], ["plugins", "--json"], ["sync", str(folder)]):
        result = smoke.mediasync(*args)
        warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
        smoke.check(
            result.returncode == 0 and warnings == [warning],
            f"with a broken plugin `mediasync {args[0]}` works, with one warning line naming it",
            _outcome(result),
        )
    records, _stderr = _plugins(smoke)
    broken = records.get(BROKEN_PLUGIN, {})
    others = {name: records.get(name, {}).get("status") for name in PLUGINS}
    smoke.check(
        broken.get("status") == "error" and set(others.values()) == {"ok"},
        "it is listed with status error and the others still load",
        records,
    )


def main(argv: Sequence[str]) -> int:
    dist = Path(argv[0]).resolve()
    work = Path(tempfile.mkdtemp(prefix="mediasync-smoke-"))
    smoke = Smoke(dist, work)
    started = time.monotonic()
    try:
        print(f"virtualenv in {smoke.venv}")
        subprocess.run([sys.executable, "-m", "venv", str(smoke.venv)], check=True)
        smoke.home.mkdir()
        smoke.pip(
            "install", "--quiet", smoke.wheel("mediasync-core"), smoke.wheel("mediasync-local")
        )
        check_installed(smoke)
        check_readme(smoke)
        others = [smoke.wheel(f"mediasync-{name}") for name in sorted(PLUGINS - {"local"})]
        smoke.pip("install", "--quiet", *others)
        check_plugins(smoke)
        check_plugin_new(smoke)
        check_broken_plugin(smoke)
    finally:
        if "--keep" not in argv:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    if smoke.failures:
        print(f"{len(smoke.failures)} smoke check(s) failed in {elapsed:.0f}s", file=sys.stderr)
        return 1
    print(f"all smoke checks passed in {elapsed:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
