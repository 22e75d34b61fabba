"""Results of pure functions of a file's bytes, kept between runs in ``.cache/memo/``.

The key is a hash of the bytes, of what else the function reads, and of the pipeline's own
code, so a changed file, setting or program never meets an old result. Safe to delete.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version() -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".txt", ".css"):
            h.update(path.read_bytes())
    return h.digest()


_MADE: set[Path] = set()  # folders this process created or found, so each put need not ask again


class Memo:
    """One kind of result (parsed sources, parsed catalogs, ...), keyed by content."""

    def __init__(self, root: Path | None, kind: str):
        self.folder = root / ".cache" / "memo" / kind if root is not None else None
        self._base = str(self.folder) if self.folder is not None else ""  # plain strings: a hit is read per article

    def key(self, data: bytes, context: str = "") -> str:
        return hashlib.blake2b(code_version() + context.encode() + b"\0" + data, digest_size=20).hexdigest()

    def get(self, key: str) -> object | None:
        if self.folder is None:
            return None
        try:
            with open(f"{self._base}/{key[:2]}/{key}", "rb") as entry:
                return pickle.loads(entry.read())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            return None

    def put(self, key: str, value: object) -> None:
        if self.folder is None:
            return
        folder = self.folder / key[:2]
        if folder not in _MADE:
            folder.mkdir(parents=True, exist_ok=True)
            _MADE.add(folder)
        # Named after the process: forked workers write side by side, and a reader only ever
        # sees a whole entry, moved into place in one step.
        tmp = folder / f".tmp{os.getpid()}-{key}"
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, folder / key)

    def cached(self, data: bytes, context: str, make: Callable[[], T]) -> T:
        key = self.key(data, context)
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value  # type: ignore[return-value]
