"""Read source articles: ``sources/*.md``, a YAML front matter block and a CommonMark body.

Every problem is reported with ``sources/<file>.md:<line>``, all of a run at once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline import images
from pipeline.articlejson import fingerprint
from pipeline.body import normalize, parse_body
from pipeline.cleantext import check_control, check_reference, check_value, describe, forbidden_in_name
from pipeline.config import LANGUAGE_CODE, SiteConfig
from pipeline.errors import PipelineError, SourceError, raise_all
from pipeline.model import Article, Figure, Origin, Reference, ReviewDate, Text
from pipeline.memo import Memo
from pipeline.parallel import as_sent, map_forked
from pipeline.readfile import SOURCE_LIMIT, read_input

SOURCES = "sources"
# \Z, not $: "$" also matches before a final newline, and a slug "x\n" would name a file "x\n.html".
ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}\Z")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
RESERVED_NAMES = {"site", "index", "feed", "topics", "images", "style", "newsletter", "sitemap", "robots"}
_REQUIRED = ("id", "lang", "title", "summary", "topics", "created", "next_review", "references")
_OPTIONAL = ("updated", "slug", "sample", "change", "change_note")
_REPORTED = object()  # a field whose problem is already reported
# libyaml's parser where PyYAML was built with it: eight times faster, with the same nodes and
# marks. Its error messages say less, so a front matter it refuses is read again by PyYAML's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_REVIEW = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
# Front matter is a flat mapping with lists and small tables in it; deeper nesting is a mistake
# or an attack (900 levels overflow PyYAML's recursive composer).
MAX_DEPTH = 20


@dataclass(frozen=True)
class _Field:
    """A front matter value with the line its key stands on."""

    value: object
    line: int
    node: yaml.Node


@dataclass(frozen=True)
class SourceSet:
    """The articles, with what later stages key their own work on."""

    articles: tuple[Article, ...]  # sorted by id
    marks: dict[str, str]  # id -> fingerprint of the text a reader reads (see ``articlejson.fingerprint``)
    digests: dict[str, str]  # id -> hash of the file, the settings and the program: it names the parse


def read_sources(root: Path, config: SiteConfig) -> tuple[Article, ...]:
    """Every article below ``root/sources``, sorted by id; all problems raised together."""
    return read_source_set(root, config).articles


def read_source_set(root: Path, config: SiteConfig, only: Collection[str] | None = None,
                    others: Sequence[Article] = ()) -> SourceSet:
    """Every article below ``root/sources`` with its fingerprint and digest; problems raised together.

    ``only`` names the files to read (``sources/x.md``) when the ``others`` are known already:
    ids and slugs must still be unique among all of them.
    """
    memo = Memo(root, "sources")
    context = repr(config)
    names = _markdown_files(root / SOURCES) if only is None else sorted(p.removeprefix(f"{SOURCES}/") for p in only)
    raise_all(_bad_names(names))
    jobs = [(f"{SOURCES}/{name}", _read_bytes(f"{root}/{SOURCES}/{name}", f"{SOURCES}/{name}"), config) for name in names]
    keys = [memo.key(data, rel + context) for rel, data, _ in jobs]
    known = [memo.get(key) for key in keys]
    missing = [(job, key) for job, key, hit in zip(jobs, keys, known) if hit is None]

    def read(index: int) -> tuple[Article, str] | list[PipelineError]:
        job, key = missing[index]
        result = _read_one(job)
        if isinstance(result, tuple):  # kept by the worker: the parent would do all of them one after another
            return as_sent(result, memo.put(key, result))
        return result

    fresh = iter(map_forked(read, len(missing)))
    problems: list[PipelineError] = []
    found: list[tuple[Article, str, str]] = []
    with images.Pictures(root) as pictures:
        for key, hit in zip(keys, known):
            result = hit if hit is not None else next(fresh)
            if isinstance(result, tuple):
                article, mark = result
                problems.extend(_missing_images(article.origin.path, article.blocks, root, pictures))
                found.append((article, mark, key))
            else:
                problems.extend(result)
    articles = tuple(a for a, _, _ in found)
    problems.extend(_duplicates(sorted((*articles, *others), key=lambda a: a.origin.path), config))
    raise_all(problems)
    found.sort(key=lambda item: item[0].id)
    return SourceSet(tuple(a for a, _, _ in found), {a.id: m for a, m, _ in found}, {a.id: k for a, _, k in found})


def _markdown_files(folder: Path) -> list[str]:
    """The names of the ``.md`` files in ``folder``, sorted; hidden ones (an editor's backup) left out.

    Folders are left out, but nothing else: a link to ``/dev/zero`` or a FIFO named ``x.md`` is
    refused when read, not skipped, so an article never drops off the site without a word."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".md") and not e.name.startswith(".")
                          and not e.is_dir())
    except FileNotFoundError:
        return []


def _bad_names(names: list[str]) -> list[PipelineError]:
    """Refuse a file name holding a newline, a control character or bytes that are not UTF-8:
    every message names the file, and a name that breaks its line breaks the message."""
    problems: list[PipelineError] = []
    for name in names:
        found = forbidden_in_name(name)
        if found:  # a byte that is not UTF-8 arrives as a lone surrogate (os.fsdecode)
            what = "a byte that is not UTF-8" if "\udc80" <= found.group() <= "\udcff" else describe(found.group())
            problems.append(SourceError(f"the file name holds {what}; rename the file "
                                        "(the article's id, not its file name, makes its address)", f"{SOURCES}/{name}"))
    return problems


def _read_bytes(path: str, shown: str) -> bytes:
    """A source's bytes: a regular file of at most ``MAX_BYTES``, else one line naming it."""
    try:
        return read_input(path, shown, MAX_BYTES, SourceError)
    except FileNotFoundError:  # a dangling link, or a file deleted while the run started
        raise SourceError("the file is missing (a symbolic link to nothing?); restore it or delete the link",
                          shown) from None


def _read_one(job: tuple[str, bytes, SiteConfig]) -> tuple[Article, str] | list[PipelineError]:
    rel, data, config = job
    try:
        article = read_article(rel, _decode(data, rel), config)
        return article, fingerprint(article)
    except PipelineError as exc:
        return list(getattr(exc, "problems", (exc,)))


MAX_BYTES = SOURCE_LIMIT  # far more than any article; a bigger file is a mistake (a pasted export, a binary)


def _decode(data: bytes, path: str) -> str:
    if len(data) > MAX_BYTES:
        raise SourceError(f"the file is {len(data) / 2**20:.1f} MB; an article may be at most "
                          f"{MAX_BYTES // 2**20} MB", path, 1)
    try:
        text = data.decode("utf-8-sig")  # a BOM from a Windows editor is accepted
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError("not valid UTF-8; save the file as UTF-8", path, line) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    check_control(text, path, SourceError)
    return text


def read_article(path: str, text: str, config: SiteConfig, root: Path | None = None) -> Article:
    """One article from its text; ``root``, when given, lets figures be checked on disk."""
    front, body, offset = _split(path, text)
    fields, problems = _front_matter(path, front)
    blocks, body_problems = parse_body(body, path, offset)
    problems += body_problems
    if root is not None:
        problems += _missing_images(path, blocks, root)
    article = _article(path, fields, blocks, config, problems)
    raise_all(problems)
    assert article is not None
    return article


def _split(path: str, text: str) -> tuple[str, str, int]:
    lines = text.split("\n")
    if not text.strip():
        raise SourceError("the file is empty; an article starts with a '---' front matter block", path, 1)
    if lines[0].strip() != "---":
        raise SourceError("an article must start with a '---' line opening its front matter", path, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1
    raise SourceError("the front matter is never closed; add a '---' line after it", path, 1)


def _front_matter(path: str, front: str, loader_class: type = _LOADER) -> tuple[dict[str, _Field], list[PipelineError]]:
    loader = None
    try:
        _check_events(path, front, loader_class)
        loader = loader_class(front)
        node = loader.get_single_node()
        if node is None or not isinstance(node, yaml.MappingNode):
            raise SourceError("the front matter must be 'key: value' lines", path, 2)
        fields: dict[str, _Field] = {}
        problems: list[PipelineError] = []
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 2
            if not isinstance(key_node, yaml.ScalarNode):  # "? [a, b]": its value is a list of nodes
                problems.append(SourceError("a front matter key must be a plain word, such as 'title'", path, line))
                continue
            if key in fields:
                problems.append(SourceError(f"'{key}' is given twice (first on line {fields[key].line})", path, line))
                continue
            try:
                _check_scalars(path, key_node)
                _check_scalars(path, value_node)
                fields[key] = _Field(loader.construct_object(value_node, deep=True), line, value_node)
            except SourceError as exc:
                problems.append(exc)
                fields[key] = _Field(_REPORTED, line, value_node)
            except ValueError as exc:  # e.g. 2022-02-30: YAML reads it as a date that cannot be
                problems.append(SourceError(f"'{key}' is not a possible value: {exc}", path, line))
                fields[key] = _Field(_REPORTED, line, value_node)
        return fields, problems
    except yaml.YAMLError as exc:
        if loader_class is not yaml.SafeLoader:  # PyYAML's own parser names the culprit: "unknown escape character 'q'"
            return _front_matter(path, front, yaml.SafeLoader)
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        reason = getattr(exc, "problem", None) or str(exc)
        raise SourceError(f"front matter is not valid YAML: {reason}", path, line) from exc
    finally:
        if loader is not None:
            loader.dispose()


def _check_events(path: str, front: str, loader_class: type) -> None:
    """Refuse anchors, aliases and deep nesting from the parser's events, before any node is
    made: an alias expands to its whole anchor (600 bytes of them made 8 GB), and the composer
    recurses once per level. The parser itself keeps a stack, not the call stack."""
    loader = loader_class(front)
    try:
        depth = 0
        while (event := loader.get_event()) is not None:
            line = event.start_mark.line + 2
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise SourceError("YAML anchors and aliases (&name, *name) are not supported in front matter; "
                                  "write the value out", path, line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SourceError(f"the front matter nests lists or tables more than {MAX_DEPTH} levels "
                                      "deep; write it as 'key: value' lines", path, line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def _check_scalars(path: str, node: yaml.Node) -> None:
    """Refuse a forbidden character in any scalar after YAML decoded its escapes (``"\\a"``,
    ``"\\uFFFE"``), or a reference to one (``&#12;``), at the line the scalar starts on. The
    node tree is at most ``MAX_DEPTH`` deep and has no aliases (``_check_events``)."""
    if isinstance(node, yaml.ScalarNode):  # only a double-quoted scalar has escapes: the rest was checked raw
        check = check_value if node.style == '"' else check_reference
        check(str(node.value), path, node.start_mark.line + 2, SourceError, "this value")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_scalars(path, item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _check_scalars(path, key)
            _check_scalars(path, value)


class _Checker:
    """Checks front matter fields one by one, noting every problem."""

    def __init__(self, path: str, fields: dict[str, _Field], problems: list[PipelineError]):
        self.path, self.fields, self.problems = path, fields, problems

    def fail(self, key: str, message: str) -> None:
        field = self.fields.get(key)
        if field is not None and field.value is _REPORTED:
            return
        self.problems.append(SourceError(message, self.path, field.line if field else 1))

    def raw(self, key: str) -> str | None:
        """A scalar as written, so that `id: 0123` stays text."""
        field = self.fields.get(key)
        if field is None:
            return None
        if not isinstance(field.node, yaml.ScalarNode) or not str(field.node.value).strip():
            self.fail(key, f"'{key}' must be a single text value")
            return None
        return str(field.node.value).strip()

    def text(self, key: str) -> Text | None:
        value = self.fields[key].value if key in self.fields else None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"'{key}' must be a non-empty text")
            return None
        return Text(normalize(value), Origin(self.path, self.fields[key].line))

    def date(self, key: str) -> dt.date | None:
        value = self.fields[key].value if key in self.fields else None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.fail(key, f"'{key}' must be a date written YYYY-MM-DD, e.g. 2022-06-02")
            return None
        return value


def _article(path: str, fields: dict[str, _Field], blocks, config: SiteConfig,
             problems: list[PipelineError]) -> Article | None:
    check = _Checker(path, fields, problems)
    for key in fields:
        if key not in _REQUIRED + _OPTIONAL:
            check.fail(key, f"unknown field '{key}'; known fields: {', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        if key not in fields:
            problems.append(SourceError(f"the front matter lacks the required field '{key}'", path, 1))
    article_id = _id(check)
    lang = _lang(check, config)
    title, summary = check.text("title"), check.text("summary")
    created = check.date("created")
    updated = check.date("updated") if "updated" in fields else None
    if created and updated and updated < created:
        check.fail("updated", f"'updated' ({updated}) is before 'created' ({created})")
    review = _review(check, created)
    topics = _topics(check, config)
    references = _references(check, config)
    slugs = _slugs(check, config, article_id)
    sample = fields["sample"].value if "sample" in fields else False
    if not isinstance(sample, bool):
        check.fail("sample", "'sample' must be true or false")
    change = fields["change"].value if "change" in fields else "substantive"
    if change not in ("substantive", "editorial"):
        check.fail("change", "'change' must be 'substantive' or 'editorial' (a typo fix that moves no date)")
    note = check.text("change_note") if "change_note" in fields else None
    if problems or None in (article_id, lang, title, summary, created, review, topics, references, slugs):
        return None
    return Article(
        id=article_id, lang=lang, source_lang=lang, slugs=slugs, title=title, summary=summary,
        blocks=blocks, references=references, topics=topics, created=created, updated=updated,
        next_review=review, sample=bool(sample), origin=Origin(path, 1), change=change, change_note=note and note.value,
    )


def _id(check: _Checker) -> str | None:
    value = check.raw("id")
    if value is not None and (not ARTICLE_ID.match(value) or value in RESERVED_NAMES):
        check.fail("id", f"id '{value}' must be 3-64 lowercase letters, digits or '-' and not one of "
                   f"{', '.join(sorted(RESERVED_NAMES))}; mint it once and never change it")
        return None
    return value


def _lang(check: _Checker, config: SiteConfig) -> str | None:
    value = check.raw("lang")
    if value is not None and value not in config.languages:
        check.fail("lang", f"lang '{value}' is not a site language ({', '.join(config.languages)})")
        return None
    return value


def _review(check: _Checker, created: dt.date | None) -> ReviewDate | None:
    if "next_review" not in check.fields:
        return None
    value = check.fields["next_review"].value
    match = _REVIEW.match(str(value.isoformat() if isinstance(value, dt.date) else value))
    review = None
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            review = ReviewDate(year, month, day)
            review.last_day  # noqa: B018 -- validates month and day
        except ValueError:
            review = None
    if review is None:
        check.fail("next_review", f"'next_review' must be a year (2025), a month (2025-06) or a date "
                   f"(2025-06-30), not '{value}'")
    elif created and review.last_day < created:
        check.fail("next_review", f"'next_review' ({review}) is before 'created' ({created})")
        review = None
    return review


def _topics(check: _Checker, config: SiteConfig) -> tuple[str, ...] | None:
    value = check.fields["topics"].value if "topics" in check.fields else None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        check.fail("topics", "'topics' must be a list of topic keys, e.g. [veins, exercise]")
        return None
    unknown = [t for t in value if t not in config.topics]
    if unknown:
        check.fail("topics", f"unknown topic(s) {', '.join(unknown)}; add them to sources/site.toml "
                   f"or use one of: {', '.join(config.topics)}")
        return None
    return tuple(value)


def _references(check: _Checker, config: SiteConfig) -> tuple[Reference, ...] | None:
    field = check.fields.get("references")
    if field is None:
        return None
    if not isinstance(field.value, list):
        check.fail("references", "'references' must be a list, one '- \"citation\"' line per entry")
        return None
    references = []
    for item, node in zip(field.value, field.node.value):
        line = node.start_mark.line + 2
        if isinstance(item, dict) and set(item) <= {"text", "lang"} and isinstance(item.get("text"), str):
            lang = item.get("lang", config.reference_language)
            if not isinstance(lang, str) or not LANGUAGE_CODE.match(lang):
                check.problems.append(SourceError(f"a reference's 'lang' must be a language code like 'en' or 'de', "
                                                  f"not {lang!r}", check.path, line))
                return None
            references.append(Reference(item["text"].strip(), lang))
        elif isinstance(item, str) and item.strip():
            references.append(Reference(item.strip(), config.reference_language))
        else:
            check.problems.append(SourceError(
                "a reference must be a text, or 'text:' with an optional 'lang:'", check.path, line))
            return None
    return tuple(references)


def _slugs(check: _Checker, config: SiteConfig, article_id: str | None) -> dict[str, str] | None:
    value = check.fields["slug"].value if "slug" in check.fields else article_id
    if value is None:
        return None
    given = value if isinstance(value, dict) else {lang: value for lang in config.languages}
    slugs = {lang: str(given.get(lang, article_id)) for lang in config.languages}
    bad = sorted({s for s in slugs.values() if not SLUG.match(s) or s in RESERVED_NAMES})
    if bad or not isinstance(value, (str, dict)) or set(given) - set(config.languages):
        check.fail("slug", f"'slug' must be lowercase words joined by '-' (not {', '.join(sorted(RESERVED_NAMES))}), "
                   "either one for all languages or one per language code")
        return None
    return slugs


def _missing_images(path: str, blocks, root: Path, pictures: images.Pictures | None = None) -> list[PipelineError]:
    """What publish would refuse of the figures' pictures (see ``images``). ``pictures``, shared
    by all the articles of one reading of the sources, looks at each picture once."""
    if pictures is None:
        with images.Pictures(root) as pictures:
            return _missing_images(path, blocks, root, pictures)
    problems: list[PipelineError] = []
    for block in blocks:
        if isinstance(block, Figure):
            problems += pictures.problems(block.src, path, block.alt.origin.line)
    return problems


def _duplicates(articles: list[Article], config: SiteConfig) -> list[PipelineError]:
    problems: list[PipelineError] = []
    seen: dict[tuple[str, str], Article] = {}
    for article in articles:
        keys = [("id", article.id)] + [(f"slug ({lang})", slug) for lang, slug in article.slugs.items()]
        for key in keys:
            if key in seen:
                first = seen[key].origin.path
                problems.append(SourceError(f"{key[0]} '{key[1]}' is already used by {first}; "
                                            "each must be unique", article.origin.path, 1))
            else:
                seen[key] = article
    return problems
