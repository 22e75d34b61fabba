"""One exception family for everything a user can get wrong.

Expected errors print as one line, ``path:line: what is wrong; how to fix it``; the CLI shows
them without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that would break one problem's line on a terminal, or hide text in it: controls
# (newline, carriage return, escape sequences), line and paragraph separators, lone surrogates
# (an undecodable file name). A file name or a quoted value may hold any of them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class PipelineError(Exception):
    """A problem in the user's input, pointing back to where it came from."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __reduce__(self):
        # Keep path and line when an error crosses from a worker process.
        return (_rebuild, (type(self), self.message, self.path, self.line, getattr(self, "problems", None)))

    def __str__(self) -> str:
        where = one_line(self.path or "")
        if self.path and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {one_line(self.message)}" if where else one_line(self.message)


class ConfigError(PipelineError):
    """The site settings file is missing or wrong."""


class SourceError(PipelineError):
    """A source article cannot be read: front matter, a field or a body block is wrong."""


class CatalogError(PipelineError):
    """A gettext catalog cannot be read or does not fit its article."""


class LedgerError(PipelineError):
    """A version ledger file is damaged or contradicts itself."""


class TranslationMissing(PipelineError):
    """A page asked for a message that its language's catalog does not translate."""


class Fault(PipelineError):
    """The machine, not the input, stopped a command: a worker killed, a folder that cannot be
    written. The CLI prints the message on one line with what the command had changed by then."""


class Problems(PipelineError):
    """Every problem found in one run, reported together before anything is written."""

    def __init__(self, problems: Iterable[PipelineError]):
        self.problems = tuple(sorted(problems, key=_order))
        super().__init__(f"{len(self.problems)} problem(s)")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def one_line(text: str) -> str:
    """``text`` with every character that could break or forge a line written as its escape
    (``\\n``, ``\\x1b``, ``\\u2028``): one problem always prints as one line."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def _rebuild(cls, message, path, line, problems):
    if problems is not None:
        return Problems(problems)
    error = cls.__new__(cls)
    PipelineError.__init__(error, message, path, line)
    return error


def _order(problem: PipelineError) -> tuple[str, int]:
    return (problem.path or "", problem.line or 0)


def raise_all(problems: list[PipelineError]) -> None:
    """Raise the problems collected so far as one error, if there are any."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)
