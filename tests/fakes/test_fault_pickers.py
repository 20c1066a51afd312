"""The fakes' fault pickers on their own: which request gets which fault, how many times.

The proofs lean on them (``tests/proofs/test_faults_*.py``, the soak): a picker that served a
fault to the wrong endpoint, too often or never would make those runs prove less than they say.
"""

from __future__ import annotations

import pytest

from fakes.cloudinary import _faults as cloudinary
from fakes.drive import _faults as drive
from fakes.instagram import _faults as instagram
from fakes.telegram import _faults as telegram


def test_drive_rules_are_served_in_order_counted_and_scoped() -> None:
    faults = drive.Faults()
    faults.next(2, "429", retry_after=1.0)
    faults.next(1, "500", endpoints=["files.list"])
    assert [getattr(faults.pick("files.get"), "kind", None) for _ in range(2)] == ["429", "429"]
    assert faults.pick("files.get") is None  # the second rule names another endpoint
    fault = faults.pick("files.list")
    assert fault is not None
    assert fault.kind == "500"
    assert faults.pick("files.list") is None
    assert faults.injected == {"429": 2, "500": 1}


def test_drive_token_endpoint_fails_only_when_named() -> None:
    faults = drive.Faults()
    faults.next(1, "503")
    assert faults.pick("token", explicit_only=True) is None
    faults.next(1, "401", endpoints=["token"])
    picked = faults.pick("token", explicit_only=True)
    assert picked is not None
    assert picked.kind == "401"
    faults.fail_rate(1.0, ["500"])
    assert faults.pick("token", explicit_only=True) is None


def test_drive_rate_is_seeded_scoped_and_cleared() -> None:
    def served(seed: int) -> list[str | None]:
        faults = drive.Faults()
        faults.fail_rate(0.3, ["429", "500", "503"], seed=seed, endpoints=["files.list"])
        assert faults.pick("changes.list") is None
        return [getattr(faults.pick("files.list"), "kind", None) for _ in range(200)]

    first = served(7)
    assert first == served(7)
    assert first != served(8)
    assert 30 <= sum(kind is not None for kind in first) <= 90
    assert {kind for kind in first if kind} == {"429", "500", "503"}
    faults = drive.Faults()
    faults.fail_rate(1.0)
    faults.next(3, "drop")
    faults.clear()
    assert faults.pick("files.list") is None


def test_drive_refuses_a_kind_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="unknown fault kind 'teapot'"):
        drive.Faults().next(1, "teapot")


def test_graph_and_cloudinary_rules_by_endpoint_with_a_wildcard() -> None:
    graph = instagram.Faults()
    graph.add("*", instagram.Fault("error", code=4), 1)
    graph.add("media_publish", instagram.Fault("drop"), 2)
    assert graph.pick("cdn") is None  # downloads are never hit by the wildcard
    first = graph.pick("media_publish")
    assert first is not None
    assert first.kind == "error"
    assert [getattr(graph.pick("media_publish"), "kind", None) for _ in range(3)] == [
        "drop",
        "drop",
        None,
    ]
    assert graph.injected == {"error": 1, "drop": 2}
    with pytest.raises(ValueError, match="unknown endpoint"):
        graph.add("nowhere", instagram.Fault("drop"), 1)
    with pytest.raises(ValueError, match="needs a code"):
        graph.add("me", instagram.Fault("error"), 1)

    cloud = cloudinary.Faults()
    cloud.add("*", cloudinary.Fault("error", status=503), 1)
    assert cloud.pick("delivery") is None  # nor is the delivery of staged files
    served = cloud.pick("upload")
    assert served is not None
    assert served.text() == "Service Unavailable"
    assert cloud.pick("upload") is None
    with pytest.raises(ValueError, match="unknown endpoint"):
        cloud.add("nowhere", cloudinary.Fault("drop"), 1)


def test_bot_api_rules_by_method_any_case() -> None:
    faults = telegram.Faults()
    faults.add("getUpdates", telegram.Fault("error", error_code=502), 2)
    faults.add("*", telegram.Fault("slow", delay=0.1), 1)
    assert faults.pick("sendMessage") is not None  # the wildcard, once
    assert faults.pick("sendMessage") is None
    assert [getattr(faults.pick("getupdates"), "kind", None) for _ in range(3)] == [
        "error",
        "error",
        None,
    ]
    with pytest.raises(ValueError, match="needs an error_code"):
        faults.add("getMe", telegram.Fault("error"), 1)
    with pytest.raises(ValueError, match="at least 1"):
        faults.add("getMe", telegram.Fault("drop"), 0)
