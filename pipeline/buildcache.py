"""The no-op shortcut: when nothing that goes into a build has changed since the last one, and
the output is still as that build left it, a publish has nothing to do.

Everything a build reads is hashed: the sources, the catalogs, the ledgers, the site settings,
the code and templates, and the build date (reviews fall due with it). This module imports
nothing heavy, so the no-op path starts fast. The cache lives in ``.cache/`` and is safe to
delete: without it, the next publish is a full one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tomllib
import zoneinfo
from pathlib import Path

CACHE = ".cache/publish.json"
_PACKAGE = Path(__file__).resolve().parent
_INPUTS = ("sources", "locales")


def build_day(root: Path, environ: dict[str, str] | None = None) -> str:
    """The build's date as the orchestrator will see it (``SOURCE_DATE_EPOCH`` or today, in the site's zone)."""
    environ = os.environ if environ is None else environ
    try:
        zone = zoneinfo.ZoneInfo(tomllib.loads((root / "sources/site.toml").read_text("utf-8-sig"))
                                 .get("site", {}).get("time_zone", "Europe/Berlin"))
        epoch = environ.get("SOURCE_DATE_EPOCH")
        moment = dt.datetime.fromtimestamp(int(epoch), zone) if epoch else dt.datetime.now(zone)
    except (OSError, ValueError, tomllib.TOMLDecodeError, zoneinfo.ZoneInfoNotFoundError):
        return ""  # a broken setting: let the full build report it
    return moment.date().isoformat()


def digest(root: Path, day: str, known: dict[str, list] | None = None) -> tuple[str, dict[str, list]]:
    """A hash of everything a publish reads, and the per-file table it was made from.

    Like git's index, a file whose size and modification time are as last recorded keeps its
    recorded content hash, so a no-op publish only looks at file metadata.
    """
    known = known or {}
    table: dict[str, list] = {}
    h = hashlib.blake2b(day.encode(), digest_size=20)
    for folder in (*(root / name for name in _INPUTS), _PACKAGE):
        prefix = folder.name + "/"
        for rel, entry in sorted(_files(str(folder)).items()):
            name = prefix + rel
            if entry is None:
                table[name + "/"] = [0, 0, ""]  # a folder: an empty one can matter too
                h.update(f"{name}/\0".encode())
                continue
            info = entry.stat()
            size, mtime = info.st_size, info.st_mtime_ns
            old = known.get(name)
            content = old[2] if old and old[:2] == [size, mtime] else hashlib.blake2b(Path(entry.path).read_bytes()).hexdigest()
            table[name] = [size, mtime, content]
            h.update(f"{name}\0{content}\0".encode())
    return h.hexdigest(), table


def _files(folder: str, prefix: str = "") -> dict[str, os.DirEntry | None]:
    """Files below ``folder`` by relative path; folders too (as None): an empty one can matter,
    such as the catalog folder of a new language."""
    found: dict[str, os.DirEntry | None] = {}
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir(follow_symlinks=False):
            found[prefix + entry.name] = None
            found.update(_files(entry.path, prefix + entry.name + "/"))
        elif entry.is_file(follow_symlinks=False):
            found[prefix + entry.name] = entry
    return found


def remembered(root: Path, day: str) -> dict | None:
    """The last publish's summary, if nothing changed since and its output is untouched."""
    try:
        record = json.loads((root / CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not day or record.get("digest") != digest(root, day, record.get("inputs"))[0]:
        return None
    return record if _intact(root / "output", record.get("output", {})) else None


def changed_inputs(root: Path, day: str) -> tuple[str, set[str]] | None:
    """Since the last publish: the digest it recorded, and the input files changed, added or
    removed. None when there is no usable record: none at all, another build date, or an
    ``output/`` that someone changed since."""
    try:
        record = json.loads((root / CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not day or record.get("day") != day or not isinstance(record.get("inputs"), dict):
        return None
    if not _intact(root / "output", record.get("output", {})):
        return None
    before, now = record["inputs"], digest(root, day, record["inputs"])[1]
    return record["digest"], {name for name in before.keys() | now.keys() if _content(before, name) != _content(now, name)}


def _content(table: dict[str, list], name: str) -> str | None:
    entry = table.get(name)
    return entry[2] if entry else None


def remember(root: Path, day: str, summary: list[str], warnings: list[str]) -> str:
    """Note what this publish read and wrote, for the next one to compare with; the digest noted."""
    output = root / "output"
    stats = _output_stats(output)
    try:
        known = json.loads((root / CACHE).read_text(encoding="utf-8")).get("inputs")
    except (OSError, ValueError):
        known = None
    value, table = digest(root, day, known)
    record = {"day": day, "digest": value, "inputs": table, "output": stats, "summary": summary, "warnings": warnings}
    path = root / CACHE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return value


def forget(root: Path) -> None:
    (root / CACHE).unlink(missing_ok=True)


def _output_stats(output: Path) -> dict[str, list[int]]:
    stats = {}
    for rel, entry in sorted(_files(str(output)).items()):
        if entry is not None:
            info = entry.stat()
            stats[rel] = [info.st_size, info.st_mtime_ns]
    return stats


def _intact(output: Path, expected: dict[str, list[int]]) -> bool:
    return _output_stats(output) == expected
