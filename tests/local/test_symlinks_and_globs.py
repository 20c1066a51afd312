"""Symbolic links, and the include and exclude globs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from media_factory import write_jpeg, write_media

from mediasync import MediaEntry
from mediasync_local import LocalSource
from mediasync_local._globs import PathFilter

MakeSource = Callable[..., LocalSource]
Listing = Callable[[LocalSource], dict[str, MediaEntry]]


@pytest.fixture
def linked(root: Path, tmp_path: Path) -> Path:
    """``root`` with a real photo, a link to it, and a link to a folder outside the root."""
    outside = tmp_path / "outside"
    write_jpeg(outside / "elsewhere.jpg", seed=1)
    write_jpeg(root / "real.jpg", seed=2)
    os.symlink(root / "real.jpg", root / "link.jpg")
    os.symlink(outside, root / "linked folder")
    os.symlink(root / "missing.jpg", root / "dangling.jpg")
    return root


def test_symlinks_are_not_followed_by_default(
    linked: Path, make_source: MakeSource, listing: Listing
) -> None:
    assert list(listing(make_source())) == ["real.jpg"]


def test_followed_symlinks_list_targets_once_and_ignore_dangling_links(
    linked: Path, make_source: MakeSource, listing: Listing
) -> None:
    source = make_source(follow_symlinks=True)

    entries = listing(source)

    assert "linked folder/elsewhere.jpg" in entries
    assert len(entries.keys() & {"real.jpg", "link.jpg"}) == 1  # one file, one id
    assert len(entries) == 2
    assert source.skipped == []


def test_a_symlink_loop_is_walked_once_when_following(
    root: Path, make_source: MakeSource, listing: Listing
) -> None:
    write_jpeg(root / "a" / "one.jpg", seed=1)
    write_jpeg(root / "b" / "two.jpg", seed=2)
    os.symlink(root, root / "a" / "back to root")
    os.symlink(root / "a", root / "b" / "to a")
    os.symlink("self", root / "self")

    entries = listing(make_source(follow_symlinks=True))

    assert len(entries) == 2
    assert {entry.name for entry in entries.values()} == {"one.jpg", "two.jpg"}


@pytest.fixture
def tree(root: Path) -> Path:
    for path in [
        "top.jpg",
        "top.png",
        "2023/a.jpg",
        "2023/b.mp4",
        "2023/Trash/c.jpg",
        "2024/d.jpg",
        "2024/raw/e.png",
        "Camera/2022/f.jpg",
        "x/Camera/g.png",
        "UPPER.JPG",
    ]:
        write_media(root / path, 900, kind=path[-3:].lower())
    return root


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "top.jpg top.png 2023/a.jpg 2023/b.mp4 2023/Trash/c.jpg 2024/d.jpg 2024/raw/e.png "
             "Camera/2022/f.jpg x/Camera/g.png UPPER.JPG"),
        ({"include": "*.jpg"}, "top.jpg 2023/a.jpg 2023/Trash/c.jpg 2024/d.jpg Camera/2022/f.jpg"),
        ({"include": "*.jpg,*.JPG"}, "top.jpg 2023/a.jpg 2023/Trash/c.jpg 2024/d.jpg "
                                     "Camera/2022/f.jpg UPPER.JPG"),
        ({"include": ["/*.jpg"]}, "top.jpg"),
        ({"include": "2023/*.*"}, "2023/a.jpg 2023/b.mp4"),
        ({"include": "2023/*"}, "2023/a.jpg 2023/b.mp4 2023/Trash/c.jpg"),  # matches folder Trash
        ({"include": "2023/**"}, "2023/a.jpg 2023/b.mp4 2023/Trash/c.jpg"),
        ({"include": "**/*.png"}, "top.png 2024/raw/e.png x/Camera/g.png"),
        ({"include": "Camera"}, "Camera/2022/f.jpg x/Camera/g.png"),
        ({"include": "202[3]/*.jp?"}, "2023/a.jpg"),
        ({"include": "202[!3]/*"}, "2024/d.jpg 2024/raw/e.png"),
        ({"exclude": "Trash,raw,x"}, "top.jpg top.png 2023/a.jpg 2023/b.mp4 2024/d.jpg "
                                     "Camera/2022/f.jpg UPPER.JPG"),
        ({"exclude": "*.png,*.mp4,*.JPG,Camera"}, "top.jpg 2023/a.jpg 2023/Trash/c.jpg 2024/d.jpg"),
        ({"include": "2023/**", "exclude": "Trash"}, "2023/a.jpg 2023/b.mp4"),
        ({"exclude": "2024/**/*.png"}, "top.jpg top.png 2023/a.jpg 2023/b.mp4 2023/Trash/c.jpg "
                                       "2024/d.jpg Camera/2022/f.jpg x/Camera/g.png UPPER.JPG"),
    ],
)  # fmt: skip
def test_include_and_exclude_globs_select_by_relative_path(
    tree: Path,
    make_source: MakeSource,
    listing: Listing,
    settings: dict[str, str],
    expected: str,
) -> None:
    assert sorted(listing(make_source(**settings))) == sorted(expected.split())


def test_an_excluded_folder_is_never_entered(
    tree: Path, make_source: MakeSource, listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scandir = os.scandir
    entered: list[str] = []

    def spying_scandir(path: str) -> os._ScandirIterator[str]:
        entered.append(os.path.basename(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spying_scandir)

    listing(make_source(exclude=["Trash", "Camera"]))

    assert "Trash" not in entered
    assert "Camera" not in entered
    assert "2023" in entered


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.jpg", "a.jpg", True),
        ("*.jpg", "deep/down/a.jpg", True),
        ("*.jpg", "a.jpeg", False),
        ("a/*.jpg", "a/b/c.jpg", False),
        ("a/**/c.jpg", "a/c.jpg", True),
        ("a/**/c.jpg", "a/b/x/c.jpg", True),
        ("**", "anything/at/all", True),
        ("?.jpg", "ab.jpg", False),
        ("[ab].jpg", "b.jpg", True),
        ("[!ab].jpg", "c.jpg", True),
        ("a[!x]b", "a/b", False),
        ("[.jpg", "[.jpg", True),
        ("(x)+.jpg", "(x)+.jpg", True),
        ("a.jpg", "xa.jpg", False),
        ("/a.jpg", "sub/a.jpg", False),
    ],
)
def test_glob_rules(pattern: str, path: str, matches: bool) -> None:
    assert PathFilter.from_globs(include=[pattern]).included(path) is matches
