"""Modification times as the index stores them: whole microseconds since the epoch, exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["from_mtime_us", "mtime_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def mtime_us(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (no float rounding); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // ONE_US


def from_mtime_us(micros: int) -> datetime:
    return EPOCH + micros * ONE_US
