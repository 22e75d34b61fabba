"""Progress for long runs: on a terminal a bar that fills stage by stage, elsewhere a plain line
per stage. Short runs stay quiet."""

from __future__ import annotations

import time
from typing import TextIO

LONG_RUN = 200  # articles from which a run reports its stages
BAR = 20  # characters of the bar


class Progress:
    """Reports stages to ``stream``; with no stream it says nothing (library use, tests)."""

    def __init__(self, stream: TextIO | None = None, minimum: int = LONG_RUN):
        self.stream, self.minimum = stream, minimum
        self.active = False
        self.started = time.perf_counter()
        self.tty = bool(stream is not None and stream.isatty())
        self.stages, self.done_stages = 0, 0

    def start(self, articles: int, stages: int = 0) -> None:
        """A run over ``articles`` begins; ``stages`` steps will follow, if known."""
        self.active = self.stream is not None and articles >= self.minimum
        self.started = time.perf_counter()
        self.stages, self.done_stages = stages, 0

    def step(self, what: str) -> None:
        self.done_stages += 1
        if not self.active or self.stream is None:
            return
        line = f"[{time.perf_counter() - self.started:6.1f} s] {what}"
        if self.tty:
            self.stream.write("\r\033[K" + self._bar() + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _bar(self) -> str:
        if not self.stages:
            return ""
        filled = BAR * min(self.done_stages, self.stages) // self.stages
        return f"{'#' * filled}{'.' * (BAR - filled)} {self.done_stages}/{self.stages} "

    def done(self) -> None:
        if self.active and self.tty and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


SILENT = Progress()
