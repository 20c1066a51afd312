"""``mediasync run``: the long-running worker (``--once`` for cron and systemd timers)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

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


class RunCommand(click.Command):
    """``run`` with one ``--with-NAME`` flag per service the plugins registered.

    The flags depend on the plugins loaded for this invocation, so they are made per context
    (the root group has put its ``CliState`` there by then), not once at import.
    """

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        state = ctx.find_object(CliState)
        if state is None:
            return params
        flags: list[click.Parameter] = ctx.meta.setdefault(
            "mediasync.service_flags",
            [
                click.Option(
                    [f"--with-{name}", f"with_{name.replace('-', '_')}"],
                    is_flag=True,
                    help=service.description or f"Also run the {name} service.",
                )
                for name, service in sorted(state.plugins.services.items())
            ],
        )
        return params[:-1] + flags + params[-1:]  # --help stays last


@click.command("run", cls=RunCommand)
@click.option("--once", is_flag=True, help="Sync what is due now, then exit.")
@click.option("--worker-id", help="Name of this worker in leases and runs (default host:pid).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="Log lines as text or one JSON object each (default from config: log_format).",
)
@pass_state
def run_command(
    state: CliState, /, once: bool, worker_id: str | None, log_format: str | None, **flags: Any
) -> None:
    """Keep every enabled source in sync on its interval; stop with SIGTERM or Ctrl-C.

    Services that plugins offer (--with-NAME) run in the same process, beside the worker.
    """
    from mediasync._logging import configure_logging
    from mediasync._service import ServiceThreads

    app = state.app
    configure_logging(log_format or app.config.log_format, state.verbose)  # type: ignore[arg-type]
    worker = state.workspace.worker(worker_id, once=once)
    chosen = [
        service(state.workspace)
        for name, service in sorted(state.plugins.services.items())
        if flags.get(f"with_{name.replace('-', '_')}")
    ]
    services = ServiceThreads(chosen, worker.stop)
    stop = stop_handler(worker.stop)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        services.start()
        try:
            worker.run()
        finally:
            services.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stdout.flush()
    services.raise_failure()
