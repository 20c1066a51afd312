"""The module the ``mediasync`` entry point names: hook implementations only, nothing heavy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasync import Publisher, Service, Source, hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_sources(register: Callable[[type[Source]], None]) -> None:
    from mediasync_instagram._source import InstagramSource

    register(InstagramSource)


@hookimpl
def register_publishers(register: Callable[[type[Publisher]], None]) -> None:
    from mediasync_instagram._publisher import InstagramPublisher

    register(InstagramPublisher)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from mediasync_instagram._commands import instagram_group
    from mediasync_instagram._publish_commands import (
        cloudinary_command,
        publish_command,
        sweep_command,
    )

    for command in (cloudinary_command, publish_command, sweep_command):
        instagram_group.add_command(command)
    cli.add_command(instagram_group)
    add_alias = getattr(cli, "add_alias", None)
    if add_alias is not None:
        add_alias("backfill-instagram", "instagram", "backfill")
        add_alias("backfill-status", "instagram", "backfill-status")


@hookimpl
def register_services(register: Callable[[type[Service]], None]) -> None:
    from mediasync_instagram._stories import StoryCapture

    register(StoryCapture)
