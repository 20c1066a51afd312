"""A seeded share of a fake's requests fails: rate limits, server errors, dropped connections,
slow answers, drawn from one ``random.Random(seed)`` in the order requests arrive.

Every fake keeps its faults in a ``Faults`` object whose ``pick(endpoint)`` is asked once per
request; ``RandomFaults`` stands in front of it while attached (the fake's own rules first).
"""

from __future__ import annotations

import collections
import contextlib
import os
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["RATE", "SEEDS", "RandomFaults", "random_faults"]

RATE = 0.10
SEEDS: Sequence[int] = (
    [int(seed) for seed in os.environ["PROOF_SEEDS"].split(",")]
    if os.environ.get("PROOF_SEEDS")
    else range(1, 21)
    if os.environ.get("MEDIASYNC_PROOFS") == "all"
    else range(1, 3)
)
"""Faulted runs per scenario: two seeds in CI, twenty with ``nox -s proofs``; ``PROOF_SEEDS=7,9``
replays chosen ones."""


def describe(fault: Any) -> str:
    """``429``, ``error 500``, ``drop``…: a fault as the report counts it."""
    if fault.kind not in ("error", "html"):
        return str(fault.kind)
    for attribute in ("error_code", "code", "status"):
        value = getattr(fault, attribute, None)
        if value is not None:
            return f"{fault.kind} {value}"
    return str(fault.kind)


class RandomFaults:
    """``rate`` of the requests to one fake get one of ``kinds`` (that fake's ``Fault``s), or
    of ``kinds_for(endpoint)`` where an endpoint can only fail in some ways; ``spare`` says
    which endpoints never fail."""

    def __init__(
        self,
        faults: Any,
        kinds: Sequence[Any],
        *,
        seed: int,
        rate: float = RATE,
        spare: Callable[[str], bool] = lambda _endpoint: False,
        kinds_for: Callable[[str], Sequence[Any]] | None = None,
    ) -> None:
        self.faults = faults
        self.kinds = list(kinds)
        self.kinds_for = kinds_for
        self.rng = random.Random(seed)
        self.rate = rate
        self.spare = spare
        self.lock = threading.Lock()
        self.requests = 0
        self.injected: collections.Counter[str] = collections.Counter()

    def _picker(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def pick(endpoint: str, *args: Any, **kwargs: Any) -> Any:
            chosen = real(endpoint, *args, **kwargs)
            with self.lock:
                self.requests += 1
                if chosen is None and not self.spare(endpoint) and self.rng.random() < self.rate:
                    kinds = self.kinds if self.kinds_for is None else self.kinds_for(endpoint)
                    chosen = self.rng.choice(kinds)
                    self.injected[describe(chosen)] += 1
            return chosen

        return pick

    @contextlib.contextmanager
    def attached(self) -> Iterator[RandomFaults]:
        self.faults.pick = self._picker(self.faults.pick)
        try:
            yield self
        finally:
            del self.faults.pick


@contextlib.contextmanager
def random_faults(*injectors: RandomFaults) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for injector in injectors:
            stack.enter_context(injector.attached())
        yield
