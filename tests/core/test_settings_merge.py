"""``sources set`` and ``publishers set`` change only what they are given: a secret left alone
keeps its form (a reference stays a reference)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from mediasync import Secret, SettingsError
from mediasync._secret import SecretBox
from mediasync._settings import merge_settings, seal_settings


@attrs.frozen
class Account:
    user: str
    token: Secret
    retries: int = 3


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox(tmp_path / "secret.key")


def test_an_unchanged_reference_stays_a_reference(
    box: SecretBox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOUNT_TOKEN", "t0ken")
    stored = seal_settings(Account, {"user": "a", "token": "$env:ACCOUNT_TOKEN"}, box, owner="x")
    merged = merge_settings(Account, stored, {"retries": "5"}, box, owner="x")
    assert merged == {"user": "a", "token": {"$env": "ACCOUNT_TOKEN"}, "retries": 5}


def test_an_encrypted_secret_stays_encrypted_and_readable(box: SecretBox) -> None:
    stored = seal_settings(Account, {"user": "a", "token": "t0ken"}, box, owner="x")
    merged = merge_settings(Account, stored, {"user": "b"}, box, owner="x")
    assert set(merged["token"]) == {"$encrypted"}
    assert box.open(merged["token"], "token") == "t0ken"


def test_none_goes_back_to_the_default_and_a_bad_value_is_refused(box: SecretBox) -> None:
    stored = seal_settings(Account, {"user": "a", "token": "t", "retries": "9"}, box, owner="x")
    assert merge_settings(Account, stored, {"retries": None}, box, owner="x")["retries"] == 3
    with pytest.raises(SettingsError, match="x: setting 'retries'"):
        merge_settings(Account, stored, {"retries": "many"}, box, owner="x")
