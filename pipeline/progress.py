"""Progress for long runs: on a terminal one line that keeps updating, elsewhere a plain line per
stage. Short runs stay quiet."""

from __future__ import annotations

import time
from typing import TextIO

LONG_RUN = 200  # articles from which a run reports its stages


class Progress:
    """Reports stages to ``stream``; with no stream it says nothing (library use, tests)."""

    def __init__(self, stream: TextIO | None = None, minimum: int = LONG_RUN):
        self.stream, self.minimum = stream, minimum
        self.active = False
        self.started = time.perf_counter()
        self.tty = bool(stream is not None and stream.isatty())

    def start(self, articles: int) -> None:
        self.active = self.stream is not None and articles >= self.minimum
        self.started = time.perf_counter()

    def step(self, what: str) -> None:
        if not self.active or self.stream is None:
            return
        line = f"[{time.perf_counter() - self.started:6.1f} s] {what}"
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.active and self.tty and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


SILENT = Progress()
