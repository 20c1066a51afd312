"""Processing that ends in ``ERROR``: a subcode Meta's Error Codes table marks temporary gets a
new container (the failed one never recovers), a bounded number of times; any other fails at
once in one line; the staged copy is deleted either way."""

from __future__ import annotations

import logging

import pytest
from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import Photos, movie, photo

from mediasync import PublicationStatus, Workspace


@pytest.mark.parametrize(
    "subcode",
    [2207001, 2207052],
    ids=["server-error", "fetch-failed-9004"],
)
def test_a_temporary_processing_error_gets_a_new_container_and_the_post_is_made_once(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    caplog: pytest.LogCaptureFixture,
    subcode: int,
) -> None:
    item = photos.add("clip.mp4", movie(10.0))
    graph.fail_processing(subcode)

    with caplog.at_level(logging.WARNING, logger="mediasync.instagram"):
        done = workspace.publish([item], to=publisher_account, kind="reel")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    failed, finished = graph.containers(account)
    assert (failed.state, failed.error_subcode) == ("ERROR", subcode)
    assert finished.state == "PUBLISHED"
    assert len(graph.published(account)) == 1
    assert len(cloud.requests_to("upload")) == 1, "the staged copy is used again"
    assert any(f"error code {subcode}" in r.getMessage() for r in caplog.records)
    assert cloud.leftovers() == []


def test_a_staged_file_instagram_failed_to_fetch_once_is_fetched_by_a_new_container(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    data = movie(10.0)
    item = photos.add("clip.mp4", data)
    cloud.fail_next("delivery", status=503)  # Cloudinary's CDN hiccups as Instagram fetches

    done = workspace.publish([item], to=publisher_account, kind="reel")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    assert [(f.status, f.subcode) for f in graph.fetches()] == [(503, 2207052), (200, None)]
    assert [c.state for c in graph.containers(account)] == ["ERROR", "PUBLISHED"]
    [reel] = graph.published(account)
    assert reel.data == data
    assert cloud.leftovers() == []


def test_temporary_errors_that_persist_fail_after_the_set_number_of_containers(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
    waits: list[float],
) -> None:
    workspace.update_publisher(publisher_account, settings={"processing_attempts": 2})
    item = photos.add("clip.mp4", movie(10.0))
    for _ in range(3):
        graph.fail_processing(2207001)

    done = workspace.publish([item], to=publisher_account, kind="reel")

    assert done.status is PublicationStatus.FAILED
    assert done.error == (
        "Instagram could not process reel clip.mp4: Error: Media upload has failed with error "
        "code 2207001 (Instagram server error); 2 containers tried"
    )
    assert len(graph.containers(account)) == 2
    assert graph.published(account) == []
    assert cloud.leftovers() == []
    assert sum(waits) < 120, "paused between containers, not for long"


def test_a_carousel_item_that_failed_temporarily_is_made_again_alone(
    workspace: Workspace,
    photos: Photos,
    publisher_account: str,
    graph: FakeGraph,
    account: Account,
    cloud: FakeCloudinary,
) -> None:
    items = [photos.add("a.jpg", photo()), photos.add("b.mp4", movie(9.0))]
    graph.fail_processing(2207001)  # the first container made: the photo's

    done = workspace.publish(items, to=publisher_account, kind="carousel", caption="two")

    assert done.status is PublicationStatus.PUBLISHED, done.error
    made = graph.containers(account)
    assert [(c.spec.kind, c.state) for c in made] == [
        ("IMAGE", "ERROR"),
        ("VIDEO", "PUBLISHED"),
        ("IMAGE", "PUBLISHED"),
        ("CAROUSEL", "PUBLISHED"),
    ]
    [album] = graph.published(account)
    assert [child.media_type for child in album.children] == ["IMAGE", "VIDEO"]
    assert cloud.leftovers() == []
