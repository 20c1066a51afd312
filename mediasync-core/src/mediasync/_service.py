"""``Service``: a companion a plugin runs next to the worker (``mediasync run --with-NAME``).

Some plugins want a long-running process of their own (a chat bot answering commands, a
metrics endpoint). Rather than a second daemon to deploy, ``mediasync run`` can host them: each
registered service contributes a ``--with-NAME`` flag, and a chosen one runs on a thread of its
own beside the scheduler, sharing its workspace and its stop signal. The core knows nothing of
what a service does; ``ServiceThreads`` only starts, watches and stops them.
"""

from __future__ import annotations

import abc
import logging
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from mediasync._errors import MediasyncError

if TYPE_CHECKING:
    from mediasync._workspace import Workspace

__all__ = ["SERVICE_NAME", "Service", "ServiceFailed", "ServiceThreads"]

logger = logging.getLogger("mediasync.services")

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
"""What ``--with-NAME`` can hold: lowercase letters, digits and dashes."""
STOP_SECONDS = 15.0
"""How long ``mediasync run`` waits for each service to return once asked to stop."""


class Service(abc.ABC):
    """A long-running companion of ``mediasync run``, registered with ``register_services``.

    ``mediasync run --with-NAME`` makes one instance with the command's workspace and calls
    ``run`` on a thread of its own while the worker syncs. Set ``name`` (the flag's suffix)
    and ``description`` (the flag's help).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @abc.abstractmethod
    def run(self, stop: threading.Event) -> None:
        """Serves until ``stop`` is set, then returns within a few seconds.

        ``stop`` is the worker's own: SIGTERM or Ctrl-C sets it, and so does the end of a
        ``--once`` run. Raise a ``MediasyncError`` with a one-line message when the service
        cannot go on (credentials refused, another instance running): the worker then stops
        too, and the command exits 1 with that line.
        """


class ServiceFailed(MediasyncError):
    """A service of ``mediasync run`` stopped with an error; the message names it."""


class ServiceThreads:
    """The services of one ``mediasync run``, each on its own thread, sharing ``stop``.

    A service that raises sets ``stop`` (so the worker ends between two batches) and its error
    is kept for ``raise_failure``: one broken companion ends the whole process, loudly, rather
    than leaving a worker that silently lacks the service it was started with.
    """

    def __init__(self, services: Sequence[Service], stop: threading.Event) -> None:
        self.services = tuple(services)
        self.stop = stop
        self.failures: list[tuple[str, BaseException]] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        for service in self.services:
            thread = threading.Thread(
                target=self._serve, args=(service,), name=f"mediasync-{service.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, service: Service) -> None:
        try:
            service.run(self.stop)
        except BaseException as exc:
            with self._lock:
                self.failures.append((service.name, exc))
            logger.debug("service %s failed", service.name, exc_info=True)
            self.stop.set()

    def close(self, timeout: float = STOP_SECONDS) -> None:
        """Sets ``stop`` and waits for every service to return (a stuck one is left behind:
        its thread is a daemon, so it never keeps the process alive)."""
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("service thread %s did not stop within %.0fs", thread.name, timeout)

    def raise_failure(self) -> None:
        """Raises the first service's error as one line naming the service."""
        if not self.failures:
            return
        name, exc = self.failures[0]
        detail = str(exc) if isinstance(exc, MediasyncError) else f"{type(exc).__name__}: {exc}"
        failed = ServiceFailed(f"{name}: {detail}")
        if isinstance(exc, MediasyncError):
            failed.exit_code = exc.exit_code  # a service used wrongly is still a usage error
        raise failed from exc
