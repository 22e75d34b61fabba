"""Writing files so that a reader never sees half of one, and nothing changes needlessly."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and ``os.replace`` it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write unless the file already holds exactly ``data``; True when it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True


def sync_tree(folder: Path, files: Mapping[str, bytes], keep: tuple[str, ...] = ()) -> tuple[int, int]:
    """Make ``folder`` hold exactly ``files``: write what changed, remove what is gone, but leave
    alone what lies below the ``keep`` prefixes (another command's output).

    Returns how many files were written and removed.
    """
    written = sum(write_if_changed(folder / rel, data) for rel, data in sorted(files.items()))
    removed = 0
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            rel = path.relative_to(folder).as_posix()
            if keep and rel.startswith(keep):
                continue
            if path.is_file() and rel not in files:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return written, removed
