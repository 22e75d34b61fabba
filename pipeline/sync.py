"""Keeping remote articles in sync: ``sources/remote.toml`` lists the pages, ``make ingest``
fetches each (conditionally), re-imports what changed and reports every page's outcome.

What the pages looked like when last fetched (validators, and a hash of the source file as
written) is kept in ``sources/remote-state.json``, so an unchanged page is not downloaded
again and a source edited by hand is never overwritten silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import line_of, load_config
from pipeline.errors import ConfigError, PipelineError
from pipeline.fetch import FetchError, Limits, fetch, read_local
from pipeline.files import write_atomic
from pipeline.ingest import ingest, ingest_translation, with_site_hosts
from pipeline.publish import update_catalogs

MANIFEST = "sources/remote.toml"
STATE = "sources/remote-state.json"
NEW, CHANGED, UNCHANGED, FAILED = "new", "changed", "unchanged", "failed"
MAX_MANIFEST_BYTES = 1024 * 1024  # a list of pages; a larger file is a mistake, not a manifest
MAX_STATE_BYTES = 16 * 1024 * 1024  # validators and hashes, a few hundred bytes per page


@dataclass(frozen=True)
class RemoteArticle:
    """One page listed in the manifest."""

    url: str  # where the page lives
    id: str  # the article's id (for a translation: the id of the article it translates)
    lang: str  # the page's language
    translation_of: bool  # True when the page is a translation of article ``id``


@dataclass(frozen=True)
class Outcome:
    """What syncing one page did."""

    remote: RemoteArticle  # the page
    status: str  # NEW, CHANGED, UNCHANGED or FAILED
    message: str  # what happened, for the editor


def read_manifest(root: Path) -> list[RemoteArticle]:
    text = _read_small(root, MANIFEST, MAX_MANIFEST_BYTES)
    if text is None:
        return []
    try:
        entries = tomllib.loads(text).get("article", [])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", MANIFEST) from exc
    except RecursionError:
        raise ConfigError("nested too deeply to read; list the pages as [[article]] tables", MANIFEST) from None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError("'article' must be a list of [[article]] tables, each with url, lang and id", MANIFEST,
                          line_of(text, "article"))
    found = []
    for entry in entries:
        url, lang = entry.get("url"), entry.get("lang")
        article_id = entry.get("translation_of") or entry.get("id")
        if not (isinstance(url, str) and isinstance(lang, str) and isinstance(article_id, str)):
            raise ConfigError("each [[article]] needs url, lang and id (or translation_of)", MANIFEST,
                              line_of(text, f'url = "{url}"', "") if url else None)
        found.append(RemoteArticle(url, article_id, lang, "translation_of" in entry))
    return found


def sync(root: Path, limits: Limits = Limits(), today: dt.date | None = None) -> list[Outcome]:
    """Fetch every listed page, originals first, and report each; failures do not stop the run."""
    remotes = read_manifest(root)
    if not remotes:
        return []
    state = _read_state(root)
    limits = with_site_hosts(limits, load_config(root)).within(limits.run_deadline, "one sync")
    outcomes = [_in_time(root, r, state, limits, today) for r in remotes if not r.translation_of]
    translations = [r for r in remotes if r.translation_of]
    if translations and any(o.status in (NEW, CHANGED) for o in outcomes):
        update_catalogs(root)  # a new original needs its catalogs before its translation can fill them
    outcomes += [_in_time(root, r, state, limits, today) for r in translations]
    write_atomic(root / STATE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return outcomes


def _in_time(root: Path, remote: RemoteArticle, state: dict, limits: Limits, today: dt.date | None) -> Outcome:
    """One page, if the run's deadline leaves time for it; the page and its pictures within one
    import's time, and never past the run's end (``limits.until``, set by ``sync``)."""
    if limits.until is not None and limits.until.moment <= time.monotonic():
        return Outcome(remote, FAILED, f"not fetched: the {limits.run_deadline:g} s allowed for one sync ran out; "
                                       "run the sync again for the rest")
    return _sync_one(root, remote, state, limits.within(limits.import_deadline, "one import"), today)


def _sync_one(root: Path, remote: RemoteArticle, state: dict, limits: Limits, today: dt.date | None) -> Outcome:
    target = root / (f"locales/{remote.lang}/LC_MESSAGES/{remote.id}.po" if remote.translation_of
                     else f"sources/{remote.id}.md")
    known = state.get(remote.url, {}) if target.exists() else {}
    try:
        fetched = fetch(remote.url, known.get("etag"), known.get("last_modified"), limits)
        if fetched.unchanged:
            return Outcome(remote, UNCHANGED, "not modified since the last sync (304)")
        if remote.translation_of:
            done = ingest_translation(root, remote.url, remote.id, remote.lang, limits=limits, fetched=fetched)
            message = f"{done.confident} units translated, {done.doubtful} to check, {len(done.unmatched)} unmatched"
            status = done.status
        else:
            if target.exists() and known.get("written") != _hash(target):
                raise PipelineError(f"sources/{remote.id}.md was edited here since the last sync; import it "
                                    "by hand with 'ingest --force' or remove it from sources/remote.toml")
            done = ingest(root, remote.url, remote.lang, remote.id, force=True, today=today, limits=limits,
                          fetched=fetched)
            message, status = done.path, done.status
        state[remote.url] = {"etag": fetched.etag, "last_modified": fetched.last_modified,
                             **({} if remote.translation_of else {"written": _hash(target)})}
        return Outcome(remote, NEW if not known and status != UNCHANGED else status, message)
    except PipelineError as exc:
        return Outcome(remote, FAILED, exc.message)


def _read_state(root: Path) -> dict:
    text = _read_small(root, STATE, MAX_STATE_BYTES)
    if text is None:
        return {}
    try:
        state = json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = exc if isinstance(exc, ValueError) else "nested too deeply"
        raise ConfigError(f"damaged ({reason}); delete it to fetch every page again", STATE) from exc
    if not isinstance(state, dict) or not all(isinstance(known, dict) for known in state.values()):
        raise ConfigError("damaged (not a table of pages); delete it to fetch every page again", STATE)
    return state


def _read_small(root: Path, name: str, limit: int) -> str | None:
    """A file of ours in sources/ as text, at most ``limit`` bytes; None when there is none."""
    if not (root / name).exists():
        return None
    try:
        return read_local(root / name, limit, name, "file").decode("utf-8")
    except FetchError as exc:
        raise ConfigError(exc.message, name) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 (byte {exc.start}); save it as UTF-8", name) from None


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
