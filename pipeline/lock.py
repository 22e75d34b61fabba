"""One writer at a time: the kernel's lock on ``.cache/publish.lock``, held for the whole run.

The lock is ``fcntl.flock`` on the open file, not the file's existence. An ``O_EXCL`` lock file
is only a guess: a run killed with ``kill -9`` leaves it behind, so the next run has to decide
from its contents whether the holder is still alive, and every such decision races with a
holder that has created the file but not yet written it (an attack of 6 x 150 contenders had
73 runs inside at once). The kernel drops a ``flock`` when the last descriptor of the open file
closes, whatever ended the process, so there is nothing to guess: a lock file on disk, empty,
half-written or naming PID 1, blocks nobody; only a live holder does.

The file is never deleted, not even by its holder: a process that has opened it but not yet
locked it would lock the deleted file while the next run creates and locks a new one. For the
same reason deleting ``.cache/`` while a run is going lets a second run in; do it between runs.

After taking the lock the holder writes who it is (pid, host, what, when it started) into the
file, only so that a refused run can name it; that text is never trusted to decide anything, and
a missing or garbled one still gives a one-line message.

A second run is refused at once rather than made to wait: runs come from ``make`` or a
scheduled job, a publish can take minutes, and runs queued behind it would each publish the same
sources again; a refused run names the holder, so its user can wait for it or stop it.

Forked workers share the holder's open file, so the lock stays held until the run and its
workers have all ended. Across machines the lock holds where the file system passes ``flock``
on (local disks; NFS, where Linux turns it into a lock on the server).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

LOCK = ".cache/publish.lock"
_HOLDER_BYTES = 4096  # more than any holder text we write; a refused run reads no more
_ATTEMPTS = 3  # opens of the file, for when someone replaces it between our open and our lock


class LockError(PipelineError):
    """The write lock cannot be taken: another run holds it, or its file cannot be used."""


class LockHeld(LockError):
    """Another run holds the write lock."""


@dataclass(frozen=True)
class Holder:
    """The run holding the lock, as its text says; only ever shown, never relied on."""

    pid: int  # its process id, on ``host``
    host: str  # the machine it runs on
    what: str  # the command: publish, newsletter, catalogs
    started: dt.datetime  # when it took the lock, with its offset


@contextmanager
def exclusive(root: Path, what: str) -> Iterator[None]:
    """Hold the project's write lock while ``what`` runs; refuse at once if another run holds it."""
    fd = _locked(root)
    try:
        _write_holder(fd, what)
        try:
            yield
        finally:
            _clear_holder(fd)
    finally:
        os.close(fd)  # releases the lock; so would the process ending, however it ends


def _locked(root: Path) -> int:
    """A descriptor of the lock file, locked by us."""
    path = root / LOCK
    for _ in range(_ATTEMPTS):
        fd = _open(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            held = exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
            holder = _read_holder(fd) if held else None
            os.close(fd)
            raise (LockHeld(_refusal(holder), LOCK) if held else _unusable(exc)) from None
        if _same_file(fd, path):
            return fd
        os.close(fd)  # the file was removed or replaced after we opened it: lock the one now there
    raise LockError("the lock file keeps being removed or replaced; stop whatever deletes .cache/ "
                    "and run again", LOCK)


def _open(path: Path) -> int:
    # O_NOFOLLOW: a link planted at the lock's name must not make us truncate what it points at;
    # O_NONBLOCK: a FIFO there must not hang the open. O_CLOEXEC: programs we run do not hold it.
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    except FileExistsError:  # .cache is a file, or a dangling link
        raise LockError(".cache is not a folder; remove it (it holds only caches) and run again", LOCK) from None
    except OSError as exc:
        raise _unusable(exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockError("the lock is not a regular file; remove it and run again", LOCK)
    return fd


def _unusable(exc: OSError) -> LockError:
    """Why the lock file cannot be opened or locked, and what to do, in one line."""
    code = exc.errno
    if code == errno.EISDIR:
        return LockError("the lock is a folder, not a file; remove it (rmdir) and run again", LOCK)
    if code == errno.ELOOP:
        return LockError("the lock is a symbolic link; remove it and run again", LOCK)
    if code == errno.ENOTDIR:
        return LockError(".cache is not a folder; remove it (it holds only caches) and run again", LOCK)
    if code == errno.EROFS:
        return LockError("the project folder is on a read-only file system; publish from a writable "
                         "copy of the project", LOCK)
    if code in (errno.EACCES, errno.EPERM):
        return LockError("permission denied; let this user read and write the project's .cache folder "
                         "(or remove .cache) and run again", LOCK)
    if code == errno.ENOLCK:
        return LockError("the file system cannot lock files; keep the project on a local disk", LOCK)
    return LockError(f"cannot use the lock file ({os.strerror(code) if code else exc}); "
                     "check the project's .cache folder and run again", LOCK)


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _write_holder(fd: int, what: str) -> None:
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    text = json.dumps({"pid": os.getpid(), "host": _host(), "what": what, "started": started})
    try:
        # Straight to the descriptor: no buffer to flush, and one write a reader sees whole or not at all.
        os.ftruncate(fd, 0)
        os.pwrite(fd, (text + "\n").encode(), 0)
    except OSError:
        pass  # a full disk: the lock holds anyway; a refused run then says it cannot name us


def _clear_holder(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # still locked: nobody reads a finished run as the holder
    except OSError:
        pass


def _read_holder(fd: int) -> Holder | None:
    """The holder the file names, if its text is whole and well formed."""
    try:
        data = json.loads(os.pread(fd, _HOLDER_BYTES, 0).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: garbage nested deeper than json goes
        return None
    if not isinstance(data, dict):
        return None
    pid, host, what, started = (data.get(k) for k in ("pid", "host", "what", "started"))
    if not (type(pid) is int and 0 < pid < 2**31 and isinstance(host, str) and _HOST.fullmatch(host)
            and isinstance(what, str) and _WHAT.fullmatch(what) and isinstance(started, str)):
        return None
    try:
        when = dt.datetime.fromisoformat(started)
    except ValueError:
        return None
    return Holder(pid, host, what, when) if when.tzinfo is not None else None


_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]{0,252}")  # what we show of a host name (RFC 1123 and a little)
_WHAT = re.compile(r"[a-z][a-z-]{0,31}")  # a command's name


def _refusal(holder: Holder | None) -> str:
    if holder is None or (holder.host == _host() and not _alive(holder.pid)):
        # It has locked the file but not yet written it, or its text is a dead run's.
        return "another run holds the write lock (it has not said which yet); wait for it to finish"
    where = "" if holder.host == _host() else f" on {holder.host}"
    run = "update of the catalogs" if holder.what == "catalogs" else holder.what  # "another catalogs" reads badly
    return (f"another {run} is running{where} (pid {holder.pid}, started "
            f"{holder.started.isoformat(sep=' ')}); wait for it to finish")


def _host() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() says, without importing socket
    import socket

    return socket.gethostname()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
