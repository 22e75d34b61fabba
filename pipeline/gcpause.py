"""Python's cyclic garbage collector paused while a block builds many records.

Unpickling a snapshot or the workers' results creates hundreds of thousands of records that
hold no reference cycles; the collector would walk them again and again as they arrive (a
third of loading the snapshot of 10,000 articles). Nothing it could free is made meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
