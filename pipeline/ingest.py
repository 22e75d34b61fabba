"""Ingest: an article from a web page or a plain-text export becomes ``sources/<id>.md``; a
translated page fills the article's catalog. Everything is fetched and checked before any
file is written, so a failure leaves every file as it was."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import secrets
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import catalogs
from pipeline import images as pictures
from pipeline.cleantext import remove_forbidden_everywhere
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PipelineError
from pipeline.fetch import Fetched, Limits, TooLarge, fetch, fetch_image
from pipeline.files import write_atomic
from pipeline.imported import ImportedPage
from pipeline.model import Article, Figure, Heading, Origin, Paragraph, Reference, ReviewDate, Segment, Text
from pipeline.pofile import Entry, PoFile
from pipeline.qa import check_entry
from pipeline.read_html import read_html
from pipeline.read_text import read_text
from pipeline.segment import segments
from pipeline.sources import SOURCES, read_article, read_sources
from pipeline.writer import to_markdown


class IngestError(PipelineError):
    """An import that cannot go ahead: names the page or file and what to do."""


@dataclass(frozen=True)
class Imported:
    """What ingest made of a page, for the editor to check."""

    path: str  # the source file written, e.g. sources/3f8a2c71.md
    article: Article  # the article as written
    status: str  # "new", "changed" or "unchanged"
    found: tuple[str, ...]  # what was found, one line each
    dropped: tuple[str, ...]  # what was left out as site boilerplate
    notes: tuple[str, ...]  # what the editor should look at
    fetched: Fetched  # the page as it arrived (validators for the next sync)


@dataclass(frozen=True)
class Aligned:
    """What a translated page added to a catalog."""

    path: str  # the .po file
    status: str  # "new", "changed" or "unchanged"
    confident: int  # pairs taken as translations
    doubtful: int  # pairs taken as fuzzy translations
    kept: int  # units a translator had translated, left alone
    unmatched: tuple[str, ...]  # source units with no counterpart on the page
    fetched: Fetched  # the page as it arrived


READERS = {"text/html": read_html, "text/plain": read_text}


def ingest(root: Path, address: str, lang: str | None = None, article_id: str | None = None,
           title: str | None = None, force: bool = False, today: dt.date | None = None,
           limits: Limits = Limits(), fetched: Fetched | None = None) -> Imported:
    """Read one article from ``address`` and write it as a source, with its pictures.

    The page and all its pictures share one deadline (``limits.import_deadline``, or the end a
    caller such as sync already set), a count and a byte budget, whatever the page holds.
    """
    config = load_config(root)
    limits = with_site_hosts(limits, config).within(limits.import_deadline, "one import")
    fetched = fetched or fetch(address, limits=limits)
    page = READERS[fetched.media_type](fetched.text, fetched.url)
    lang = _language(lang, page, config, address)
    article_id = article_id or secrets.token_hex(4)
    path = f"{SOURCES}/{article_id}.md"
    if (root / path).exists() and not force:
        raise IngestError(f"{path} exists already; pass --force to replace it (the change becomes a new version)",
                          address)
    notes: list[str] = []
    blocks, images = _pictures(page, article_id, limits, notes, fetched.url)
    article = _article(page, blocks, article_id, lang, title, config, today or dt.date.today(), path, notes)
    article, removed = remove_forbidden_everywhere(article)  # before JSON and YAML escapes would hide them
    markdown = to_markdown(article)
    if removed:
        notes.append(f"removed {removed} control character(s) that no page or feed can carry")
    read_article(path, markdown, config)  # what we write must read back; a bug here must not reach sources/
    old = (root / path).read_text(encoding="utf-8") if (root / path).exists() else None
    for image, data in images.items():
        write_atomic(root / SOURCES / image, data)
    if old != markdown:
        write_atomic(root / path, markdown.encode("utf-8"))
    status = "new" if old is None else "unchanged" if old == markdown else "changed"
    return Imported(path, article, status, _found(article), page.dropped, tuple(notes), fetched)


def with_site_hosts(limits: Limits, config: SiteConfig) -> Limits:
    """The limits widened by the internal hosts the site allows (``ingest_allow_hosts``)."""
    return replace(limits, allow_hosts=limits.allow_hosts + config.ingest_allow_hosts)


def _language(lang: str | None, page: ImportedPage, config: SiteConfig, address: str) -> str:
    lang = lang or page.lang
    if lang not in config.languages:
        raise IngestError(f"the page's language is {lang or 'not declared'}; pass --lang with one of "
                          f"{', '.join(config.languages)}", address)
    return lang


def _pictures(page: ImportedPage, article_id: str, limits: Limits, notes: list[str],
              address: str) -> tuple[tuple, dict[str, bytes]]:
    """Figures pointing into sources/images/, with the pictures fetched (or noted as missing).

    A remote page may only point at pictures on the web: never at a file on this computer. A page
    with more pictures than one import takes is refused before any is fetched, not cut short: an
    article missing some of its figures would read as complete.
    """
    images: dict[str, bytes] = {}
    blocks = []
    number = 0
    remote = address.startswith(("http://", "https://"))
    wanted = sum(1 for block in page.blocks if isinstance(block, Figure) and block.src)
    if wanted > limits.max_pictures:
        raise IngestError(f"the page has {wanted} pictures, more than the {limits.max_pictures} one import takes; "
                          "nothing was imported; save the page, keep the pictures the article needs and import "
                          "the file", address)
    for block in page.blocks:
        if isinstance(block, Figure):
            number += 1
            name = f"images/{article_id}-{number}"
            if block.src and remote and not block.src.startswith(("http://", "https://")):
                raise IngestError(f"the page points at the picture {block.src!r}, which is not on the web; "
                                  "a remote page may not read files here", address)
            if block.src:
                data, suffix = _fetch_picture(block.src, limits, sum(map(len, images.values())), address)
                images[name + suffix] = _checked_picture(name + suffix, data, block.src, notes)
                block = replace(block, src=name + suffix)
            else:
                block = replace(block, src=name + ".jpg")
                notes.append(f"add the picture sources/{name}.jpg ({block.alt.value[:50]}): the export has none")
        blocks.append(block)
    return tuple(blocks), images


def _fetch_picture(src: str, limits: Limits, used: int, address: str) -> tuple[bytes, str]:
    """One picture's bytes and suffix, read no further than what the import's byte budget has left."""
    left = limits.max_picture_bytes - used
    try:  # the reader resolved src against the page
        return fetch_image(src, replace(limits, max_bytes=max(0, min(limits.max_bytes, left))))
    except TooLarge:
        if left >= limits.max_bytes:
            raise  # too large on its own
        raise IngestError(f"the page's pictures together are larger than the {limits.max_picture_bytes // 1024} KB "
                          f"one import takes (reached at {src[:200]}); nothing was imported", address) from None


def _checked_picture(src: str, data: bytes, address: str, notes: list[str]) -> bytes:
    """A fetched picture as it may be stored: bytes of the format its type promised; an SVG with
    what a picture may not carry removed, and noted for the editor. Refused otherwise."""
    kind = pictures.SUFFIXES[src[src.rindex("."):]]
    problem = pictures.format_problem(kind, data)
    if problem:
        raise IngestError(f"the picture {problem}; nothing was imported",
                          address)
    if kind == "SVG":
        try:
            data, removed = pictures.sanitize_svg(data)
            pictures.check_svg(data, address)  # what is stored must pass what publish will check
        except (pictures.SvgRefused, PipelineError) as exc:
            reason = exc.reason if isinstance(exc, pictures.SvgRefused) else exc.message
            raise IngestError(f"the picture cannot be published: {reason}; nothing was imported", address) from None
        if removed:
            shown = "; ".join(removed[:5]) + (f"; and {len(removed) - 5} more" if len(removed) > 5 else "")
            notes.append(f"removed from sources/{src} what a picture may not carry: {shown}")
    return data


def _article(page: ImportedPage, blocks: tuple, article_id: str, lang: str, title: str | None,
             config: SiteConfig, today: dt.date, path: str, notes: list[str]) -> Article:
    origin = Origin(path, 1)
    if not (title or page.title):
        notes.append("no title found: the first heading is used; pass --title to set one")
    title_text = title or page.title or next((b.text.value for b in blocks if isinstance(b, Heading)), article_id)
    summary = page.summary or _first_sentences(blocks)
    if not page.summary:
        notes.append("no summary found: the first paragraph's opening is used; edit 'summary'")
    created = page.created or today
    if not page.created:
        notes.append(f"no 'Created on' date found: {created} is used")
    review = page.next_review or ReviewDate(created.year + 3)
    if not page.next_review:
        notes.append(f"no planned update found: {review} is set; check 'next_review'")
    notes.append("no topics are set: add them to 'topics'")
    return Article(
        id=article_id, lang=lang, source_lang=lang, slugs={l: slugify(title_text) or article_id for l in config.languages},
        title=Text(" ".join(title_text.split()), origin), summary=Text(summary, origin), blocks=blocks,
        references=tuple(Reference(r, config.reference_language) for r in page.references), topics=(),
        created=created, updated=page.updated if page.updated and page.updated >= created else None,
        next_review=review, sample=False, origin=origin,
    )


def _first_sentences(blocks: tuple, limit: int = 300) -> str:
    text = next((b.text.value for b in blocks if isinstance(b, Paragraph)), "")
    text = re.sub(r"[*_`\\]|\]\([^)]*\)|\[", "", text)  # summaries are plain text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    summary = ""
    for sentence in sentences:
        if summary and len(summary) + len(sentence) > limit:
            break
        summary = f"{summary} {sentence}".strip()
    return summary or "Summary to be written."


def slugify(text: str) -> str:
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words)[:60].strip("-")


def _found(article: Article) -> tuple[str, ...]:
    kinds = [s.kind for s in segments(article)]
    figures = [b for b in article.blocks if isinstance(b, Figure)]
    dates = f"created {article.created}" + (f", updated {article.updated}" if article.updated else "")
    return (
        f"title: {article.title.value}",
        f"headings: {kinds.count('heading')}; paragraphs: {kinds.count('paragraph')}; "
        f"list items: {kinds.count('list item')}; table cells: {kinds.count('table cell') + kinds.count('table header')}",
        f"figures: {len(figures)} ({sum(1 for f in figures if f.caption)} with a caption)",
        f"references: {len(article.references)}",
        f"dates: {dates}, next planned update {article.next_review}",
    )


# ---------------------------------------------------------------- existing translations

def ingest_translation(root: Path, address: str, source_id: str, lang: str, force: bool = False,
                       limits: Limits = Limits(), fetched: Fetched | None = None) -> Aligned:
    """Align a translated page with an article's units and fill its catalog for ``lang``."""
    config = load_config(root)
    source = next((a for a in read_sources(root, config) if a.id == source_id), None)
    if source is None:
        raise IngestError(f"no article with id '{source_id}' in sources/", address)
    if lang == source.source_lang or lang not in config.languages:
        raise IngestError(f"--lang must be a target language of {source_id} (not {lang})", address)
    fetched = fetched or fetch(address, limits=with_site_hosts(limits, config))
    page, _ = remove_forbidden_everywhere(READERS[fetched.media_type](fetched.text, fetched.url))  # before a catalog holds them
    pairs, unmatched = align(segments(source), _page_units(page, source, lang), source.source_lang, lang)
    path = catalogs.catalog_path(lang, source_id)
    old = (root / path).read_bytes() if (root / path).exists() else None
    if old is None:
        raise IngestError(f"{path} does not exist yet; run 'make catalogs' first", address)
    po = catalogs.parse(path, old, lang)
    po, confident, doubtful, kept = _fill(po, pairs, force, fetched.url)
    data = catalogs.serialize(po)
    if data != old:
        write_atomic(root / path, data)
    status = "unchanged" if data == old else "changed"
    return Aligned(path, status, confident, doubtful, kept, tuple(s.msgid for s in unmatched), fetched)


def _page_units(page: ImportedPage, source: Article, lang: str) -> tuple[Segment, ...]:
    """The page's units in the same order and with the same kinds as the article's."""
    origin = Origin(page.title or "", 0)
    shadow = replace(source, lang=lang, title=Text(page.title or "", origin),
                     summary=Text(page.summary or "", origin), blocks=page.blocks)
    return segments(shadow)


def align(source: tuple[Segment, ...], page: tuple[Segment, ...], source_lang: str = "en",
          target_lang: str = "de") -> tuple[list[tuple[Segment, Segment, bool]], list[Segment]]:
    """Pair source units with page units by structure and order; each pair says if it is sure.

    A pair is sure when both stand in a stretch of the same kinds of unit and share their
    numbers and link targets and have a plausible length; anything else is doubtful.
    """
    kinds_a, kinds_b = [s.kind for s in source], [s.kind for s in page]
    pairs: list[tuple[Segment, Segment, bool]] = []
    matched: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, kinds_a, kinds_b, autojunk=False).get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        for offset in range(min(i2 - i1, j2 - j1)):
            a, b = source[i1 + offset], page[j1 + offset]
            sure = tag == "equal" and _agree(a.msgid, b.msgid, source_lang, target_lang)
            pairs.append((a, b, sure))
            matched.add(i1 + offset)
    return pairs, [s for i, s in enumerate(source) if i not in matched]


def _agree(source: str, target: str, source_lang: str, target_lang: str) -> bool:
    if not source or not target:
        return False
    ratio = len(target) / len(source)
    return 0.4 <= ratio <= 2.5 and not any(kind in ("i18n.number-mismatch", "i18n.number-format", "i18n.link-mismatch")
                                           for kind, _ in check_entry(Entry(source, target), source_lang, target_lang))


def _fill(po: PoFile, pairs: list[tuple[Segment, Segment, bool]], force: bool,
          address: str) -> tuple[PoFile, int, int, int]:
    best: dict[str, tuple[str, bool]] = {}
    for a, b, sure in pairs:
        if b.msgid and a.msgid not in best:
            best[a.msgid] = (b.msgid, sure)
    confident = doubtful = kept = 0
    entries = []
    for entry in po.entries:
        found = best.get(entry.msgid)
        if entry.obsolete or found is None:
            entries.append(entry)
        elif entry.translated and not force:
            kept += 1
            entries.append(entry)
        else:
            text, sure = found
            flags = tuple(f for f in entry.flags if f != "fuzzy") if sure else ("fuzzy",) + tuple(
                f for f in entry.flags if f != "fuzzy")
            note = () if sure else (f"Imported from {address}; the pairing is uncertain: check it.",)
            entries.append(replace(entry, msgstr=text, flags=flags, previous=None,
                                   comments=tuple(c for c in entry.comments if not c.startswith("Imported from")) + note))
            confident += sure
            doubtful += not sure
    return PoFile(po.header, tuple(entries)), confident, doubtful, kept

