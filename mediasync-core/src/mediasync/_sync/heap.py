"""The heap a sync starts with, left out of the garbage collector's full passes while it runs.

A sync makes and drops a few objects per file (listing entries, plans, media facts), and every
so many of them the collector makes a full pass over every tracked object of the process: the
tens of thousands that importing SQLAlchemy and the plugins made, and the caller's, none of
which the sync makes or frees. One such pass took 50-60 ms, 5 % of a first index of 3,000
photos, and whether it came at all turned on a few objects more or less per file (reading the
media facts tipped it). Frozen for the run (``gc.freeze``), the objects that were there before
are skipped; what the sync makes is collected as before, and at the end of the last running
sync everything goes back to the collector (``gc.unfreeze``).

Freezing resets the collector's counts, and what comes back from the freeze lands in the oldest
generation: in a process that syncs again and again (``mediasync run``) no full pass ever came,
and every run's dead cycles (a Drive client's service objects, a megabyte each) piled up in the
oldest generation, 40 MB a minute in the soak (``nox -s soak``). So the last sync to end makes a
full pass itself when none was made for ``FULL_PASS_SECONDS``: a one-off ``mediasync sync``
shorter than that pays nothing, a worker one pass (tens of milliseconds) every ten seconds.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["heap_frozen"]

FULL_PASS_SECONDS = 10.0
"""At most this long between two full passes of the collector that the syncs make themselves."""

_lock = threading.Lock()
_running = 0
_clock = time.monotonic
_last_full_pass = _clock()
_ours = False
"""Whether the freeze is this module's: an application that froze its heap itself (a server
that forks, say) keeps it frozen after the sync."""


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Freezes the heap for the block; syncs in several threads share one freeze."""
    global _running, _ours, _last_full_pass
    with _lock:
        if _running == 0:
            _ours = gc.get_freeze_count() == 0
            if _ours:
                gc.freeze()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _ours:
                gc.unfreeze()
                if _clock() - _last_full_pass >= FULL_PASS_SECONDS:
                    gc.collect()
                    _last_full_pass = _clock()
