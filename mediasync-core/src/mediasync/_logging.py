"""Log set-up for the command line and the worker: short text lines, or one JSON object a line.

Structured fields travel in ``extra={"fields": {...}}`` so that the text format can ignore them
and the JSON format can keep them as real values for log pipelines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["JsonFormatter", "configure_logging", "log_handler"]

LOGGER = "mediasync"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info and logging.getLogger(LOGGER).isEnabledFor(logging.DEBUG):
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def log_handler(log_format: Literal["text", "json"] = "text") -> logging.Handler:
    """A stderr handler writing log lines as the ``mediasync`` command does: text
    (``mediasync: INFO: …``) or one JSON object a line. For a plugin's command that runs
    where nothing set up logging (a script calling it), to add for as long as it runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("mediasync: %(levelname)s: %(message)s")
    )
    return handler


def configure_logging(
    log_format: Literal["text", "json"] = "text", verbose: bool = False
) -> logging.Logger:
    """Points the ``mediasync`` loggers at stderr in the chosen format (idempotent)."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        if getattr(handler, "_mediasync", False):
            logger.removeHandler(handler)
    handler = log_handler(log_format)
    handler._mediasync = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    return logger
