"""Python's cyclic garbage collector kept off the records a build makes in bulk.

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
    """Run the block with the collector off; what it made then counts as old."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        promote_all()
        if enabled:
            gc.enable()


def promote_all() -> None:
    """Move every object the collector tracks to its oldest generation, without looking at them.

    Left young, the records just made are walked by the next young collection and again by the
    middle one (a quarter of a second for the 10,000-article snapshot). In the oldest generation
    they wait for a full collection, which comes rarely, like for any record that lives long.
    Freezing and unfreezing splices the collector's lists: it costs nothing however many there are.
    """
    gc.freeze()
    gc.unfreeze()
