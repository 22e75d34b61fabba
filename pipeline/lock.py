"""One writer at a time: a lock file names the run that holds it, and a lock left by a run
that was killed is recognised and taken over."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import PipelineError

LOCK = ".cache/publish.lock"


@contextmanager
def exclusive(root: Path, what: str) -> Iterator[None]:
    """Hold the project's write lock while ``what`` runs."""
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = {"pid": os.getpid(), "host": _host(), "what": what,
              "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            _clear_if_stale(path)
            continue
        with os.fdopen(fd, "w") as out:
            json.dump(holder, out)
        break
    else:
        raise PipelineError("could not take the lock; try again", LOCK)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _clear_if_stale(path: Path) -> None:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        holder = {}
    pid, host = holder.get("pid"), holder.get("host")
    if isinstance(pid, int) and host == _host() and _alive(pid):
        raise PipelineError(f"another {holder.get('what', 'run')} is running (pid {pid} on {host}, started "
                            f"{holder.get('started')}); wait for it to finish", LOCK)
    if isinstance(pid, int) and host != _host():
        raise PipelineError(f"a {holder.get('what', 'run')} on {host} (pid {pid}) holds the lock; if it is "
                            f"no longer running, delete {LOCK}", LOCK)
    path.unlink(missing_ok=True)  # its holder was killed: the lock is stale


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
