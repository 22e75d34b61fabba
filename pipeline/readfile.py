"""Reading an input file that editors or translators control: a regular file of bounded size.

A source, a catalog, a template, a stored translation or a ledger may be replaced by a link to
``/dev/zero``, a FIFO or a sparse file of gigabytes. Reading one whole would exhaust memory or
hang; skipping it would drop an article without a word. Each is refused with one line instead.
Symbolic links to regular files are followed: editors may link sources, and the no-op check
follows them too.
"""

from __future__ import annotations

import os
import stat

from pipeline.errors import PipelineError

MB = 2**20
SOURCE_LIMIT = 1 * MB  # far more than any article; a bigger file is a pasted export or a binary
CATALOG_LIMIT = 16 * MB  # catalogs, templates, stored translations and ledgers: generous, yet bounded


def read_input(path: str | os.PathLike, shown: str, limit: int, error: type[PipelineError]) -> bytes:
    """The bytes of the regular file at ``path`` (``shown`` in messages), at most ``limit`` of them.

    Raises ``FileNotFoundError`` when there is none, so that callers keep their own "missing" case;
    every other problem is ``error`` naming ``shown``."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"the file cannot be read: {exc.strerror}; make it a readable file", shown, None) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error("not a regular file (a device, a pipe or a folder); put the file itself here", shown, None)
        if info.st_size > limit:
            raise _too_large(shown, limit, error)
        try:
            data = file.read(limit + 1)  # one byte more shows a file that grew since fstat
        except OSError as exc:
            raise error(f"the file cannot be read: {exc.strerror}", shown, None) from None
    if len(data) > limit:
        raise _too_large(shown, limit, error)
    return data


def read_if_there(path: str | os.PathLike, shown: str, limit: int, error: type[PipelineError]) -> bytes | None:
    """``read_input``, or None where there is no file."""
    try:
        return read_input(path, shown, limit, error)
    except FileNotFoundError:
        return None


def _too_large(shown: str, limit: int, error: type[PipelineError]) -> PipelineError:
    return error(f"the file is larger than {limit // MB} MB; it may be at most {limit // MB} MB "
                 "(is it a pasted export or a binary?)", shown, 1)
