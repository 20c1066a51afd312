"""Development sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``bench``, ``model``,
``build`` and ``smoke`` (the built distributions, installed for real).

Every distribution of this repository is installed editable from its directory, all in one pip
call so that ``mediasync-core`` requirements of the plugins resolve to the local checkout; a
check afterwards fails the session if any ``mediasync-*`` came from a package index instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
DISTRIBUTIONS = sorted(p.parent for p in ROOT.glob("mediasync-*/pyproject.toml"))
TEST_REQUIREMENTS = [
    "pytest>=8",
    "pytest-httpx>=0.30",
    "hypothesis>=6",
    "hatchling>=1.24",
    "pytest-xdist>=3.6",
    # The Telegram fake's tests drive the real client; mediasync-telegram will declare it too.
    "python-telegram-bot>=21",
]

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

CHECK_LOCAL = """
import json, sys
from importlib import metadata
expected = json.loads(sys.argv[1])
bad = []
for name, path in expected.items():
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        bad.append(f"{name}: not installed")
        continue
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if not direct.get("url", "").startswith("file://") or not direct.get("url", "").endswith(path):
        bad.append(f"{name}: installed from {direct.get('url') or 'a package index'}, not {path}")
others = [d.metadata["Name"] for d in metadata.distributions()
          if d.metadata["Name"].startswith("mediasync-") and d.metadata["Name"] not in expected]
bad += [f"{name}: not a distribution of this repository" for name in others]
if bad:
    sys.exit("mediasync distributions not from this checkout:\\n  " + "\\n  ".join(bad))
"""


def install_local(session: nox.Session, *extra: str) -> None:
    """Installs every mediasync-* directory editable, then proves none came from an index."""
    args: list[str] = []
    for path in DISTRIBUTIONS:
        target = f"{path}[postgres]" if path.name == "mediasync-core" else str(path)
        args += ["-e", target]
    session.install(*args, *extra)
    expected = {path.name: path.as_posix() for path in DISTRIBUTIONS}
    session.run("python", "-c", CHECK_LOCAL, json.dumps(expected), silent=True)


@nox.session
def tests(session: nox.Session) -> None:
    """Runs the whole test suite (PostgreSQL tests use MEDIASYNC_TEST_POSTGRES_URL)."""
    install_local(session, *TEST_REQUIREMENTS)
    # Two workers: much of the suite waits on subprocesses, sockets and PostgreSQL, so two
    # processes use a 2-core machine far better than one (every test has its own directories,
    # database schema and fake servers on port 0, so they never share state).
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session
def model(session: nox.Session) -> None:
    """The engine's model-based test with long histories (see tests/engine/test_model.py)."""
    install_local(session, *TEST_REQUIREMENTS)
    session.env["MEDIASYNC_MODEL_PROFILE"] = "long"
    session.run(
        "pytest", "tests/engine/test_model.py", "--hypothesis-show-statistics", *session.posargs
    )


@nox.session
def proofs(session: nox.Session) -> None:
    """The long proofs (docs/reliability.md): every kill point of the crash tests, twenty seeds
    of faults per service, and the Drive and copy models with long histories."""
    install_local(session, *TEST_REQUIREMENTS)
    session.env["MEDIASYNC_PROOFS"] = "all"
    session.env["MEDIASYNC_MODEL_PROFILE"] = "long"
    session.run(
        "pytest",
        "tests/proofs",
        "tests/engine/test_model_drive.py",
        "tests/engine/test_model_copy.py",
        "-s",
        "--durations=0",
        *session.posargs,
    )


@nox.session
def soak(session: nox.Session) -> None:
    """A worker under load for an hour, compressed (docs/reliability.md, part 5): four
    `mediasync run` processes on one PostgreSQL (MEDIASYNC_TEST_POSTGRES_URL), 200 sources
    churning, fakes failing one request in ten, a worker SIGKILLed every 20 s. About 9 minutes
    (plus the install the first time); MEDIASYNC_SOAK_MINUTES (default 8) is the churn's length,
    MEDIASYNC_SOAK_KILL_SECONDS, MEDIASYNC_SOAK_SEED and MEDIASYNC_SOAK_RSS_MB the rest."""
    install_local(session, *TEST_REQUIREMENTS)
    session.env["MEDIASYNC_SOAK"] = "1"
    session.run("pytest", "tests/soak", "-s", "--durations=0", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    install_local(session, *TEST_REQUIREMENTS, "mypy>=1.11", "nox")
    session.run("mypy")


DIST = ROOT / "dist"


@nox.session
def build(session: nox.Session) -> None:
    """Wheels and sdists of every distribution into dist/, checked by twine and for their data
    files (not part of the tests; about a minute)."""
    session.install("build>=1.2", "twine>=6.1")
    shutil.rmtree(DIST, ignore_errors=True)
    for path in DISTRIBUTIONS:
        session.run("python", "-m", "build", "--outdir", str(DIST), str(path), silent=True)
    session.run("twine", "check", "--strict", *sorted(str(p) for p in DIST.iterdir()))
    session.run("python", "tests/smoke/check_dists.py", str(DIST), *map(str, DISTRIBUTIONS))


@nox.session
def smoke(session: nox.Session) -> None:
    """Installs the wheels of `nox -s build` into a fresh virtualenv, not editable, and uses
    them as a user would (not part of the tests; about a minute)."""
    tests = {"PYTHONPATH": str(ROOT / "tests")}
    session.run("python", "-m", "smoke.run_smoke", str(DIST), *session.posargs, env=tests)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not part of the tests); arguments go to bench/run.py."""
    install_local(session)
    session.run("python", "bench/run.py", *session.posargs)
