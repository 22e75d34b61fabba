"""The one seam between the stages and the speed machinery.

A stage says what it computes and what that result depends on; the engine decides where it is
computed (here or on forked workers) and whether it is computed at all (a result kept from an
earlier run). Stages take an ``Engine`` and never see the memo or the worker pool, so a stage
reads the same whether it runs on eight cores with a warm cache or in a test, serially, with none.

Two engines: ``ForkedEngine`` keeps results in ``.cache/memo.sqlite`` and spreads large maps over
forked workers; ``SerialEngine`` does everything in this process (``PIPELINE_WORKERS=1``, tests,
library use) and keeps results only when it is given a project root.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline import memo

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Kind(Generic[R]):
    """One kind of kept result, declared once beside the stage that makes it: its name in the
    store, and by its type parameter the type of every result of it, so that what comes out of
    the cache has the type that went in."""

    name: str  # unique among kinds: results of two kinds never meet


class Engine(Protocol):
    """What the stages may ask of the machinery."""

    @property
    def cache_folder(self) -> Path | None:
        """Where other caches of the same build may live (``.cache``), if anywhere."""

    def spreads(self, count: int) -> bool:
        """Whether a map over ``count`` items would run on workers."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, meanwhile: Callable[[], None] | None = None,
            heavy: bool = False) -> list[R]:
        """``[fn(item) for item in items]``, in order. ``meanwhile`` is other work for this process,
        done while workers run (or after the map, where there are none); ``heavy`` says each item
        is worth a worker of its own. ``fn`` may close over anything: only results travel."""

    def cached(self, kind: Kind[R], key: bytes, make: Callable[[], R]) -> R:
        """The result kept for ``key``, or ``make()``'s, kept for next time."""

    def cached_map(self, kind: Kind[R], items: Sequence[T], key: Callable[[T], bytes],
                   make: Callable[[T], R]) -> list[R | PipelineError]:
        """``make(item)`` for every item, in order: kept results where their keys are known, the
        others made (on workers when they are many) and kept. A ``PipelineError`` that ``make``
        raises is returned in its item's place and never kept, so that every problem of every
        item can be told at once."""

    def recall(self, kind: Kind[R], key: bytes) -> R | None:
        """The result kept for ``key``, if any."""

    def keep(self, kind: Kind[R], key: bytes, value: R) -> None:
        """Keep ``value`` for ``key``: for a stage that decides itself which results are worth keeping."""


class SerialEngine:
    """Everything in this process; results kept in the project's memo when there is a ``root``."""

    def __init__(self, root: Path | None = None):
        from pipeline import memo  # sqlite3 and pickle: imported by the commands that run an engine only

        self._memo_module = memo
        self._root = root
        self._tables: dict[str, memo.Memo] = {}

    # -- the store ------------------------------------------------------------------------------

    def _table(self, kind: Kind[R]) -> memo.Memo:
        found = self._tables.get(kind.name)
        if found is None:
            found = self._tables[kind.name] = self._memo_module.Memo(self._root, kind.name)
        return found

    @property
    def cache_folder(self) -> Path | None:
        return self._root / ".cache" if self._root is not None else None

    def recall(self, kind: Kind[R], key: bytes) -> R | None:
        table = self._table(kind)
        return cast("R | None", table.get(table.key(key)))

    def keep(self, kind: Kind[R], key: bytes, value: R) -> None:
        table = self._table(kind)
        table.put(table.key(key), value)

    def cached(self, kind: Kind[R], key: bytes, make: Callable[[], R]) -> R:
        table = self._table(kind)
        name = table.key(key)
        found = table.get(name)
        if found is None:
            found = make()
            table.put(name, found)
        return cast(R, found)

    # -- the work -------------------------------------------------------------------------------

    def spreads(self, count: int) -> bool:
        return False

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, meanwhile: Callable[[], None] | None = None,
            heavy: bool = False) -> list[R]:
        results = [fn(item) for item in items]
        if meanwhile is not None:
            meanwhile()
        return results

    def cached_map(self, kind: Kind[R], items: Sequence[T], key: Callable[[T], bytes],
                   make: Callable[[T], R]) -> list[R | PipelineError]:
        table = self._table(kind)
        names = [table.key(key(item)) for item in items]
        found: list[R | PipelineError | None] = [cast("R | None", table.get(name)) for name in names]
        missing = [i for i, hit in enumerate(found) if hit is None]

        def made(index: int) -> R | PipelineError:
            try:
                result = make(items[index])
            except PipelineError as exc:
                return exc
            return self._sent(result, table.put(names[index], result))

        for index, result in zip(missing, self._spread(made, missing)):
            found[index] = result
        return cast("list[R | PipelineError]", found)

    def _spread(self, fn: Callable[[int], R], indexes: list[int]) -> list[R]:
        return [fn(i) for i in indexes]

    def _sent(self, result: R, pickled: bytes | None) -> R:
        return result

    @contextmanager
    def session(self) -> Iterator[SerialEngine]:
        """The engine for one command: what it kept is written when the block ends, however it ends."""
        try:
            yield self
        finally:
            self._memo_module.flush()


class ForkedEngine(SerialEngine):
    """Large maps on forked workers (``parallel``), results in the project's memo."""

    def __init__(self, root: Path | None = None):
        super().__init__(root)
        from pipeline import parallel

        self._parallel = parallel

    def spreads(self, count: int) -> bool:
        return self._parallel.forks(count)

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, meanwhile: Callable[[], None] | None = None,
            heavy: bool = False) -> list[R]:
        return self._parallel.map_forked(lambda i: fn(items[i]), len(items), threshold=1 if heavy else None,
                                         meanwhile=meanwhile)

    def _spread(self, fn: Callable[[int], R], indexes: list[int]) -> list[R]:
        return self._parallel.map_forked(lambda i: fn(indexes[i]), len(indexes))

    def _sent(self, result: R, pickled: bytes | None) -> R:
        # A worker sends the pickle the memo made instead of pickling the result again.
        return self._parallel.as_sent(result, pickled)


def for_project(root: Path | None) -> SerialEngine:
    """The engine a command runs on: forked workers unless ``PIPELINE_WORKERS=1``."""
    if os.environ.get("PIPELINE_WORKERS") == "1":
        return SerialEngine(root)
    return ForkedEngine(root)
