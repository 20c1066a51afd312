"""The layers of core: the command line is a client of ``Workspace``, nothing else's.

A bot, the worker or a script must be able to do what a command does without click, so no
module outside ``mediasync._cli`` may import it. The exceptions run the command line itself:
``python -m mediasync`` (``__main__``), and ``mediasync.testing.fixtures``, which runs it for
plugin authors' tests as a user would.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mediasync

PACKAGE = Path(mediasync.__file__).parent
CLI_CLIENTS = {"__main__.py", "testing/fixtures.py"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_module_outside_the_cli_imports_it() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("_cli/") or relative in CLI_CLIENTS:
            continue
        cli = [
            m
            for m in imported_modules(path)
            if m == "mediasync._cli" or m.startswith("mediasync._cli.")
        ]
        if cli:
            offenders.append(f"{relative}: {', '.join(sorted(cli))}")
    assert offenders == []


def test_cli_modules_reach_the_index_only_through_the_workspace() -> None:
    """Commands parse, call the workspace and format: no SQL, no database module, no engine
    (the sync engine and the worker are reached through ``Workspace.sync`` and ``.worker``)."""
    offenders = []
    for path in sorted((PACKAGE / "_cli").glob("*.py")):
        reaching = [
            m
            for m in imported_modules(path)
            if m.startswith(("mediasync._db", "sqlalchemy", "mediasync._sync"))
        ]
        if reaching:
            offenders.append(f"{path.name}: {', '.join(sorted(reaching))}")
    assert offenders == []
