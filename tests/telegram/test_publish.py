"""``/publish``: a preview with Publish and Cancel buttons, published once on Publish, through
the core's folder test publisher (and once through the real Instagram publisher, against the
fake Graph API and the fake Cloudinary)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from core import folder_publisher
from core.folder_publisher import count_posts
from fakes.telegram import CallbackQuery, FakeTelegram, SentMessage
from media_factory import write_gif
from telegram_bot import CHAT, STRANGER, ask, connect, running_bot

from mediasync import PublicationStatus, Workspace
from mediasync._plugins import load_plugins
from mediasync_telegram._pending import (
    FORGOTTEN_AFTER,
    PendingPublication,
    PendingState,
    PendingStore,
)
from mediasync_telegram._replies import refusal
from mediasync_telegram._store import PLUGIN, BotStore

USAGE = "Usage: /publish ITEM [kind] [account]"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the bot; core runs the index on both databases."""
    return f"sqlite:///{tmp_path / 'index.db'}"


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    """A workspace with the installed plugins and the core's folder test publisher."""
    plugins = load_plugins(builtins=[("folder", folder_publisher)])
    with Workspace.open(database_url=database_url, plugins=plugins) as opened:
        yield opened


@pytest.fixture
def posts(workspace: Workspace, tmp_path: Path) -> Path:
    """Publisher account ``out``: each post is a new folder in the returned one."""
    folder = tmp_path / "posts"
    folder.mkdir()
    workspace.add_publisher("out", "folder", settings={"path": str(folder)})
    return folder


def item_id(workspace: Workspace, path: str) -> int:
    workspace.sync("photos")
    return next(item.id for item in workspace.items(source="photos") if item.path == path)


def shown(fake: FakeTelegram, message_id: int, last_line: str) -> SentMessage:
    """The preview once the bot edited it to end with ``last_line`` (or start to: a prefix)."""

    def ends(message: SentMessage) -> bool:
        text = message.caption if message.photo is not None else message.text
        return message.message_id == message_id and (text or "").splitlines()[-1].startswith(
            last_line
        )

    return fake.wait_for(ends, timeout=10, chat_id=CHAT)


def answered(fake: FakeTelegram, *presses: CallbackQuery) -> list[str | None]:
    fake.wait_until(lambda: all(p.answer is not None for p in presses), what="the answers")
    return [p.answer.text if p.answer else None for p in presses]


def test_publish_previews_the_picture_and_posts_it_once_however_often_publish_is_pressed(
    fake: FakeTelegram, workspace: Workspace, photos: Path, posts: Path
) -> None:
    item = item_id(workspace, "2024/IMG_0000.jpg")
    connect(workspace, fake)
    with running_bot(workspace, fake):
        preview = ask(fake, f"/publish {item}")
    go, cancel = preview.callback_data
    presses = [fake.press_button(CHAT, preview.message_id, go) for _ in range(3)]
    with running_bot(workspace, fake):  # a new run of the bot: the request was kept
        final = shown(fake, preview.message_id, "Published to out as post: ")
        answers = answered(fake, *presses)

    assert preview.photo is not None
    assert preview.photo.data == (photos / "2024/IMG_0000.jpg").read_bytes()
    caption = (preview.history[0].caption or "").splitlines()
    assert caption[0] == "Publish IMG_0000.jpg to out as post?"
    assert caption[1].startswith(f"Item {item}: image, ")
    assert caption[1].endswith(", in photos (2024/IMG_0000.jpg)")
    assert cancel.startswith("pub:no:")
    assert count_posts(posts) == 1
    [publication] = workspace.publications()
    assert publication.status is PublicationStatus.PUBLISHED
    assert final.caption == "\n".join(
        [*caption, f"Published to out as post: {publication.permalink}"]
    )
    assert final.buttons == []
    assert [(r.caption or "").splitlines()[-1] for r in final.history[1:]] == ["Publishing…"]
    assert answers[0] == "Publishing…"
    assert all(a is not None and a.startswith("Already publish") for a in answers[1:]), answers
    stored = PendingStore(workspace).get(go.removeprefix("pub:go:"))
    assert stored is not None
    assert stored.state is PendingState.PUBLISHED


def test_cancel_removes_the_buttons_and_publishes_nothing(
    fake: FakeTelegram, workspace: Workspace, photos: Path, posts: Path
) -> None:
    write_gif(photos / "2024/wave.gif", seed=7)
    item = item_id(workspace, "2024/wave.gif")
    connect(workspace, fake)
    with running_bot(workspace, fake):
        preview = ask(fake, f"/publish {item} post")
        original = preview.text
        assert preview.callback_data[0].startswith("pub:go:")
        press = fake.press_button(CHAT, preview.message_id, preview.callback_data[1])
        final = shown(fake, preview.message_id, "Cancelled")

    assert preview.photo is None, "Telegram shows no GIF as a photo: the preview is text"
    assert original is not None
    assert original.startswith(f"Publish wave.gif to out as post?\nItem {item}: image, ")
    assert final.text == f"{original}\nCancelled: nothing was published."
    assert final.buttons == []
    assert answered(fake, press) == ["Cancelled"]
    assert count_posts(posts) == 0
    assert workspace.publications() == []


def test_a_publication_that_fails_ends_the_preview_with_one_line_saying_why(
    fake: FakeTelegram, workspace: Workspace, photos: Path, posts: Path
) -> None:
    (posts / ".token").write_text("the right one")  # the account has none: refused
    item = item_id(workspace, "2024/IMG_0002.jpg")
    connect(workspace, fake)
    with running_bot(workspace, fake):
        preview = ask(fake, f"/publish {item}")
        fake.press_button(CHAT, preview.message_id, preview.callback_data[0])
        final = shown(fake, preview.message_id, "Not published: ")

    assert (final.caption or "").splitlines()[-1] == (
        f"Not published: folder {posts} refused the token"
    )
    assert final.buttons == []
    [publication] = workspace.publications()
    assert publication.status is PublicationStatus.FAILED
    assert count_posts(posts) == 0


def test_each_wrong_publish_gets_one_line_and_nothing_is_kept_or_posted(
    fake: FakeTelegram, workspace: Workspace, photos: Path, tmp_path: Path
) -> None:
    item = item_id(workspace, "2024/IMG_0000.jpg")
    other = item_id(workspace, "2024/IMG_0001.png")
    connect(workspace, fake)

    def answer(text: str) -> str | None:
        return ask(fake, text).text

    with running_bot(workspace, fake):
        nowhere = answer(f"/publish {item}")
        (tmp_path / "posts").mkdir()
        workspace.add_publisher("out", "folder", settings={"path": str(tmp_path / "posts")})
        bare = answer("/publish")
        word = answer("/publish abc")
        unknown = answer("/publish 999")
        kind = answer(f"/publish {item} reel")
        twice = answer(f"/publish {item} post post")
        workspace.publish([other], to="out")
        before = answer(f"/publish {other}")
        workspace.add_publisher("more", "folder", settings={"path": str(tmp_path)})
        which = answer(f"/publish {item}")

    assert nowhere == (
        "No publisher account to publish to: add one with mediasync publishers add NAME --type "
        "TYPE (Instagram: mediasync instagram cloudinary NAME --url URL)."
    )
    assert bare == f"{USAGE} (ITEM: an id that mediasync items list shows)"
    assert word == f"'abc' is not an item id. {USAGE} (ITEM: an id that mediasync items list shows)"
    assert unknown == "No item 999: the ids are those mediasync items list shows."
    assert kind == "out publishes as album, post; not as 'reel'."
    assert twice == USAGE
    [done] = workspace.publications()
    assert before == f"Item {other} was published to out as post already: {done.permalink}."
    assert which == f"Which account? Publisher accounts: more, out. {USAGE}"
    assert workspace.list_state(PLUGIN, "publish") == {}
    assert count_posts(tmp_path / "posts") == 1


def test_a_refused_chat_gets_the_refusal_line_and_its_presses_publish_nothing(
    fake: FakeTelegram, workspace: Workspace, photos: Path, posts: Path
) -> None:
    item = item_id(workspace, "2024/IMG_0000.jpg")
    connect(workspace, fake)
    with running_bot(workspace, fake):
        stranger = ask(fake, f"/publish {item}", chat_id=STRANGER)
        preview = ask(fake, f"/publish {item}")
        BotStore(workspace).allow(CHAT, allowed=False)  # denied before anyone pressed
        press = fake.press_button(CHAT, preview.message_id, preview.callback_data[0])
        fake.wait_until(lambda: press.answer is not None, what="the answer")

    assert stranger.text == refusal(STRANGER)
    assert press.answer is not None
    assert (press.answer.text, press.answer.show_alert) == (refusal(CHAT), True)
    assert not fake.message(CHAT, preview.message_id).edited
    assert count_posts(posts) == 0
    [request] = workspace.list_state(PLUGIN, "publish").values()
    assert (request["chat_id"], request["state"]) == (CHAT, "pending")


def test_requests_a_week_old_are_deleted_when_a_new_one_is_stored_whatever_became_of_them(
    fake: FakeTelegram, workspace: Workspace, photos: Path, posts: Path
) -> None:
    item = item_id(workspace, "2024/IMG_0000.jpg")
    store = PendingStore(workspace)
    now = datetime.now(UTC)

    def stored(state: PendingState, age: timedelta) -> str:
        key = f"{state}-{age.days}"
        store.save(PendingPublication(key, CHAT, item, "out", "post", key, now - age, state))
        return key

    for state in PendingState:
        stored(state, FORGOTTEN_AFTER + timedelta(hours=1))
    workspace.set_state(PLUGIN, "publish", "unreadable", {"created_at": "yesterday"})
    kept = stored(PendingState.PENDING, FORGOTTEN_AFTER - timedelta(hours=1))
    assert len(workspace.list_state(PLUGIN, "publish")) == len(PendingState) + 2
    connect(workspace, fake)
    with running_bot(workspace, fake):
        preview = ask(fake, f"/publish {item}")

    new = preview.callback_data[0].removeprefix("pub:go:")
    assert set(workspace.list_state(PLUGIN, "publish")) == {kept, new}
