"""Observers hear about a run off its write loop: a queue per run, drained by one thread.

A slow observer (a chat message, a webhook) would otherwise hold the sync's main thread after
every batch commit, and with it the lease renewals and the next batch's writes. The write loop
only enqueues; one daemon thread per run calls ``Plugins.notify`` for each notification, in
the order they were queued, so a run's ``item_changed`` keep their order and its
``sync_finished`` (queued last) comes after all of them. The run flushes the queue before it
returns, so whoever called it sees every notification delivered.
"""

from __future__ import annotations

import logging
import queue
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from mediasync._plugins import Plugins

__all__ = ["INTERRUPTED_FLUSH_SECONDS", "ObserverQueue"]

logger = logging.getLogger("mediasync.sync")

INTERRUPTED_FLUSH_SECONDS: Final = 3.0
"""How long an interrupted run (Ctrl-C, ``SystemExit``) waits for its observers before it lets
the interruption through: long enough for a quick ``sync_finished`` to go out, short enough
that a hung webhook never makes Ctrl-C look ignored."""


@attrs.frozen(slots=True)
class _Notification:
    hook_name: str
    kwargs: dict[str, Any]


_STOP: Final = object()
"""Queued by ``close``: the thread ends once it reaches it, after everything queued before."""


class ObserverQueue:
    """The observers' notifications of one run, delivered in order on a thread of their own.

    The thread starts at the first notification someone listens to, so a run nobody observes
    (or a dry run, with ``enabled`` false) costs no thread. Use it as a context manager, or
    call ``close`` once the run is over.
    """

    def __init__(self, plugins: Plugins, *, enabled: bool = True, name: str = "") -> None:
        self._plugins = plugins
        self._enabled = enabled
        self._name = f"mediasync-observers{'-' if name else ''}{name}"
        self._queue: queue.Queue[_Notification | object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._abandoned = threading.Event()

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Queues a notification; returns at once, whatever the observers do with it."""
        if self._closed:
            raise RuntimeError(f"{hook_name} notified after the run's observers were closed")
        if not self._enabled or not self._listened(hook_name):
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._deliver, name=self._name, daemon=True)
            self._thread.start()
        self._queue.put(_Notification(hook_name, kwargs))

    def close(self, timeout: float | None = None) -> bool:
        """Waits for everything queued to be delivered, then ends the thread.

        Returns false when ``timeout`` ran out first: what was still queued is then dropped
        (and counted in a warning), and the observer in hand finishes on the daemon thread,
        which cannot be stopped and does not keep the process alive.
        """
        self._closed = True
        if self._thread is None:
            return True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            return True
        self._abandoned.set()
        dropped = max(0, self._queue.qsize() - 1)  # less the stop marker
        logger.warning(
            "observers still busy after %.1fs; %d notification(s) of this run not delivered",
            timeout,
            dropped,
        )
        return False

    def __enter__(self) -> ObserverQueue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Flushes fully, unless the run is being interrupted (Ctrl-C, ``SystemExit``).

        An ordinary exception is the run's failure, and its observers hear about it as about any
        run. An interruption is the user or the process wanting out now: the flush is bounded
        by ``INTERRUPTED_FLUSH_SECONDS`` so that a slow observer cannot hold it back.
        """
        interrupted = exc is not None and not isinstance(exc, Exception)
        self.close(INTERRUPTED_FLUSH_SECONDS if interrupted else None)

    def _listened(self, hook_name: str) -> bool:
        """Whether any plugin implements ``hook_name`` (no thread for nobody)."""
        return bool(getattr(self._plugins.manager.hook, hook_name).get_hookimpls())

    def _deliver(self) -> None:
        """The thread: delivers in order until the stop marker; nothing an observer does ends it.

        ``notify`` already logs an observer's ``Exception``; a ``BaseException`` (an observer
        calling ``sys.exit``) is logged here, since ending the thread would leave ``close``
        waiting for notifications nobody delivers.
        """
        while True:
            item = self._queue.get()
            if not isinstance(item, _Notification):
                return
            if self._abandoned.is_set():
                continue
            try:
                self._plugins.notify(item.hook_name, **item.kwargs)
            except BaseException:
                logger.exception("an observer of %s stopped its delivery", item.hook_name)
