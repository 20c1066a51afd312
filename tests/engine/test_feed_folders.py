"""A feed's whole-folder changes (``ChangePage.moved_folders``/``removed_folders``) and the
state a source keeps between runs (``Source.load_state``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine import folder_feed
from engine.folder_feed import FEEDS, FeedScript, entry
from indexing import Library, counts, open_library

from mediasync import NotSupported, RunStatus, Workspace


@pytest.fixture
def feed(tmp_path: Path, database_url: str) -> Iterator[tuple[Library, FeedScript]]:
    with open_library(
        tmp_path, database_url, source_type="scripted", builtins=[("scripted", folder_feed)]
    ) as library:
        script = FeedScript(
            [
                entry("a1", "A/one.jpg"),
                entry("a2", "A/x/two.jpg"),
                entry("a3", "A/x/deep/three.jpg"),
                entry("b1", "B/four.jpg"),
                entry("c1", "Ab/five.jpg"),
                entry("t1", "top.jpg"),
            ]
        )
        FEEDS[str(library.root)] = script
        assert counts(library.sync()) == {"added": 6}
        yield library, script
        FEEDS.pop(str(library.root), None)


def paths(library: Library) -> dict[str, str]:
    return {row.external_id: path for path, row in library.items().items()}


def test_a_moved_folder_moves_every_item_below_with_history(
    feed: tuple[Library, FeedScript],
) -> None:
    library, script = feed
    script.queue(moved_folders=(("A", "Z/A2"),))
    report = library.sync()
    assert counts(report) == {"moved": 3}
    assert paths(library) == {
        "a1": "Z/A2/one.jpg",
        "a2": "Z/A2/x/two.jpg",
        "a3": "Z/A2/x/deep/three.jpg",
        "b1": "B/four.jpg",
        "c1": "Ab/five.jpg",
        "t1": "top.jpg",
    }
    item = library.items()["Z/A2/x/two.jpg"]
    assert library.history(item.id) == [
        ("added", None, "A/x/two.jpg"),
        ("moved", "A/x/two.jpg", "Z/A2/x/two.jpg"),
    ]
    assert item.folder == "Z/A2/x"


def test_moves_follow_the_deepest_folder_and_swaps_come_out_right(
    feed: tuple[Library, FeedScript],
) -> None:
    library, script = feed
    script.queue(
        moved_folders=(("A", "B"), ("B", "A"), ("A/x", "B/y")),
        upserts=(entry("a1", "B/renamed.jpg"),),
    )
    report = library.sync()
    assert counts(report) == {"moved": 4}
    assert paths(library) == {
        "a1": "B/renamed.jpg",
        "a2": "B/y/two.jpg",
        "a3": "B/y/deep/three.jpg",
        "b1": "A/four.jpg",
        "c1": "Ab/five.jpg",
        "t1": "top.jpg",
    }
    item = library.items()["B/renamed.jpg"]
    assert library.history(item.id)[-1] == ("moved", "A/one.jpg", "B/renamed.jpg")


def test_a_removed_folder_removes_what_did_not_move_elsewhere(
    feed: tuple[Library, FeedScript],
) -> None:
    library, script = feed
    script.queue(
        removed_folders=("A",),
        moved_folders=(("A/x/deep", "kept"),),
        upserts=(entry("a1", "saved.jpg"),),
    )
    report = library.sync()
    assert counts(report) == {"removed": 1, "moved": 2}
    assert sorted(paths(library).values()) == [
        "Ab/five.jpg",
        "B/four.jpg",
        "kept/three.jpg",
        "saved.jpg",
        "top.jpg",
    ]
    script.queue(upserts=(entry("a2", "back/two.jpg"),))
    assert counts(library.sync()) == {"restored": 1}


def test_feed_removals_pass_the_mass_removal_gate(tmp_path: Path, database_url: str) -> None:
    with open_library(
        tmp_path, database_url, source_type="scripted", builtins=[("scripted", folder_feed)]
    ) as library:
        script = FeedScript([entry(f"p{i}", f"big/{i:03}.jpg") for i in range(60)])
        script.listing += [entry(f"q{i}", f"small/{i:03}.jpg") for i in range(40)]
        FEEDS[str(library.root)] = script
        library.sync()
        script.queue(removed_folders=("big",), upserts=(entry("n1", "new.jpg"),))
        held = library.sync()
        assert held.run.status is RunStatus.HELD
        assert held.run.counts.held_removals == 60
        assert len(library.items()) == 100, "nothing of the held page was written"
        allowed = library.sync(allow_mass_removal=True)
        assert counts(allowed) == {"removed": 60, "added": 1}
        FEEDS.pop(str(library.root), None)


def test_a_source_keeps_its_state_in_the_index(feed: tuple[Library, FeedScript]) -> None:
    library, _script = feed
    workspace = Workspace(library.app)
    with workspace.open_source("photos") as source:
        assert source.load_state("map") is None
        source.save_state("map", {"folders": ["A", "B"]})
    with workspace.open_source("photos") as source:
        assert source.load_state("map") == {"folders": ["A", "B"]}
    assert workspace.get_state("scripted", "source:photos", "map") == {"folders": ["A", "B"]}
    workspace.remove_source("photos")
    assert workspace.get_state("scripted", "source:photos", "map") is None
    hand_built = folder_feed.ScriptedFeed("loose", "x", None)
    with pytest.raises(NotSupported, match="not opened by mediasync"):
        hand_built.load_state("map")
