"""A set of row ids as a bitmap: flat memory however many rows a run touches."""

from __future__ import annotations

__all__ = ["IdSet"]


class IdSet:
    """Row ids (small non-negative integers) as bits: 1M ids take 125 KB, not a Python set's
    ~50 MB. Grows by half again when an id falls past the end."""

    __slots__ = ("_bits",)

    def __init__(self) -> None:
        self._bits = bytearray()

    def __contains__(self, row_id: int) -> bool:
        index = row_id >> 3
        return index < len(self._bits) and bool(self._bits[index] & (1 << (row_id & 7)))

    def add(self, row_id: int) -> None:
        index = row_id >> 3
        if index >= len(self._bits):
            self._bits.extend(bytes(index - len(self._bits) + 1 + len(self._bits) // 2))
        self._bits[index] |= 1 << (row_id & 7)

    def discard(self, row_id: int) -> None:
        index = row_id >> 3
        if index < len(self._bits):
            self._bits[index] &= ~(1 << (row_id & 7)) & 0xFF
