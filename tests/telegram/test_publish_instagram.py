"""``/publish`` through the real Instagram publisher: the picture staged on the fake
Cloudinary, posted on the fake Graph API once, and the preview edited into its permalink."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import DAY, Account, FakeGraph
from fakes.telegram import FakeTelegram
from instagram.helpers import photo, publisher_settings, source_settings
from telegram_bot import CHAT, ask, connect, running_bot

from mediasync import Workspace
from mediasync_instagram import _graph


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: this test is about the bot; core runs the index on both databases."""
    return f"sqlite:///{tmp_path / 'index.db'}"


def test_publish_posts_to_instagram_once_and_edits_the_preview_into_the_permalink(
    fake: FakeTelegram,
    workspace: Workspace,
    cloud: FakeCloudinary,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeGraph() as graph:
        # The publisher's pauses between container reads: instant, the fake's clock moved on.
        monkeypatch.setattr(_graph, "_sleep", graph.advance)
        account: Account = graph.account("blue.bottle")
        token = graph.issue_token(account, age=2 * DAY)
        settings = source_settings(graph, account, token)
        workspace.add_source("insta", "instagram", root=None, settings=settings)
        workspace.add_publisher("ig", "instagram", settings=publisher_settings(cloud))
        folder = tmp_path / "photos"
        folder.mkdir()
        (folder / "beach.jpg").write_bytes(photo(1080, 1350))
        workspace.add_source("photos", "local", root=str(folder), settings={})
        workspace.sync("photos")
        [item] = workspace.items(source="photos")
        connect(workspace, fake)
        with running_bot(workspace, fake):
            preview = ask(fake, f"/publish {item.id} feed")
            fake.press_button(CHAT, preview.message_id, preview.callback_data[0])
            final = fake.wait_for(
                lambda m: m.message_id == preview.message_id and "Published" in (m.caption or ""),
                timeout=15,
            )
        [post] = graph.published(account)

    assert preview.photo is not None
    assert preview.photo.data == (folder / "beach.jpg").read_bytes()
    [publication] = workspace.publications()
    assert publication.permalink is not None
    assert post.shortcode in publication.permalink
    assert (final.caption or "").splitlines()[-1] == (
        f"Published to ig as feed: {publication.permalink}"
    )
    assert final.buttons == []
    assert cloud.leftovers() == [], "the staged copy was deleted"
