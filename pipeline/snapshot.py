"""What the last publish decided, article by article, so that the next one redoes only what changed.

A publish with nothing changed is answered by ``buildcache`` alone. When only some articles'
own files changed (source, ledger, catalogs, stored translations), the orchestrator reads,
plans and renders those articles, and takes every other one from here: the article without its
body (enough for reviews, indexes, feeds and the sitemap), its pages, ledger, warnings, and the
files its pages left in ``output/``. Kept in ``.cache/`` beside the build record it belongs to,
and safe to delete: without it, the next publish is a full one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import catalogs, versions
from pipeline.files import write_atomic
from pipeline.gcpause import collector_paused
from pipeline.model import Article, Figure, Finding, HeldBack, Ledger, Page
from pipeline.published import published_path

SNAPSHOT = ".cache/snapshot"  # a head naming the shards, and the shards


@dataclass(frozen=True)
class ArticleBuild:
    """One article as the last publish left it."""

    article: Article  # dated, without body and references
    inputs: tuple[str, ...]  # the files it is made from, below the project root
    pages: tuple[Page, ...]  # its published pages, each article without body and references
    keys: dict[str, str]  # page path -> digest of the article it shows (what later stages key their work on)
    ledger: Ledger  # as written
    held_back: tuple[HeldBack, ...]  # its pages left out, and why
    findings: tuple[Finding, ...]  # entries in its catalogs for text the source never had
    checked: tuple[Finding, ...]  # translation QA of its catalogs
    images: tuple[str, ...]  # the figures it shows, below ``sources/``
    outputs: tuple[str, ...]  # the files its pages are, below ``output/``


@dataclass(frozen=True)
class Snapshot:
    """The articles of one build, by id."""

    digest: str  # the build record (``buildcache``) this snapshot belongs to
    articles: dict[str, ArticleBuild]
    written: frozenset[str]  # the input files the build itself wrote (catalogs, ledgers, stored translations)

    def changed_articles(self, changed: Iterable[str]) -> set[str] | None:
        """The articles to build again: those whose files changed since, or were written by the
        build itself (what it found in them, such as a hand-made entry now obsolete, is no longer
        so). None when any other file changed (a setting, a template, the program, a new source),
        which concerns every page."""
        owners = {name: article_id for article_id, built in self.articles.items() for name in built.inputs}
        found: set[str] = set()
        for name in (*changed, *self.written):
            if name not in owners:
                return None
            found.add(owners[name])
        return found


def light(article: Article) -> Article:
    """The article without what only its own page shows."""
    return replace(article, blocks=(), references=())


def inputs_of(article: Article, languages: Sequence[str]) -> tuple[str, ...]:
    """The files an article's pages are made from: nothing else is read for them but the site's own."""
    found = [article.origin.path, versions.ledger_path(article.id), catalogs.template_path(article.id)]
    for lang in (l for l in languages if l != article.source_lang):
        found += [catalogs.catalog_path(lang, article.id), published_path(lang, article.id)]
    return tuple(found)


def domain_of(finding: Finding) -> str:
    """The catalog domain a finding is about: ``locales/de/LC_MESSAGES/x.po`` -> ``x``."""
    return finding.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def article_build(article: Article, languages: Sequence[str], pages: Sequence[Page], keys: Mapping[str, str],
                  ledger: Ledger, held_back: Sequence[HeldBack], findings: Sequence[Finding],
                  checked: Sequence[Finding], outputs: Sequence[str]) -> ArticleBuild:
    """One article of a build, made light."""
    stub = light(article)  # also the article of its page in its own language: pickled once
    return ArticleBuild(
        article=stub,
        inputs=inputs_of(article, languages),
        pages=tuple(replace(p, article=stub if p.article is article else light(p.article)) for p in pages),
        keys={p.path: keys[p.path] for p in pages},
        ledger=ledger,
        held_back=tuple(replace(h, article=light(h.article)) if h.article else h for h in held_back),
        findings=tuple(findings),
        checked=tuple(checked),
        images=tuple(sorted({b.src for b in article.blocks if isinstance(b, Figure)})),
        outputs=tuple(outputs),
    )


def load(root: Path, digest: str) -> Snapshot | None:
    """The snapshot of the build recorded as ``digest``, if there is one."""
    try:
        with open(root / SNAPSHOT / HEAD, "rb") as file:
            head = pickle.load(file)
        if not isinstance(head, _Head) or head.digest != digest:
            return None
        articles: dict[str, ArticleBuild] = {}
        with collector_paused():
            for name in head.shards:
                with open(root / SNAPSHOT / name, "rb") as file:
                    articles.update(pickle.load(file))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None
    return Snapshot(digest, dict(sorted(articles.items())), head.written)


def save(root: Path, snapshot: Snapshot, fresh: Collection[str] | None = None,
         confirmed: Iterable[tuple[str, str, str]] = ()) -> None:
    """Write the snapshot; with ``fresh``, only the shards holding those articles are new, and
    the others are still those of the snapshot before (a publish that read one article writes
    one shard of 64). The head names the shards, so a reader never mixes two snapshots.

    ``confirmed`` are the translated units (language, source language, msgid) of the articles
    built: of all of them, or with ``fresh``, of those read again (added to what was noted).
    """
    folder = root / SNAPSHOT
    folder.mkdir(parents=True, exist_ok=True)
    old: tuple[str, ...] = ()
    if fresh is not None:
        try:
            with open(folder / HEAD, "rb") as file:
                old = pickle.load(file).shards
            if not (folder / CONFIRMED).is_file():
                raise FileNotFoundError(CONFIRMED)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
            forget(root)  # what the articles not built now had translated is lost: no snapshot at all
            return
    keys = b"".join(_confirmed_key(*unit) for unit in confirmed)
    if fresh is None:
        write_atomic(folder / CONFIRMED, keys)
    else:
        with open(folder / CONFIRMED, "ab") as file:
            file.write(keys)
    kept = {int(name.split("-")[0]): name for name in old}
    groups: dict[int, dict[str, ArticleBuild]] = {}
    for article_id, built in snapshot.articles.items():
        groups.setdefault(_shard(article_id), {})[article_id] = built
    dirty = set(groups) if fresh is None else {_shard(i) for i in fresh} | (set(groups) ^ set(kept))
    names = {number: kept[number] for number in groups if number not in dirty}
    token = os.urandom(6).hex()  # new shards never take the name of one the head on disk still names
    for number in sorted(dirty & set(groups)):
        names[number] = f"{number:02d}-{token}.pickle"
        _write(folder / names[number], groups[number])
    _write(folder / HEAD, _Head(snapshot.digest, tuple(names[n] for n in sorted(names)), snapshot.written))
    for entry in os.scandir(folder):  # shards no head names any more
        if entry.name not in (HEAD, CONFIRMED) and entry.name not in names.values():
            os.unlink(entry.path)


def could_fill(root: Path, wanted: Iterable[tuple[str, str, str]]) -> bool:
    """Whether an article not read again may hold a translation for one of the ``wanted`` units
    (language, source language, msgid); True where that is not known."""
    try:
        noted = (root / SNAPSHOT / CONFIRMED).read_bytes()
    except OSError:
        return True
    # A key found across two others' bytes only makes this say True, which is always safe.
    return any(_confirmed_key(*unit) in noted for unit in wanted)


def forget(root: Path) -> None:
    shutil.rmtree(root / SNAPSHOT, ignore_errors=True)


@dataclass(frozen=True)
class _Head:
    digest: str
    shards: tuple[str, ...]  # file names, each holding the articles of one shard
    written: frozenset[str]


HEAD = "head.pickle"
# Short hashes of every unit some article's catalog has translated, as noted by the builds since
# the last full one: a unit new to a catalog can only be filled from another article when that
# article has it translated. Only ever added to between full builds, so it says too much, never too little.
CONFIRMED = "confirmed.bin"
_SHARDS = 64


def _shard(article_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=2).digest(), "big") % _SHARDS


def _confirmed_key(lang: str, source_lang: str, msgid: str) -> bytes:
    return hashlib.blake2b(f"{lang}\0{source_lang}\0{msgid}".encode(), digest_size=8).digest()


def _write(path: Path, value: object) -> None:
    write_atomic(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def unchanged_files(carried: Iterable[ArticleBuild]) -> set[str]:
    """The files below ``output/`` that the articles not built again left as they should be."""
    return {path for built in carried for path in (*built.outputs, *built.images)}
