"""The no-op shortcut: when nothing that goes into a build has changed since the last one, and
the output is still as that build left it, a publish has nothing to do.

Everything a build reads is hashed: the sources, the catalogs, the ledgers, the site settings,
the code and templates, and the build date (reviews fall due with it). This module imports
nothing heavy, so the no-op path starts fast. The cache lives in ``.cache/`` and is safe to
delete: without it, the next publish is a full one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import tomllib
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.gcpause import collector_paused

CACHE = ".cache/publish.pickle"  # pickle: at 10,000 articles, JSON took a fifth of a publish
_PACKAGE = Path(__file__).resolve().parent
_INPUTS = ("sources", "locales")
HASHED_APART = 2000  # files to hash from which workers share the reading
HASH_SHARES = 8  # enough to even out unequal shares on a few cores
CHECKED_APART = 5000  # files in output/ from which a worker looks at them (0.1 s at 19,000)


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


@dataclass(frozen=True)
class Inputs:
    """Everything a publish reads, as found when it starts, beside what the last publish noted."""

    day: str  # the build date
    table: dict[str, list]  # file -> [size, modification time, content hash]; folders end in "/"
    last: dict | None  # the last publish's record, while its output is as it left it

    def unchanged(self) -> dict | None:
        """The last publish's record, if nothing changed since: the same day, the same files with
        the same contents (a file only touched keeps its content hash)."""
        last = self.last
        if not self.day or not last or last.get("day") != self.day:
            return None
        before, now = last["inputs"], self.table
        if before == now:  # every size and time as noted: compared in C, where a digest took 0.06 s
            return last
        if before.keys() != now.keys():
            return None
        return last if all(before[name][2] == entry[2] for name, entry in now.items()) else None

    def changed(self) -> tuple[str, set[str]] | None:
        """The name of the last publish's record, and the files changed, added or removed since;
        None when there is no usable record."""
        if not self.day or not self.last:
            return None
        before, now = self.last["inputs"], self.table
        changed = {name for name, entry in now.items() if name not in before or before[name][2] != entry[2]}
        return self.last.get("id", ""), changed | (before.keys() - now.keys())


def look(root: Path, day: str) -> Inputs:
    """The inputs as they are now. Like git's index, a file whose size and modification time are
    as last noted keeps its noted content hash, so an unchanged site is only looked at, not read."""
    try:
        with open(root / CACHE, "rb") as file, collector_paused():
            last = pickle.load(file)
        known = last["inputs"] if isinstance(last.get("inputs"), dict) else {}
    except (OSError, ValueError, AttributeError, KeyError, TypeError, EOFError, pickle.UnpicklingError, ImportError):
        last, known = None, {}
    table, intact = _scan(root, known, last.get("output", {}) if last is not None else None)
    return Inputs(day, table, last if intact else None)


def _scan(root: Path, known: dict[str, list], expected: dict[str, list[int]] | None) -> tuple[dict[str, list], bool]:
    """The inputs' table, and whether ``output/`` is as ``expected`` (None: nothing to compare with).

    On a large site a forked worker looks at ``output/`` and ``sources/`` while this process looks
    at the rest: most of the time is the kernel's, one ``stat`` per file (3 microseconds each
    here, 68,000 files at 10,000 articles), and two processes make two at once.
    """
    from pipeline.parallel import forks, map_forked  # standard library only

    folders = [root / name for name in _INPUTS] + [_PACKAGE]
    if expected is None:
        return _table(folders, known), False
    if len(expected) < CHECKED_APART or not forks(len(expected)):
        return _table(folders, known), _intact(root / "output", expected)
    apart, here = folders[:1], folders[1:]  # sources/ is about as many files as output/ less locales/
    mine: list[tuple[dict[str, list], list[tuple[str, str]]]] = []
    [(theirs, unknown, intact)] = map_forked(
        lambda _: (*_stats(apart, known), _intact(root / "output", expected)), 1, threshold=1,
        meanwhile=lambda: mine.append(_stats(here, known)))
    table = theirs | mine[0][0]
    return _hashed(table, unknown + mine[0][1]), intact


def _table(folders: list[Path], known: dict[str, list]) -> dict[str, list]:
    return _hashed(*_stats(folders, known))


def _stats(folders: list[Path], known: dict[str, list]) -> tuple[dict[str, list], list[tuple[str, str]]]:
    """The files below ``folders`` with their sizes and times, and those whose content hash is
    not known yet (name, path): their entries have an empty hash."""
    table: dict[str, list] = {}
    unknown: list[tuple[str, str]] = []
    for folder in folders:
        prefix = folder.name + "/"
        for rel, entry in _files(str(folder)).items():
            name = prefix + rel
            if entry is None:
                table[name + "/"] = [0, 0, ""]  # a folder: an empty one can matter too
                continue
            info = entry.stat()
            size, mtime = info.st_size, info.st_mtime_ns
            old = known.get(name)
            if old and old[0] == size and old[1] == mtime:
                table[name] = [size, mtime, old[2]]
            else:
                table[name] = [size, mtime, ""]
                unknown.append((name, entry.path))
    return table, unknown


def _hashed(table: dict[str, list], unknown: list[tuple[str, str]]) -> dict[str, list]:
    """``table`` with the content hashes of the ``unknown`` files filled in."""
    for (name, _), content in zip(unknown, _hashes([path for _, path in unknown])):
        table[name][2] = content
    return table


def _hashes(paths: list[str]) -> list[str]:
    """The content hashes of ``paths``; many of them (a first publish: 49,000 files at 10,000
    articles, 1.4 s) on all cores, in a few large shares: forking is cheap this early."""
    from pipeline.parallel import forks, map_forked  # standard library only: the no-op path stays light

    if len(paths) < HASHED_APART or not forks(len(paths)):
        return [_hash(path) for path in paths]
    size = -(-len(paths) // HASH_SHARES)
    parts = map_forked(lambda i: [_hash(path) for path in paths[i * size:(i + 1) * size]], HASH_SHARES, threshold=1)
    return [content for part in parts for content in part]


def _hash(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.blake2b(file.read(), digest_size=16).hexdigest()


def _files(folder: str, prefix: str = "", seen: set[tuple[int, int]] | None = None) -> dict[str, os.DirEntry | None]:
    """Files below ``folder`` by relative path; folders too (as None): an empty one can matter,
    such as the catalog folder of a new language.

    Symbolic links are followed, as the readers follow them: a source that is a link to a file
    elsewhere is looked at through it, so an edit there is a change (``stat`` follows it too),
    and so is a link made or pointed elsewhere (some readers refuse links: pictures).
    Each folder is entered once, by the first path that leads to it: links cannot make a loop,
    nor make the look grow with the number of paths (two links a level, 2^n)."""
    found: dict[str, os.DirEntry | None] = {}
    try:
        info = os.stat(folder)
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return found
    seen = set() if seen is None else seen
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        try:
            if entry.is_symlink():  # where it points is an input too: a link made or moved is a change
                found[f"{prefix}{entry.name} -> {os.readlink(entry.path)}"] = None
            if entry.is_dir():
                target = entry.stat()
                found[prefix + entry.name] = None
                if (target.st_dev, target.st_ino) not in seen:
                    found.update(_files(entry.path, prefix + entry.name + "/", seen))
            elif entry.is_file():
                found[prefix + entry.name] = entry
        except OSError:  # a link to nothing: the readers say what is wrong with it
            continue
    return found


def remembered(root: Path, day: str) -> dict | None:
    """The last publish's summary, if nothing changed since and its output is untouched."""
    return look(root, day).unchanged()


def new_record_id() -> str:
    """A name for a build's record, which pairs it with the snapshot written beside it (see ``snapshot``)."""
    return os.urandom(16).hex()


def remember(root: Path, inputs: Inputs, written: Iterable[str], summary: list[str], warnings: list[str],
             output_changed: Collection[str] | None = None, record_id: str | None = None) -> str:
    """Note what this publish read and wrote, for the next one to compare with; the record's name.

    The inputs are as the publish found them, but for the files it wrote itself. A file someone
    changed while it ran has another modification time than noted, so the next publish reads it.
    ``output_changed`` names the files below ``output/`` the publish wrote or removed: the
    others are the last publish's (hard links keep size and time), so only those are looked at.
    ``record_id`` is the name the build's snapshot was written under, if it was written first.
    """
    table = dict(inputs.table)
    for name in written:
        info = (root / name).stat()
        table[name] = [info.st_size, info.st_mtime_ns, _hash(str(root / name))]
        folder = name.rsplit("/", 1)[0]
        while "/" in folder:  # a folder the write made, such as that of the first stored translation
            table.setdefault(folder + "/", [0, 0, ""])
            folder = folder.rsplit("/", 1)[0]
    value = record_id or new_record_id()
    record = {"day": inputs.day, "id": value, "inputs": table,
              "output": _output_after(root / "output", inputs.last, output_changed),
              "summary": summary, "warnings": warnings}
    path = root / CACHE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_bytes(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except BaseException as exc:  # a full disk: no half-written record left behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # one met in write() names no file
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return value


def forget(root: Path) -> None:
    (root / CACHE).unlink(missing_ok=True)


def _output_stats(output: Path) -> dict[str, list[int]]:
    stats = {}  # in no particular order: it is only compared with another, as a whole
    for rel, entry in _files(str(output)).items():
        if entry is not None:
            info = entry.stat()
            stats[rel] = [info.st_size, info.st_mtime_ns]
    return stats


def _output_after(output: Path, last: dict | None, changed: Collection[str] | None) -> dict[str, list[int]]:
    if last is None or changed is None:
        return _output_stats(output)
    stats = dict(last["output"])
    for rel in changed:
        if any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")):
            continue  # not looked at by _output_stats either
        try:
            info = os.stat(output / rel)
            stats[rel] = [info.st_size, info.st_mtime_ns]
        except FileNotFoundError:
            stats.pop(rel, None)
    return stats


def _intact(output: Path, expected: dict[str, list[int]]) -> bool:
    return _output_stats(output) == expected
