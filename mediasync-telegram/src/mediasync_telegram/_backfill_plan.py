"""What ``/backfill [account] [N] [dry]`` asks for, checked against the index.

Words may come in any order: an Instagram account's name, a number (how many files to copy
at most) and ``dry``. The account may be left out when there is only one. Its destination is
the ``--to`` of its last backfill (``mediasync_instagram.backfill_destination``, where its story
capture copies too): the bot never guesses where to copy. Whatever is wrong comes back as one
line naming what would be right. The Instagram plugin is imported here, on first use, so that
the bot runs without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from mediasync import UsageError, Workspace

__all__ = ["USAGE", "Backfill", "plan_backfill"]

INSTAGRAM = "instagram"
USAGE = "/backfill [account] [N] [dry]"
DRY = frozenset({"dry", "dry-run", "dryrun"})


@attrs.frozen(slots=True)
class Backfill:
    """One ``/backfill``, checked: which account, into which source, how many files at most."""

    account: str
    destination: str
    limit: int | None = None
    dry_run: bool = False


def _destinations() -> Callable[[Workspace, str], str | None]:
    """The Instagram plugin's ``backfill_destination``; its absence is the user's to fix."""
    try:
        from mediasync_instagram import backfill_destination
    except ImportError:
        raise UsageError(
            "The Instagram plugin is not installed here: pip install mediasync-instagram."
        ) from None
    return backfill_destination


def _limit(word: str) -> int:
    limit = int(word)
    if limit < 1:
        raise UsageError(f"N is how many files to copy at most: 1 or more, not {word}.")
    return limit


def plan_backfill(workspace: Workspace, args: Sequence[str]) -> Backfill:
    """The backfill the arguments ask for (on a thread: it reads the index).

    Raises:
        UsageError: one line saying what is wrong with the request.
    """
    destination_of = _destinations()
    sources = {info.name: info for info in workspace.sources()}
    accounts = sorted(name for name, info in sources.items() if info.type == INSTAGRAM)
    if not accounts:
        raise UsageError(
            "No Instagram account is connected: mediasync instagram connect NAME --token TOKEN, "
            "then mediasync instagram backfill NAME --to DEST once."
        )
    listed = ", ".join(accounts)
    account: str | None = None
    limit: int | None = None
    dry_run = False
    for word in args:
        if word.lower() in DRY:
            repeated, dry_run = dry_run, True
        elif word.lstrip("+-").isdigit():
            repeated, limit = limit is not None, _limit(word)
        elif word in accounts:
            repeated, account = account is not None, word
        elif word in sources:
            kind = sources[word].type
            raise UsageError(f"{word} is a {kind} source, not an Instagram account ({listed}).")
        else:
            raise UsageError(
                f"'{word}' is neither an Instagram account ({listed}), a number nor 'dry'. "
                f"Usage: {USAGE}"
            )
        if repeated:
            raise UsageError(f"Usage: {USAGE}")
    if account is None and len(accounts) > 1:
        raise UsageError(f"Which account? Instagram accounts: {listed}. Usage: {USAGE}")
    account = account or accounts[0]
    destination = destination_of(workspace, account)
    if destination is None:
        raise UsageError(
            f"{account} has no backup destination yet: run mediasync instagram backfill "
            f"{account} --to DEST once; /backfill then copies into the same place."
        )
    if destination not in sources:
        raise UsageError(
            f"{account} was backed up into '{destination}', which is no longer a source: run "
            f"mediasync instagram backfill {account} --to DEST to choose another."
        )
    return Backfill(account, destination, limit, dry_run)
