"""Checks the built distributions (``nox -s build``) against the source trees they came from.

    python tests/smoke/check_dists.py DIST_DIR PROJECT_DIR...

For each project: its wheel ships every file of its package tree (migrations, templates, JSON
documents, ``py.typed``: not only the ``.py`` files), its licence file and licence expression,
its entry points (the plugins' ``mediasync`` one, the core's console script), and a
``mediasync-core`` requirement the core built beside it satisfies; its sdist ships
``pyproject.toml``, the README, the licence and the package tree too. Exits 1 naming every
problem found, one a line.
"""

from __future__ import annotations

import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

IGNORED = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def package_files(project: Path) -> tuple[str, set[str]]:
    """(the import name, every file below it as ``name/relative/path``)."""
    packages = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "hatch"
    ]["build"]["targets"]["wheel"]["packages"]
    (package,) = packages
    root = project / package
    files = {
        f"{root.name}/{path.relative_to(root).as_posix()}"
        for path in root.rglob("*")
        if path.is_file() and not IGNORED & set(path.parts) and path.suffix != ".pyc"
    }
    return root.name, files


def check_wheel(wheel: Path, project: Path, core_version: str) -> list[str]:
    name, expected = package_files(project)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode("utf-8")
    problems = [f"{wheel.name}: missing {path}" for path in sorted(expected - names)]
    if f"{name}/py.typed" not in names:
        problems.append(f"{wheel.name}: no py.typed in {name}/")
    if not any(n.startswith(f"{info}/licenses/LICENSE") for n in names):
        problems.append(f"{wheel.name}: no LICENSE under {info}/licenses/")
    if metadata["License-Expression"] != "Apache-2.0":
        problems.append(f"{wheel.name}: License-Expression is {metadata['License-Expression']}")
    if not metadata["Requires-Python"]:
        problems.append(f"{wheel.name}: no Requires-Python")
    if name == "mediasync":
        if "mediasync = mediasync._cli.main:main" not in entry_points:
            problems.append(f"{wheel.name}: no `mediasync` console script")
        return problems
    if f"= {name}.plugin" not in entry_points or "[mediasync]" not in entry_points:
        problems.append(f"{wheel.name}: no entry point in group `mediasync`")
    cores = [
        Requirement(line)
        for line in metadata.get_all("Requires-Dist") or []
        if Requirement(line).name == "mediasync-core"
    ]
    if not any(r.specifier.contains(core_version) for r in cores):
        problems.append(f"{wheel.name}: its mediasync-core requirement excludes {core_version}")
    return problems


def check_sdist(sdist: Path, project: Path) -> list[str]:
    _name, expected = package_files(project)
    top = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.removeprefix(f"{top}/") for n in archive.getnames()}
    needed = {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"}
    needed |= {f"src/{path}" for path in expected}
    return [f"{sdist.name}: missing {path}" for path in sorted(needed - names)]


def main(dist: Path, projects: list[Path]) -> int:
    problems: list[str] = []
    core_version = ""
    built: list[tuple[Path, Path, Path]] = []
    for project in projects:
        stem = project.name.replace("-", "_")
        wheels = sorted(dist.glob(f"{stem}-*.whl"))
        sdists = sorted(dist.glob(f"{stem}-*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            problems.append(f"{project.name}: expected one wheel and one sdist in {dist}")
            continue
        built.append((project, wheels[0], sdists[0]))
        if project.name == "mediasync-core":
            core_version = wheels[0].name.split("-")[1]
    for project, wheel, sdist in built:
        problems += check_wheel(wheel, project, core_version)
        problems += check_sdist(sdist, project)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(built)} wheels and {len(built)} sdists ship what their trees hold")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]))
