"""Faults: transient ones are retried into the same index; permanent ones fail the run cleanly."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fakes.drive import FakeDrive
from gdrive.helpers import LIBRARY, Library, Mediasync, source_for

from mediasync import RateLimited, SourceUnreachable


@pytest.mark.parametrize("kind", ["429", "500", "503", "403-rate", "403-user-rate", "drop"])
def test_transient_faults_end_in_the_same_index(
    mediasync: Mediasync, library: Library, drive: FakeDrive, kind: str
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    drive.faults.next(3, kind, retry_after=0)
    run = mediasync.sync("photos")
    assert run["status"] == "ok", run["error"]
    assert sorted(mediasync.items("photos")) == sorted(LIBRARY)
    assert drive.faults.injected[kind] == 3


def test_one_request_in_four_failing_ends_in_the_same_index(
    mediasync: Mediasync, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    root = drive.folder("Big")
    drive.share(root, service_key["client_email"])
    tree = drive.build_tree(root, files=2000, folders=120, seed=3)
    assert mediasync.connect("big", root).exit_code == 0
    drive.faults.fail_rate(0.25, ("429", "500", "503", "403-rate"), seed=4)
    run = mediasync.sync("big")
    assert run["status"] == "ok", run["error"]
    assert run["counts"]["added"] == len(tree.files)
    assert sum(drive.faults.injected.values()) > 0


def test_retry_after_is_honoured(drive: FakeDrive, library: Library, service_key: Any) -> None:
    source = source_for(drive, library.root, service_key, retry_max_wait=5.0)
    drive.faults.next(2, "429", retry_after=0.2, endpoints={"changes.getStartPageToken"})
    started = time.monotonic()
    source.start_cursor()
    assert time.monotonic() - started >= 0.4


def test_rate_limits_that_never_end_raise_rate_limited(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    source = source_for(drive, library.root, service_key, retry_attempts=3)
    drive.faults.next(10, "403-user-rate")
    with pytest.raises(RateLimited, match="Drive kept rate-limiting"):
        list(source.list_entries())
    assert drive.faults.injected["403-user-rate"] == 3


def test_server_errors_that_never_end_raise_source_unreachable(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    source = source_for(drive, library.root, service_key, retry_attempts=2)
    drive.faults.next(10, "500")
    with pytest.raises(SourceUnreachable, match="Drive kept failing"):
        list(source.list_entries())


@pytest.mark.parametrize(
    ("kind", "message", "tries"),
    [
        # google-auth refreshes the token and tries again on a 401, twice: no back-off.
        ("401", "Google rejected the credentials", 3),
        ("403-denied", "Drive refused files.list: The user does not have sufficient perm", 1),
    ],
)
def test_permission_errors_fail_at_once_and_remove_nothing(
    mediasync: Mediasync, library: Library, drive: FakeDrive, kind: str, message: str, tries: int
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    mediasync.sync("photos")
    drive.store.expire_tokens()  # the next run lists everything again
    drive.reset_counts()
    drive.faults.next(50, kind, endpoints={"files.list"})
    run = mediasync.sync("photos")
    assert run["status"] == "failed"
    assert message in run["error"]
    assert drive.calls["files.list"] == tries
    assert len(mediasync.items("photos")) == len(LIBRARY)


def test_a_disabled_service_account_fails_with_a_fix(
    mediasync: Mediasync, library: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    mediasync.sync("photos")
    drive.auth.disable_service_account(service_key["client_email"])
    run = mediasync.sync("photos")
    assert run["status"] == "failed"
    assert "Google would not issue an access token (invalid_grant" in run["error"]
    assert len(mediasync.items("photos")) == len(LIBRARY)


def test_an_unshared_folder_fails_the_run_and_removes_nothing(
    mediasync: Mediasync, library: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    assert mediasync.connect("photos", library.root).exit_code == 0
    mediasync.sync("photos")
    drive.unshare(library.root, service_key["client_email"])
    run = mediasync.sync("photos")
    assert run["status"] == "failed"
    assert len(mediasync.items("photos")) == len(LIBRARY)


def test_an_expired_access_token_is_refreshed_on_the_fly(
    drive: FakeDrive, library: Library, service_key: Any
) -> None:
    source = source_for(drive, library.root, service_key)
    source.start_cursor()
    drive.auth.expire_access_tokens()
    assert len(list(source.list_entries())) == len(LIBRARY)
    assert drive.calls["token"] == 2


def test_a_shortcut_to_a_deleted_file_is_skipped_not_a_crash(
    mediasync: Mediasync, library: Library, drive: FakeDrive, service_key: dict[str, Any]
) -> None:
    elsewhere = drive.folder("Elsewhere")
    drive.share(elsewhere, service_key["client_email"])
    target = drive.add_file("gone.jpg", under=elsewhere)
    drive.add_shortcut("link.jpg", target, under=library.root)
    assert mediasync.connect("photos", library.root).exit_code == 0
    assert "link.jpg" in mediasync.items("photos") or mediasync.sync("photos")
    drive.delete(target)
    drive.store.expire_tokens()
    run = mediasync.sync("photos")
    assert run["status"] == "ok", run["error"]
    assert "link.jpg" not in mediasync.items("photos")
