"""Spreading pure work over the machine's cores, with results in input order, so output stays
deterministic. Small jobs stay in this process: starting workers costs more than it saves.

Each share of the work runs in a process forked for it, which sends its results back through a
pipe and ends. A forked process inherits everything the parent built (articles, catalogs,
templates) without copying, until it touches it: Python's reference counts write to every
object it reads, so a long-lived worker ends up with a private copy of most of the parent. One
that ends after its share gives that memory back before the next starts.
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import traceback
from collections.abc import Callable
from typing import TypeVar

from pipeline.errors import Fault
from pipeline.gcpause import collector_paused

R = TypeVar("R")
THRESHOLD = 300  # items below which one process is faster
# Each new worker faults in the parent's pages it touches again (system time), so shares are few:
# two per worker even out their unequal costs; on big sites, shares of at most LARGEST_SHARE
# items bound what a worker copies before it ends. A fork costs more than it seems: at 10,000
# articles, 20 ms in the main process, which then copies every page it writes while the worker
# lives. Shares of 400 items made 150 forks of a cold build and 15.5 s of system time; 1,000
# make 60 forks, 11-14 s, with a peak of 1.4 GB.
SHARES_PER_WORKER = 2
LARGEST_SHARE = 1000


_AT_WORKER_END: list[Callable[[], None]] = []


def at_worker_end(hook: Callable[[], None]) -> None:
    """Have every worker call ``hook`` when its share is done, before it sends its results."""
    _AT_WORKER_END.append(hook)


class WorkerError(Exception):
    """A worker could not send its results: it died, or its exception does not pickle (a bug)."""


class WorkerDied(Fault, WorkerError):
    """A worker died without sending its results (killed, or out of memory): the machine's
    doing, not the input's, told in one line."""


class _Pickled(bytes):
    """A result a worker sends as it was pickled already; ``map_forked`` returns it unpickled."""


_STOPPING = (signal.SIGINT, signal.SIGTERM)
_IN_WORKER: list[bool] = []  # not empty in a forked worker


def as_sent(result: R, pickled: bytes | None) -> R:
    """``result`` for ``fn`` to return, given its pickle, if one was made (for the memo): a worker
    sends those bytes instead of pickling the result again. The records of a cold build's articles
    were pickled twice: a tenth of a second in each stage that reads or makes them."""
    return _Pickled(pickled) if _IN_WORKER and pickled is not None else result  # type: ignore[return-value]


def _settings(threshold: int | None) -> tuple[int, int]:
    """Workers and threshold: PIPELINE_WORKERS=1 keeps everything in one process (for profiling),
    PIPELINE_PARALLEL_THRESHOLD=1 spreads even tiny jobs (for tests of the parallel path)."""
    workers = int(os.environ.get("PIPELINE_WORKERS", os.cpu_count() or 1))
    return workers, threshold if threshold is not None else int(os.environ.get("PIPELINE_PARALLEL_THRESHOLD", THRESHOLD))


def forks(count: int, threshold: int | None = None) -> bool:
    """Whether ``map_forked`` spreads ``count`` items over workers."""
    workers, threshold = _settings(threshold)
    return workers >= 2 and count >= threshold and hasattr(os, "fork")


def map_forked(fn: Callable[[int], R], count: int, threshold: int | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[R]:
    """``[fn(i) for i in range(count)]``, on forked workers when it pays off.

    ``fn`` may be a closure over anything the parent holds: only results are pickled. An
    exception raised by ``fn`` is raised here. Where ``fork`` is not available, everything
    runs in this process. ``meanwhile`` is other work for this process, done while the
    workers run: it fills the core the last worker leaves idle. Nobody reads the workers'
    pipes until it returns, so a share whose results outgrow a pipe (64 KB) waits for it.
    """
    workers, threshold = _settings(threshold)
    if not forks(count, threshold):
        results = [fn(i) for i in range(count)]
        if meanwhile is not None:
            meanwhile()
        return results
    size = min(LARGEST_SHARE, max(1, -(-count // (workers * SHARES_PER_WORKER))))
    shares = [range(start, min(count, start + size)) for start in range(0, count, size)]
    results: list[list[R]] = [[] for _ in shares]
    running: dict[int, tuple[int, int, bytearray]] = {}  # read end of its pipe -> share, pid, bytes so far
    todo = iter(range(len(shares)))
    with selectors.DefaultSelector() as selector:
        try:
            for share in todo:
                _start(fn, shares[share], share, selector, running)
                if len(running) == workers:
                    break
            if meanwhile is not None:
                meanwhile()
            while running:
                for key, _ in selector.select():
                    share = _read(key.fd, selector, running, results)
                    if share is not None:
                        next_share = next(todo, None)
                        if next_share is not None:
                            _start(fn, shares[next_share], next_share, selector, running)
        finally:
            for fd, (_, pid, _) in running.items():  # an error or an interrupt: stop the others
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
    return [result for share in results for result in share]


def _start(fn: Callable[[int], R], share: range, number: int, selector: selectors.BaseSelector,
           running: dict[int, tuple[int, int, bytearray]]) -> None:
    read_end, write_end = os.pipe()
    gc.freeze()  # the worker's collector leaves alone what it inherits, so it faults in fewer of the parent's pages
    # Ctrl-C or SIGTERM waits out the fork: raised in an at-fork hook, Python would print and drop it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid != 0:
        gc.unfreeze()  # the parent's own collector keeps them, as old records
        os.close(write_end)
        running[read_end] = (number, pid, bytearray())
        selector.register(read_end, selectors.EVENT_READ)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # known to ``map_forked`` now, which stops it on any error
        return
    else:  # the worker: compute, send, and end without running the parent's cleanup
        code = 0
        _IN_WORKER.append(True)
        # Ctrl-C reaches the whole process group: the parent stops the workers and tells of it,
        # whereas a worker raising it would pass for one that died. SIGTERM ends a worker at once.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            os.close(read_end)
            try:
                results = [fn(i) for i in share]
                for hook in _AT_WORKER_END:
                    hook()
                message = pickle.dumps(("ok", results), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it
                message = _failure(exc)
            with open(write_end, "wb") as out:
                out.write(message)
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        finally:
            os._exit(code)


def _failure(exc: Exception) -> bytes:
    try:
        return pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle is sent as its text
        return pickle.dumps(("error", WorkerError("".join(traceback.format_exception(exc)))))


def _death(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exit code {code}"
    name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
    return f"killed by {name}: out of memory, or stopped from outside"


def _read(fd: int, selector: selectors.BaseSelector, running: dict[int, tuple[int, int, bytearray]],
          results: list[list]) -> int | None:
    """Read what a worker sent; at its end, its results. Returns the share number when it ended."""
    chunk = os.read(fd, 1 << 20)
    number, pid, received = running[fd]
    if chunk:
        received += chunk
        return None
    selector.unregister(fd)
    os.close(fd)
    del running[fd]
    _, status = os.waitpid(pid, 0)
    if not received:
        raise WorkerDied(f"a worker process ended without its results ({_death(status)})")
    with collector_paused():
        kind, value = pickle.loads(received)
        if kind == "ok":
            value = [pickle.loads(item) if type(item) is _Pickled else item for item in value]
    if kind == "error":
        raise value
    results[number] = value
    return number
