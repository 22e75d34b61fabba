"""The content-keyed memo: a hit only for the same bytes and context, and a damaged entry is redone."""

from __future__ import annotations

import shutil
import sqlite3

from pipeline.memo import STORE, Memo, batch, flush


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
    with batch():
        memo.cached(b"abc", "x", lambda: "first")
    with sqlite3.connect(tmp_path / STORE) as store:
        store.execute("UPDATE results SET value = ?", (b"not a pickle",))
    assert memo.cached(b"abc", "x", lambda: "again") == "again"
    flush()
    assert memo.cached(b"abc", "x", lambda: "third") == "again"  # kept in place of the damaged one


def test_a_damaged_store_is_started_afresh(tmp_path):
    (tmp_path / STORE).parent.mkdir(parents=True)
    (tmp_path / STORE).write_bytes(b"this is not a database" * 100)
    memo = Memo(tmp_path, "test")
    assert memo.cached(b"abc", "x", lambda: 1) == 1
    assert memo.cached(b"abc", "x", lambda: 2) == 1


def test_forked_workers_keep_their_results_in_the_same_store(tmp_path, monkeypatch):
    from pipeline.parallel import map_forked

    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    memo = Memo(tmp_path, "test")
    assert memo.cached(b"parent", "x", lambda: "p") == "p"  # the parent has a connection before the fork
    assert map_forked(lambda i: memo.cached(str(i).encode(), "x", lambda: i * i), 40, threshold=1) == [
        i * i for i in range(40)]
    assert [memo.cached(str(i).encode(), "x", lambda: -1) for i in range(40)] == [i * i for i in range(40)]


def test_without_a_folder_nothing_is_kept(tmp_path):
    memo = Memo(None, "test")
    assert memo.cached(b"abc", "x", lambda: 1) == 1
    assert memo.cached(b"abc", "x", lambda: 2) == 2


def test_a_deleted_store_is_a_new_one_even_in_the_same_process(tmp_path):
    assert Memo(tmp_path, "test").cached(b"abc", "x", lambda: 1) == 1
    shutil.rmtree(tmp_path / ".cache")
    assert Memo(tmp_path, "test").cached(b"abc", "x", lambda: 2) == 2
    assert (tmp_path / STORE).is_file()


def _stored(root) -> list[tuple[str, str]]:
    with sqlite3.connect(root / STORE) as store:
        return sorted(store.execute("SELECT kind, key FROM results"))


def test_results_are_written_together_when_the_batch_ends_and_seen_before(tmp_path):
    memo = Memo(tmp_path, "test")
    with batch():
        assert memo.cached(b"abc", "x", lambda: [1]) == [1]
        assert memo.cached(b"abc", "x", lambda: [2]) == [1]  # this process sees it before it is written
        assert _stored(tmp_path) == []
    assert _stored(tmp_path) == [("test", memo.key(b"abc", "x"))]


def test_a_failed_command_still_keeps_what_it_computed(tmp_path):
    memo = Memo(tmp_path, "test")
    try:
        with batch():
            memo.put(memo.key(b"abc"), "done before the error")
            raise RuntimeError("a later stage failed")
    except RuntimeError:
        pass
    assert _stored(tmp_path) == [("test", memo.key(b"abc"))]


def test_a_worker_writes_its_results_and_not_what_its_parent_had_pending(tmp_path, monkeypatch):
    from pipeline.parallel import map_forked

    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    memo = Memo(tmp_path, "test")
    with batch():
        memo.put(memo.key(b"parent"), "pending in the parent")
        map_forked(lambda i: memo.put(memo.key(str(i).encode()), i), 4, threshold=1)
        assert _stored(tmp_path) == sorted(("test", memo.key(str(i).encode())) for i in range(4))
    assert len(_stored(tmp_path)) == 5


def test_many_results_are_written_before_the_batch_ends(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.memo.FLUSH_AT", 1000)
    memo = Memo(tmp_path, "test")
    with batch():
        for i in range(3):
            memo.put(memo.key(str(i).encode()), b"x" * 400)
        assert len(_stored(tmp_path)) == 3  # the third passed the limit: all three written
        memo.put(memo.key(b"more"), b"x")
        assert len(_stored(tmp_path)) == 3


def test_results_of_another_program_version_are_dropped_when_the_store_opens(tmp_path, monkeypatch):
    import pipeline.memo as memo_module

    with batch():
        Memo(tmp_path, "test").put("old-key", "made by the program before")
    assert _stored(tmp_path) == [("test", "old-key")]
    monkeypatch.setattr(memo_module, "code_version", lambda: b"another program version")
    monkeypatch.setattr(memo_module, "_CONNECTIONS", {})  # as in the next run
    assert Memo(tmp_path, "test").get("old-key") is None
    assert _stored(tmp_path) == []
    with batch():
        Memo(tmp_path, "test").put("new-key", "kept")
    monkeypatch.setattr(memo_module, "_CONNECTIONS", {})
    assert Memo(tmp_path, "test").get("new-key") == "kept"  # the same version keeps its results
