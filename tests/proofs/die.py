"""``python die.py ARGS``: runs ``mediasync ARGS`` in this process, with test hooks that the
environment turns on (product code has none):

- ``PROOF_KILL_AT_COMMIT=N``: the process SIGKILLs itself at its Nth database commit,
  before the commit reaches the database (a SQLAlchemy ``commit`` listener on every engine);
- ``PROOF_WATCH=module:Qual.name,…``: those functions are counted, and with
  ``PROOF_KILL_AFTER=module:Qual.name:N`` the process SIGKILLs itself as the Nth call of that
  one returns (a file just written, a line just appended);
- ``PROOF_COMMITS=FILE``: the commits and calls counted are written to FILE (JSON) at exit;
- the Instagram client's waits (polls, back-off) are instant, as in-process tests make them.

Remote requests are killed from the other side: the fakes run in the test's process and kill
this one when their Nth request arrives (``proofs.killing``).
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import os
import runpy
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

COMMITS = 0
CALLS: dict[str, int] = {}
KILL_AT = int(os.environ.get("PROOF_KILL_AT_COMMIT") or 0)
KILL_AFTER = os.environ.get("PROOF_KILL_AFTER", "")
COUNT_FILE = os.environ.get("PROOF_COMMITS")


def on_commit(_connection: Any) -> None:
    global COMMITS
    COMMITS += 1
    if COMMITS == KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)


def watch(name: str) -> None:
    """Wraps the function ``module:Qual.name`` to count its calls (and kill after one)."""
    module_name, qualname = name.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, attribute = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    real = getattr(owner, attribute)
    kill_after = int(KILL_AFTER.rsplit(":", 1)[1]) if KILL_AFTER.startswith(name + ":") else 0
    lock = threading.Lock()
    CALLS[name] = 0

    @functools.wraps(real)
    def counted(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        with lock:
            CALLS[name] += 1
            if CALLS[name] == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, attribute, counted)


def write_count() -> None:
    if COUNT_FILE:
        Path(COUNT_FILE).write_text(json.dumps({"commits": COMMITS, "calls": CALLS}))


def instant_waits() -> None:
    try:
        from mediasync_instagram import _graph
    except ImportError:
        return

    def instant(seconds: float) -> None:
        pass

    _graph._sleep = instant


if __name__ == "__main__":
    event.listen(Engine, "commit", on_commit)
    atexit.register(write_count)
    instant_waits()
    for name in filter(None, os.environ.get("PROOF_WATCH", "").split(",")):
        watch(name)
    sys.argv = ["mediasync", *sys.argv[1:]]
    runpy.run_module("mediasync", run_name="__main__", alter_sys=True)
