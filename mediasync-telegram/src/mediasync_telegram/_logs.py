"""Log lines for the operator of ``mediasync telegram run``: started, stopped, what went wrong.

The ``mediasync`` console script points the ``mediasync`` loggers at stderr (INFO, or DEBUG
with ``-v``) before any command runs; then this changes nothing. Run any other way (the click
group called from a script, a test's runner) nothing would be shown at all, so the bot's own
logger gets the core's stderr handler (``mediasync.log_handler``) for as long as the bot runs.
Either way every record passes the plugin's redaction first (``_redact``): the token never
reaches a line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from mediasync import log_handler

__all__ = ["operator_log"]


@contextmanager
def operator_log() -> Iterator[None]:
    """INFO and above of the bot on stderr while the block runs, unless already shown."""
    if logging.getLogger("mediasync").handlers:
        yield
        return
    logger = logging.getLogger("mediasync.telegram")
    handler = log_handler()
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
