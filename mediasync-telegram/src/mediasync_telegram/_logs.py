"""Log lines for the operator of ``mediasync telegram run``: started, stopped, what went wrong.

The ``mediasync`` console script points the ``mediasync`` loggers at stderr (INFO, or DEBUG
with ``-v``) before any command runs; then this changes nothing. Run any other way (the click
group called from a script, a test's runner) nothing would be shown at all, so the bot's own
logger gets a stderr handler of the same shape for as long as the bot runs. Either way every
record passes the plugin's redaction first (``_redact``): the token never reaches a line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["operator_log"]

FORMAT = "mediasync: %(levelname)s: %(message)s"
"""The shape of the core's text log lines, which an operator may already be reading."""


@contextmanager
def operator_log() -> Iterator[None]:
    """INFO and above of the bot on stderr while the block runs, unless already shown."""
    if logging.getLogger("mediasync").handlers:
        yield
        return
    logger = logging.getLogger("mediasync.telegram")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
