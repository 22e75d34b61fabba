"""Spreading pure work over the machine's cores, with results in input order, so output stays
deterministic. Small jobs stay in this process: starting workers costs more than it saves."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
THRESHOLD = 300  # items below which one process is faster


def _settings(threshold: int | None) -> tuple[int, int]:
    """Workers and threshold: PIPELINE_WORKERS=1 keeps everything in one process (for profiling),
    PIPELINE_PARALLEL_THRESHOLD=1 spreads even tiny jobs (for tests of the parallel path)."""
    workers = int(os.environ.get("PIPELINE_WORKERS", os.cpu_count() or 1))
    return workers, threshold if threshold is not None else int(os.environ.get("PIPELINE_PARALLEL_THRESHOLD", THRESHOLD))


def map_ordered(fn: Callable[[T], R], items: Sequence[T], threshold: int | None = None) -> list[R]:
    """``[fn(item) for item in items]``, on several processes when it pays off.

    ``fn`` must be a module-level function and items and results picklable.
    """
    workers, threshold = _settings(threshold)
    if workers < 2 or len(items) < threshold:
        return [fn(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor  # imported when needed: a small publish never is

    chunk = max(1, len(items) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items, chunksize=chunk))


_TASK: Callable[[int], object] | None = None  # what forked workers run; they inherit it with the memory


def _run_task(index: int) -> object:
    assert _TASK is not None
    return _TASK(index)


def map_forked(fn: Callable[[int], R], count: int, threshold: int | None = None) -> list[R]:
    """``[fn(i) for i in range(count)]``, on forked workers when it pays off.

    Forked workers inherit everything the parent built (articles, catalogs, templates), so
    ``fn`` may be a closure over them: only indices go out and only results come back. Where
    ``fork`` is not available, everything runs in this process.
    """
    global _TASK
    workers, threshold = _settings(threshold)
    if workers < 2 or count < threshold:
        return [fn(i) for i in range(count)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [fn(i) for i in range(count)]
    _TASK = fn
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run_task, range(count), chunksize=max(1, count // (workers * 8))))
    finally:
        _TASK = None
