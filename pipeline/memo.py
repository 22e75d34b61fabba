"""Results of pure functions of a file's bytes, kept between runs in ``.cache/memo.sqlite``.

The key is a hash of the bytes, of what else the function reads, and of the pipeline's own
code, so a changed file, setting or program never meets an old result. Safe to delete.

One SQLite file rather than a file per result: a cold build of 1,000 articles keeps 6,000
results, and creating that many files spread over folders cost seconds of system time, where
SQLite inserts them in a quarter of a second. A damaged or unreadable store is a miss, never
an error: the result is computed again.

Results are kept in memory and written together by ``flush``: a worker flushes once, at the end
of its share (see ``parallel.at_worker_end``), and the orchestrator at the end of a command.
Written one by one, each result was a transaction of its own, and the workers queued for the
store's single write lock: a second of a cold build of 1,000 articles.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pipeline import parallel

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent
STORE = ".cache/memo.sqlite"


@functools.cache
def code_version() -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".txt", ".css"):
            h.update(path.read_bytes())
    return h.digest()


_CONNECTIONS: dict[tuple[str, int], sqlite3.Connection | None] = {}  # per store and process: never across a fork
_DELETED: list[sqlite3.Connection | None] = []  # connections to stores deleted since, kept open (see below)
_PENDING: dict[str, dict[tuple[str, str], bytes]] = {}  # per store: results put and not yet written, pickled
_PENDING_BYTES: dict[str, int] = {}  # per store: their size
FLUSH_AT = 16 << 20  # pending bytes that are written at once, to bound the memory they hold


def _forget_pending() -> None:
    _PENDING.clear()
    _PENDING_BYTES.clear()


os.register_at_fork(after_in_child=_forget_pending)  # a worker writes its own results, not its parent's again


def _connection(path: str) -> sqlite3.Connection | None:
    """This process's connection to the store, or None when it cannot be used.

    A connection is never closed: a forked worker that closed the one it inherited could
    checkpoint the store under its parent's feet. Workers end with ``os._exit``.
    """
    found = (path, os.getpid())
    if found not in _CONNECTIONS:
        try:
            _CONNECTIONS[found] = _open(path)
        except sqlite3.DatabaseError:  # not a database (a damaged file): start afresh
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            _CONNECTIONS[found] = _open_or_none(path)
        except (OSError, sqlite3.Error):
            _CONNECTIONS[found] = None
    return _CONNECTIONS[found]


def _open(path: str) -> sqlite3.Connection:
    """The store, emptied first if another version of the program filled it: its results can
    never be asked for again (every key holds the code's hash), and they piled up, 7 GB after
    a day of changing the code of a 10,000-article site, slowing every look-up."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    version = int.from_bytes(code_version()[:4], "big") >> 1  # user_version holds a signed 32-bit number
    connection = _connect(path)
    if connection.execute("PRAGMA user_version").fetchone()[0] != version:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        connection = _connect(path)
        connection.execute(f"PRAGMA user_version = {version}")
    return connection


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
    # Results run from a few hundred bytes to a megabyte (a whole feed): large pages read a big
    # one in a few steps instead of a chain of 4 KiB ones (ten times faster). Set before WAL.
    connection.execute("PRAGMA page_size=65536")
    # Forked workers write side by side; WAL lets them, and a reader never waits for a writer.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # a cache: a write lost in a crash is only a miss
    connection.execute("CREATE TABLE IF NOT EXISTS results (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
    return connection


def _open_or_none(path: str) -> sqlite3.Connection | None:
    try:
        return _open(path)
    except (OSError, sqlite3.Error):
        return None


class Memo:
    """One kind of result (parsed sources, parsed catalogs, ...), keyed by content."""

    def __init__(self, root: Path | None, kind: str):
        self.root = root
        self.kind = kind
        self._path = str(root / STORE) if root is not None else ""
        found = (self._path, os.getpid())
        if self._path and _CONNECTIONS.get(found) is not None and not os.path.exists(self._path):
            _DELETED.append(_CONNECTIONS.pop(found))  # someone deleted .cache/: a new store, as promised
            _PENDING.pop(self._path, None)
            _PENDING_BYTES.pop(self._path, None)

    @property
    def cache_folder(self) -> Path | None:
        """Where other caches of the same build may live (``.cache``), if anywhere."""
        return self.root / ".cache" if self.root is not None else None

    def key(self, data: bytes, context: str = "") -> str:
        return hashlib.blake2b(code_version() + context.encode() + b"\0" + data, digest_size=20).hexdigest()

    def get(self, key: str) -> object | None:
        connection = _connection(self._path) if self._path else None
        if connection is None:
            return None
        try:
            blob = _PENDING.get(self._path, {}).get((self.kind, key))
            if blob is None:
                row = connection.execute("SELECT value FROM results WHERE kind = ? AND key = ?",
                                         (self.kind, key)).fetchone()
                blob = row[0] if row else None
            return pickle.loads(blob) if blob is not None else None
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
            return None

    def put(self, key: str, value: object) -> bytes | None:
        """Keep ``value``; its pickle, None when there is no store (see ``parallel.as_sent``)."""
        connection = _connection(self._path) if self._path else None
        if connection is None:
            return None
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        _PENDING.setdefault(self._path, {})[(self.kind, key)] = blob
        _PENDING_BYTES[self._path] = _PENDING_BYTES.get(self._path, 0) + len(blob)
        if _PENDING_BYTES[self._path] >= FLUSH_AT:
            flush()
        return blob

    def cached(self, data: bytes, context: str, make: Callable[[], T]) -> T:
        key = self.key(data, context)
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value  # type: ignore[return-value]


@contextmanager
def batch() -> Iterator[None]:
    """The results put inside the block are written when it ends, however it ends."""
    try:
        yield
    finally:
        flush()


def flush() -> None:
    """Write the results this process has put, one transaction per store."""
    for path, pending in list(_PENDING.items()):
        connection = _CONNECTIONS.get((path, os.getpid()))
        if connection is None or not pending:
            continue
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                                   [(kind, key, blob) for (kind, key), blob in pending.items()])
            connection.execute("COMMIT")
        except sqlite3.Error:  # a full disk or a damaged store: the results are simply not kept
            try:
                connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
    _forget_pending()


parallel.at_worker_end(flush)
