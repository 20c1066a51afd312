"""A remote service's refusal is not one file's problem: it fails the sync, nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest
from indexing import Library, jpeg

from mediasync import (
    AuthError,
    PublishError,
    RateLimited,
    RemoteError,
    RunStatus,
    SourceError,
)


def test_remote_errors_are_shared_by_sources_and_publishers() -> None:
    for kind in (AuthError, RateLimited, PublishError):
        assert issubclass(kind, RemoteError)
        assert not issubclass(kind, SourceError)
    assert RateLimited("slow down", retry_after=3.5).retry_after == 3.5


@pytest.mark.parametrize(
    "refusal",
    [AuthError("token revoked: reconnect"), RateLimited("quota spent", retry_after=60)],
    ids=["auth", "rate"],
)
def test_a_refusal_while_hashing_fails_the_sync_and_removes_nothing(
    library: Library, monkeypatch: pytest.MonkeyPatch, refusal: RemoteError
) -> None:
    for name in ("a.jpg", "b.jpg"):
        jpeg(library.root / name)
    library.sync()
    before = {path: row.id for path, row in library.items().items()}
    (library.root / "a.jpg").unlink()
    jpeg(library.root / "c.jpg")
    source_type = library.app.plugins.source_type("local")

    def refuse(self: Any, entry: Any) -> str:
        raise refusal

    monkeypatch.setattr(source_type, "sha256", refuse)
    monkeypatch.setattr(source_type, "local_path", lambda self, entry: None)
    report = library.sync()
    assert report.run.status is RunStatus.FAILED
    assert str(refusal) in (report.run.error or "")
    assert {path: row.id for path, row in library.items().items()} == before
