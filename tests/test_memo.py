"""The content-keyed memo: a hit only for the same bytes and context, and a damaged entry is redone."""

from __future__ import annotations

from pipeline.memo import Memo


def test_a_result_is_reused_only_for_the_same_bytes_and_context(tmp_path):
    memo = Memo(tmp_path, "test")
    calls = []

    def make(value):
        calls.append(value)
        return value

    assert memo.cached(b"abc", "x", lambda: make(1)) == 1
    assert memo.cached(b"abc", "x", lambda: make(2)) == 1  # a hit
    assert memo.cached(b"abd", "x", lambda: make(3)) == 3  # other bytes
    assert memo.cached(b"abc", "y", lambda: make(4)) == 4  # other context
    assert calls == [1, 3, 4]


def test_a_damaged_entry_is_computed_again(tmp_path):
    memo = Memo(tmp_path, "test")
    memo.cached(b"abc", "x", lambda: "first")
    key = memo.key(b"abc", "x")
    (tmp_path / ".cache/memo/test" / key[:2] / key).write_bytes(b"not a pickle")
    assert memo.cached(b"abc", "x", lambda: "again") == "again"


def test_without_a_folder_nothing_is_kept(tmp_path):
    memo = Memo(None, "test")
    assert memo.cached(b"abc", "x", lambda: 1) == 1
    assert memo.cached(b"abc", "x", lambda: 2) == 2
