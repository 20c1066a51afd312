"""``mediasync run``: the long-running worker (``--once`` for cron and systemd timers)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

import click

from mediasync._cli.output import CliState, pass_state


def stop_handler(
    stop: threading.Event, exit_now: Callable[[int], object] = os._exit
) -> Callable[[int, FrameType | None], None]:
    """First signal: stop between two batches. Second: leave at once.

    Leaving at once is safe for the index: every batch is its own transaction, so at most the
    batch in flight is lost, and the next run closes the interrupted run and redoes it.
    """
    received = {"count": 0}

    def handle(signum: int, _frame: FrameType | None) -> None:
        received["count"] += 1
        if received["count"] > 1:
            exit_now(128 + signum)
            return
        stop.set()
        click.echo(
            f"mediasync: {signal.Signals(signum).name}: stopping after the current batch "
            "(again to exit at once)",
            err=True,
        )

    return handle


@click.command("run")
@click.option("--once", is_flag=True, help="Sync what is due now, then exit.")
@click.option("--worker-id", help="Name of this worker in leases and runs (default host:pid).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="Log lines as text or one JSON object each (default from config: log_format).",
)
@pass_state
def run_command(state: CliState, once: bool, worker_id: str | None, log_format: str | None) -> None:
    """Keep every enabled source in sync on its interval; stop with SIGTERM or Ctrl-C."""
    from mediasync._logging import configure_logging

    app = state.app
    configure_logging(log_format or app.config.log_format, state.verbose)  # type: ignore[arg-type]
    worker = state.workspace.worker(worker_id, once=once)
    stop = stop_handler(worker.stop)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stdout.flush()
