"""Work spread over forked workers: results in order, errors raised, memory given back."""

from __future__ import annotations

import os
import pickle

import pytest

from pipeline.errors import SourceError
from pipeline.parallel import WorkerError, as_sent, map_forked


@pytest.fixture(autouse=True)
def two_workers(monkeypatch):
    monkeypatch.setenv("PIPELINE_WORKERS", "2")


def test_results_come_back_in_order_from_workers_that_see_the_parents_data():
    table = {i: f"item {i}" for i in range(1000)}  # built before the fork, never pickled
    results = map_forked(lambda i: (table[i], os.getpid()), 1000, threshold=1)
    assert [text for text, _ in results] == [f"item {i}" for i in range(1000)]
    workers = {pid for _, pid in results}
    assert os.getpid() not in workers and len(workers) > 2  # a process per share, each ended after it


def test_a_result_pickled_already_arrives_as_the_result_not_as_its_pickle():
    """A record pickled for the memo is sent as those bytes, and unpickled on arrival; where
    everything stays in this process (no worker), the record itself is kept."""
    records = [{"id": f"a{i}", "blocks": [i, str(i)]} for i in range(600)]

    def made(i: int) -> tuple[dict, int]:
        result = (records[i], os.getpid())
        return as_sent(result, pickle.dumps(result) if i % 2 else None)

    spread = map_forked(made, 600, threshold=1)
    assert [record for record, _ in spread] == records
    assert os.getpid() not in {pid for _, pid in spread}
    here = map_forked(made, 600, threshold=10_000)
    assert all(record is records[i] for i, (record, _) in enumerate(here))


def test_an_error_in_a_worker_is_raised_with_its_file_and_line():
    def read(i: int) -> int:
        if i == 700:
            raise SourceError("broken front matter", "sources/x.md", 3)
        return i

    with pytest.raises(SourceError) as caught:
        map_forked(read, 1000, threshold=1)
    assert str(caught.value) == "sources/x.md:3: broken front matter"


def test_a_worker_that_dies_is_an_error_not_missing_results():
    def die(i: int) -> int:
        if i == 900:
            os._exit(3)
        return i

    with pytest.raises(WorkerError, match="exit code 3"):
        map_forked(die, 1000, threshold=1)


def test_an_exception_that_cannot_cross_processes_arrives_as_its_traceback():
    def odd(i: int) -> int:
        if i == 5:
            raise ValueError(lambda: None)  # a lambda does not pickle
        return i

    with pytest.raises(WorkerError, match="ValueError"):
        map_forked(odd, 100, threshold=1)


def test_small_jobs_and_one_worker_stay_in_this_process(monkeypatch):
    assert {pid for pid in map_forked(lambda i: os.getpid(), 10)} == {os.getpid()}  # below the threshold
    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    assert {pid for pid in map_forked(lambda i: os.getpid(), 1000, threshold=1)} == {os.getpid()}
