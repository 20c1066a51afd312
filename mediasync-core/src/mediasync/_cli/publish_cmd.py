"""``mediasync publish`` and ``mediasync publications``: post indexed items, and the history.

A failed publication is reported in one line and exit 1; running the same command again
resumes it (its journal says which steps are done), so nothing is posted twice.
"""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, fail, json_option, pass_state
from mediasync._publish_results import Publication, PublicationStatus, PublishPlan


def publication_json(publication: Publication) -> dict[str, Any]:
    """The documented JSON shape of a publication (docs/cli.md)."""
    return {
        "id": publication.id,
        "account": publication.account,
        "publisher_type": publication.publisher_type,
        "kind": publication.kind,
        "caption": publication.caption,
        "item_ids": list(publication.item_ids),
        "status": publication.status.value,
        "remote_id": publication.remote_id,
        "permalink": publication.permalink,
        "error": publication.error,
        "attempts": publication.attempts,
        "created_at": publication.created_at,
        "updated_at": publication.updated_at,
        "finished_at": publication.finished_at,
    }


def plan_json(plan: PublishPlan) -> dict[str, Any]:
    return {
        "dry_run": True,
        "account": plan.account,
        "publisher_type": plan.publisher_type,
        "kind": plan.kind,
        "caption": plan.caption,
        "item_ids": list(plan.item_ids),
        "resumes": plan.resumes,
    }


def _items(item_ids: tuple[int, ...]) -> str:
    return ("item " if len(item_ids) == 1 else "items ") + ", ".join(map(str, item_ids))


@click.command("publish")
@click.argument("item_ids", nargs=-1, required=True, type=int, metavar="ITEM...")
@click.option("--to", "account", required=True, help="Publisher account (`mediasync publishers`).")
@click.option("--as", "kind", help="What to publish as, one of the publisher's kinds.")
@click.option("--caption", help="Caption (default: none, or the interrupted one's on resume).")
@click.option("--dry-run", is_flag=True, help="Check everything, publish nothing.")
@click.option("--again", is_flag=True, help="Publish even if published there as this before.")
@json_option
@pass_state
def publish_command(
    state: CliState,
    item_ids: tuple[int, ...],
    account: str,
    kind: str | None,
    caption: str | None,
    dry_run: bool,
    again: bool,
    as_json: bool,
) -> None:
    """Publish indexed items (by id, in order) to a publisher account.

    The bytes come from the sources that hold the items. An interrupted or failed publication
    of the same items is resumed by the same command.
    """
    options: dict[str, Any] = {"to": account, "kind": kind, "caption": caption, "again": again}
    if dry_run:
        plan = state.workspace.plan_publication(item_ids, **options)
        what = f"publication {plan.resumes}" if plan.resumes else "a new publication"
        emit(
            plan_json(plan),
            as_json,
            lambda: click.echo(
                f"would publish {_items(plan.item_ids)} to '{plan.account}' "
                f"({plan.publisher_type}) as {plan.kind}: {what}"
            ),
        )
        return
    publication = state.workspace.publish(item_ids, **options)
    if as_json:
        emit(publication_json(publication), True, lambda: None)
    if publication.status is not PublicationStatus.PUBLISHED:
        fail(
            f"publication {publication.id} to '{publication.account}' failed: "
            f"{publication.error}; run the same command again to resume it",
            1,
        )
    if not as_json:
        where = " ".join(filter(None, [publication.remote_id, publication.permalink]))
        resumed = f", attempt {publication.attempts}" if publication.attempts > 1 else ""
        click.echo(
            f"published {_items(publication.item_ids)} to '{publication.account}' as "
            f"{publication.kind}: {where} (publication {publication.id}{resumed})"
        )


@click.command("publications")
@click.option("--account", help="Only this account's publications.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many, newest first; 0 for all.",
)
@json_option
@pass_state
def publications_command(state: CliState, account: str | None, limit: int, as_json: bool) -> None:
    """The publication history, newest first."""
    publications = state.workspace.publications(account=account, limit=limit or None)

    def text() -> None:
        if not publications:
            click.echo("no publications yet: `mediasync publish ITEM --to ACCOUNT`")
        for publication in publications:
            outcome = (
                publication.error
                if publication.status is PublicationStatus.FAILED
                else " ".join(filter(None, [publication.remote_id, publication.permalink]))
            )
            click.echo(
                f"{publication.id:>5}  {publication.created_at:%Y-%m-%d %H:%M}  "
                f"{publication.account} {publication.kind}  {_items(publication.item_ids)}  "
                f"{publication.status.value}  {outcome or ''}".rstrip()
            )

    emit([publication_json(p) for p in publications], as_json, text)
