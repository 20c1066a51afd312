"""The run's seen-items bitmap: membership, growth past the end, removal."""

from __future__ import annotations

from mediasync._sync.idset import IdSet


def test_ids_added_are_members_and_others_are_not() -> None:
    ids = IdSet()
    assert 0 not in ids
    assert 10**6 not in ids, "an id past the end is simply absent"
    for row_id in (0, 7, 8, 1000, 10**6):
        ids.add(row_id)
    assert all(row_id in ids for row_id in (0, 7, 8, 1000, 10**6))
    assert not any(row_id in ids for row_id in (1, 6, 9, 999, 10**6 - 1, 10**6 + 1))


def test_discard_removes_one_id_only() -> None:
    ids = IdSet()
    ids.add(16)
    ids.add(17)
    ids.discard(16)
    ids.discard(5000)  # never added, past the end: nothing happens
    assert 16 not in ids
    assert 17 in ids
