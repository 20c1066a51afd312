"""Everything that needs the user's attention, each with what to do (``mediasync doctor``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import attrs

from mediasync._models import RunStatus

if TYPE_CHECKING:
    from mediasync._app import App
    from mediasync._plugins import Plugins

__all__ = ["Finding", "diagnose"]

Severity = Literal["ok", "warning", "error"]
STALE_INTERVALS = 3
EXPIRY_WARNING = timedelta(days=7)


@attrs.frozen
class Finding:
    check: str
    status: Severity
    message: str
    fix: str | None = None


def _database(app: App) -> list[Finding]:
    from mediasync._errors import MediasyncError

    try:
        _ = app.engine
    except MediasyncError as exc:
        fix = (
            "run `mediasync db upgrade`"
            if "db upgrade" in str(exc)
            else ("check --db / MEDIASYNC_DATABASE_URL and that the server is running")
        )
        return [Finding("database", "error", str(exc), fix)]
    return [Finding("database", "ok", "reachable, schema current")]


def _plugins(plugins: Plugins) -> list[Finding]:
    findings = []
    for record in plugins.records.values():
        if record.status in {"error", "incompatible"}:
            where = " ".join(filter(None, [record.distribution, record.version]))
            findings.append(
                Finding(
                    f"plugin {record.name}",
                    "warning",
                    f"{record.status}: {record.error}",
                    f"reinstall or upgrade {where or record.name}, or set "
                    f"MEDIASYNC_DISABLE_PLUGINS={record.name}",
                )
            )
    if not findings:
        findings.append(Finding("plugins", "ok", f"{len(plugins.records)} loaded"))
    return findings


def _sources(app: App) -> list[Finding]:
    from mediasync._db.runs import last_runs
    from mediasync._db.sources import list_sources, utcnow
    from mediasync._errors import MediasyncError

    findings: list[Finding] = []
    with app.engine.connect() as connection:
        records = list_sources(connection)
        runs = last_runs(connection)
    now = utcnow()
    for record in records:
        check = f"source {record.name}"
        if not record.enabled:
            findings.append(Finding(check, "ok", "disabled"))
            continue
        if record.type not in app.plugins.sources:
            findings.append(
                Finding(
                    check,
                    "error",
                    f"source type '{record.type}' is not installed",
                    f"install the plugin that provides '{record.type}'",
                )
            )
            continue
        try:
            with app.open_source(record) as source:
                health = source.check()
        except MediasyncError as exc:
            findings.append(
                Finding(
                    check,
                    "error",
                    str(exc),
                    f"fix its settings with `mediasync sources set {record.name} KEY=VALUE`",
                )
            )
            continue
        if not health.ok:
            findings.append(Finding(check, "error", health.problem or "check failed", health.fix))
            continue
        if health.expires_at is not None and health.expires_at - now < EXPIRY_WARNING:
            findings.append(
                Finding(
                    check,
                    "warning",
                    f"credentials expire {health.expires_at:%Y-%m-%d}",
                    health.fix or "renew the credentials",
                )
            )
        interval = record.interval_seconds or app.config.sync.interval_seconds
        last = runs.get(record.id)
        if record.consecutive_failures:
            error = (last.error if last is not None else None) or "unknown error"
            findings.append(
                Finding(
                    check,
                    "error",
                    f"{record.consecutive_failures} failed runs in a row: {error}",
                    f"see `mediasync status {record.name}`; fix and run "
                    f"`mediasync sync {record.name}`",
                )
            )
        elif last is None:
            findings.append(
                Finding(
                    check,
                    "warning",
                    "never synced",
                    f"run `mediasync sync {record.name}` or start `mediasync run`",
                )
            )
        elif last.finished_at and now - last.finished_at > timedelta(
            seconds=STALE_INTERVALS * interval
        ):
            age = now - last.finished_at
            findings.append(
                Finding(
                    check,
                    "warning",
                    f"last run {int(age.total_seconds())}s ago, interval {interval}s",
                    "is `mediasync run` running? start it or run `mediasync run --once` from cron",
                )
            )
        elif last.status is RunStatus.HELD:
            findings.append(
                Finding(
                    check,
                    "warning",
                    last.error or "removals held",
                    f"check the folder, then `mediasync sync {record.name} --allow-mass-removal`",
                )
            )
        else:
            findings.append(Finding(check, "ok", health.detail or "healthy"))
    return findings


def _publishers(app: App) -> list[Finding]:
    """Every publisher account's ``check()``: credentials valid, account reachable."""
    from mediasync._db.publisher_accounts import list_accounts
    from mediasync._db.sources import utcnow
    from mediasync._errors import MediasyncError
    from mediasync._publisher_accounts import open_publisher

    with app.engine.connect() as connection:
        records = list_accounts(connection)
    findings: list[Finding] = []
    for record in records:
        check = f"publisher {record.name}"
        if record.type not in app.plugins.publishers:
            findings.append(
                Finding(
                    check,
                    "error",
                    f"publisher type '{record.type}' is not installed",
                    f"install the plugin that provides '{record.type}'",
                )
            )
            continue
        try:
            with open_publisher(app, record) as publisher:
                health = publisher.check()
        except MediasyncError as exc:
            fix = f"fix its settings with `mediasync publishers set {record.name} KEY=VALUE`"
            findings.append(Finding(check, "error", str(exc), fix))
            continue
        if not health.ok:
            findings.append(Finding(check, "error", health.problem or "check failed", health.fix))
        elif health.expires_at is not None and health.expires_at - utcnow() < EXPIRY_WARNING:
            findings.append(
                Finding(
                    check,
                    "warning",
                    f"credentials expire {health.expires_at:%Y-%m-%d}",
                    health.fix or "renew the credentials",
                )
            )
        else:
            findings.append(Finding(check, "ok", health.detail or "healthy"))
    return findings


def diagnose(app: App) -> list[Finding]:
    """The database, the plugins, then (if the database answers) every enabled source and
    every publisher account."""
    findings = _database(app) + _plugins(app.plugins)
    if findings[0].status == "ok":
        findings += _sources(app) + _publishers(app)
    return findings
