"""Pages from records: Jinja2 templates with autoescape, every visible word from the ``site``
catalog. Renders in memory; the orchestrator writes."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import pickle
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from html import unescape
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin

import nh3
from babel import Locale
from babel.dates import format_date, format_skeleton
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from pipeline.config import SiteConfig
from pipeline.errors import TranslationMissing
from pipeline.memo import Memo
from pipeline.model import Figure, Heading, ListBlock, Page, Paragraph, ReviewDate, Table
from pipeline.newsletter import NEW, TRANSLATED, UPDATED, Issue, NewsItem
from pipeline.parallel import forks, map_forked

# Listed pages from which the indexes and the feeds are made side by side, when the article pages
# are few: at 19,000 they take 0.2 s each; below a few thousand a worker costs more than it saves.
LARGE_SITE = 5000
# Raw HTML off: a source or a translator's msgstr can never put markup of its own on a page.
_INLINE = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Link:
    """A link to another language, shown with that language's own name."""

    lang: str  # the language linked to
    href: str  # relative to the current page
    url: str  # absolute
    name: str  # the language's name, in that language ("Deutsch")


class SiteText:
    """Strict gettext for the templates: a missing message is an error, never a fallback."""

    def __init__(self, lang: str, messages: Mapping[str, str] | None):
        self.lang = lang
        self.messages = messages  # None: the templates' own language, shown as written

    def gettext(self, message: str) -> Markup:
        # Escaped here, so a translation is text, never markup; Jinja then fills in %(…)s.
        if self.messages is None:
            return escape(message)
        try:
            return escape(self.messages[message])
        except KeyError:
            raise TranslationMissing(f"no {self.lang} translation for site text {message!r}; "
                                     f"translate it in locales/{self.lang}/LC_MESSAGES/site.po") from None

    def plain(self, message: str) -> str:
        """The translation as plain text, for feeds and other non-HTML output."""
        return str(self.gettext(message).unescape())

    def ngettext(self, singular: str, plural: str, n: int) -> Markup:
        return self.gettext(singular if n == 1 else plural)


def render_site(pages: Sequence[Page], config: SiteConfig, texts: Mapping[str, SiteText],
                memo: Memo | None = None, keys: Mapping[str, str] | None = None,
                only: Collection[str] | None = None, write: Callable[[str, bytes], bool] | None = None,
                meanwhile: Callable[[], dict[str, bytes]] | None = None, beside: Callable[[], None] | None = None,
                ) -> tuple[dict[str, bytes], dict[str, bool], dict[str, bytes]]:
    """Every page of the site, the indexes and the stylesheet, keyed by path below ``output/``.

    With a ``memo``, an article's pages are rendered again only when something they show changed.
    ``keys`` (page path -> digest of the article shown) spare looking at the whole article for that.
    ``only`` names the article pages to render; the indexes list all ``pages`` all the same.
    With ``write``, article pages are handed to it where they are made (on the workers) and
    only whether it wrote them comes back: the second dict. The first holds the other files.
    ``meanwhile`` makes more files (the feeds), while the workers render the article pages or
    beside the indexes: the third dict. ``beside`` is other work for this process, done while
    workers run where there are any.
    """
    languages = [lang for lang in config.languages if lang in texts]
    by_article: dict[str, dict[str, Page]] = defaultdict(dict)
    for page in pages:
        by_article[page.article.id][page.article.lang] = page
    listed, pages = pages, [p for p in pages if only is None or p.path in only]
    memo = memo or Memo(None, "pages")
    if memo.cache_folder is not None:  # compiling the templates is a fifth of a publish that renders one article
        _environment().bytecode_cache = _BytecodeCache(str(_made(memo.cache_folder / "templates")))
    words = {lang: hashlib.blake2b(pickle.dumps((sorted((text.messages or {}).items()), config))).digest()
             for lang, text in texts.items()}

    def render(index: int) -> dict[str, bytes] | dict[str, bool]:
        page = pages[index]
        versions, text = by_article[page.article.id], texts[page.article.lang]
        shown = sorted((l, p.path, _identity(p, keys)) for l, p in versions.items())
        key = memo.key(pickle.dumps((_identity(page, keys), shown, words[page.article.lang])), "page")
        made = memo.get(key)
        if made is None:
            made = _article_page(page, versions, config, text), (
                _history_page(page, versions, config, text) if config.version_history else None)
            memo.put(key, made)
        html, history = made  # type: ignore[misc]
        files = {page.path: html} if history is None else {page.path: html, _history_path(page): history}
        return files if write is None else {path: write(path, data) for path, data in files.items()}

    def site_files(part: int) -> dict[str, bytes]:
        """Part 0: what ``meanwhile`` makes; part 1: the indexes, the start page and the stylesheet."""
        if part == 0:
            return meanwhile() if meanwhile is not None else {}
        made = {}
        for lang in languages:
            own = [p for p in listed if p.article.lang == lang]
            made[f"{lang}/index.html"] = _index_page(lang, own, languages, config, texts[lang], memo, words[lang])
        made["index.html"] = _root_page(languages, config, texts)
        made["style.css"] = (resources.files("pipeline") / "templates" / "style.css").read_bytes()
        return made

    parts: list[dict[str, bytes]] = []
    also = beside or (lambda: None)

    def rest_here() -> None:
        parts.extend(map(site_files, (0, 1)))
        also()

    if forks(len(pages)):  # the workers render the article pages; this process the rest meanwhile
        results = map_forked(render, len(pages), meanwhile=rest_here)
    elif len(listed) >= LARGE_SITE:  # a few pages, rendered here; the indexes and the feeds side by side
        results = [render(i) for i in range(len(pages))]
        parts = map_forked(site_files, 2, threshold=1, meanwhile=also)
    else:
        results = [render(i) for i in range(len(pages))]
        rest_here()
    files: dict[str, bytes] = {}
    wrote: dict[str, bool] = {}
    for result in results:
        (files if write is None else wrote).update(result)  # type: ignore[arg-type]
    return files | parts[1], wrote, parts[0]


def _identity(page: Page, keys: Mapping[str, str] | None) -> object:
    """What tells a page from another: its fields, with the article named by its digest where known."""
    if keys is None or page.path not in keys:
        return page
    return keys[page.path], page.path, page.based_on, page.history, page.overdue


class _BytecodeCache(FileSystemBytecodeCache):
    """Compiled templates kept in ``.cache/``; one that cannot be written (a full disk) is compiled
    again next time, never a failed build."""

    def dump_bytecode(self, bucket) -> None:  # type: ignore[no-untyped-def]
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.lru_cache(maxsize=4096)
def _long_date(day: dt.date, lang: str) -> str:
    # An index lists thousands of articles on a few hundred distinct days; Babel's formatting is the slow part.
    return format_date(day, "long", locale=lang)


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        autoescape=select_autoescape(disabled_extensions=("txt",), default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.filters["markdown"] = _markdown
    env.filters["plaintext"] = _plain
    env.filters["kind"] = _kind
    env.filters["wrap"] = _wrap
    return env


def _render(template: str, text: SiteText, **context) -> bytes:
    env = _environment()
    if template.endswith(".txt"):
        env.install_gettext_callables(text.plain, lambda s, p, n: text.plain(s if n == 1 else p), newstyle=True)
    else:
        env.install_gettext_callables(text.gettext, text.ngettext, newstyle=True)
    html = env.get_template(template).render(lang=text.lang, dir=_direction(text.lang), **context)
    return (html.rstrip("\n") + "\n").encode("utf-8")


def _article_page(page: Page, versions: Mapping[str, Page], config: SiteConfig, text: SiteText) -> bytes:
    article, lang = page.article, page.article.lang
    original = versions.get(article.source_lang) if article.is_translation else None
    return _render(
        "article.html", text,
        article=article,
        root="../",
        canonical=config.base_url + page.path,
        alternates=_alternates({l: p.path for l, p in versions.items()}, config),
        switches=_switches(lang, {l: p.path for l, p in versions.items()}, config),
        original=original and {
            "href": "../" + original.path,
            "lang": original.article.lang,
            "language": _language_name(original.article.lang, lang),
        },
        based_on=page.based_on and _long_date(page.based_on, lang),
        dates=_dates(article.created, article.updated, article.next_review, lang),
        overdue=config.overdue_notice and page.overdue,
        history_href=config.version_history and _history_path(page).split("/", 1)[1],
        structured_data=_structured_data(page, config),
        mailto=Markup('<a href="mailto:{0}">{0}</a>').format(config.contact_email),
        publisher=config.publisher,
        site_title=text.gettext(config.title),
    )


def render_content(page: Page, config: SiteConfig, text: SiteText) -> str:
    """The article body for feeds and mail: every link and image absolute.

    Each ``href`` and ``src`` is resolved against the page's address as lxml's
    ``make_links_absolute`` resolves it (``urljoin`` of the stripped value), in the text the
    templates wrote: parsing and writing the whole body again with lxml for that was half of
    making a feed entry. The body is our own markup (and nh3's), every attribute in double
    quotes, so patterns find them all; ``tests/test_render.py`` holds the result to lxml's tree."""
    html = _render("feed_content.html", text, article=page.article, root=config.base_url).decode("utf-8")
    base = config.base_url + page.path

    def absolute(tag: re.Match[str]) -> str:
        return _LINK.sub(lambda link: f'{link[1]}="{_absolute(base, link[2])}"', tag[0])

    return _TAG.sub(absolute, html).strip() + "\n"


# A link or an image tag (text has no raw "<"), and a link in it (a value has no raw '"').
_TAG = re.compile(r'<(?:a|img)\s(?:[^>"]|"[^"]*")*>')
_LINK = re.compile(r'(\s(?:href|src))="([^"]*)"')


def _absolute(base: str, value: str) -> str:
    return str(escape(urljoin(base, unescape(value).strip())))


@dataclass(frozen=True)
class Newsletter:
    """One issue, rendered."""

    subject: str  # localized subject line
    html: str  # the HTML part, CSS inlined
    text: str  # the plain-text part


def render_newsletter(issue: Issue, config: SiteConfig, text: SiteText, view_url: str) -> Newsletter:
    """An issue as mail clients want it: tables 600 px wide, CSS inlined, absolute URLs."""
    lang = issue.lang
    title = text.plain(config.title)
    date = _long_date(issue.date, lang)
    headings = {NEW: text.plain("New articles"), UPDATED: text.plain("Updated articles"),
                TRANSLATED: text.plain("Newly translated articles")}
    groups = [{"heading": headings[kind], "entries": [_news_entry(i, config, text) for i in issue.items if i.kind == kind]}
              for kind in (NEW, UPDATED, TRANSLATED)]
    groups = [g for g in groups if g["entries"]]
    subject = text.plain("%(site)s: news of %(date)s") % {"site": title, "date": date}
    context = dict(
        groups=groups, subject=subject, site_title=title, view_url=view_url, publisher=config.publisher,
        unsubscribe=config.newsletter_unsubscribe, site_url=config.base_url + f"{lang}/index.html",
        site_link=Markup('<a href="{0}">{1}</a>').format(config.base_url + f"{lang}/index.html", title),
        preheader=" · ".join(plain_text(i.page.article.title.value) for i in issue.items)[:140],
    )
    html = _render("newsletter.html", text, **context).decode("utf-8")
    import css_inline  # only a newsletter needs it: imported here, it costs a publish nothing

    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True, keep_style_tags=False)
    plain = _render("newsletter.txt", text, **context).decode("utf-8")
    return Newsletter(subject, inliner.inline(html), re.sub(r"\n{3,}", "\n\n", plain))


def _news_entry(item: NewsItem, config: SiteConfig, text: SiteText) -> dict[str, object]:
    article, lang = item.page.article, item.page.article.lang
    if article.updated:
        dates = text.plain("Updated on %(date)s") % {"date": _long_date(article.updated, lang)}
    else:
        dates = text.plain("Created on %(date)s") % {"date": _long_date(article.created, lang)}
    # Mail clients show no SVG, so only a raster picture goes into the mail.
    figure = next((b for b in article.blocks if isinstance(b, Figure) and not b.src.endswith(".svg")), None)
    return {
        "title": plain_text(article.title.value),
        "summary": plain_text(article.summary.value),
        "url": config.base_url + item.page.path,
        "note": item.note,
        "dates": dates,
        "image": figure and {"src": config.base_url + figure.src, "alt": _plain(figure.alt.value)},
    }


def render_newsletter_index(lang: str, issues: Sequence[dt.date], languages: Sequence[str], config: SiteConfig,
                            text: SiteText) -> bytes:
    paths = {l: f"newsletter/{l}/index.html" for l in languages}
    return _render(
        "newsletter_index.html", text,
        issues=[{"href": f"{d.isoformat()}.html",
                 "title": text.plain("%(site)s: news of %(date)s") % {"site": text.plain(config.title),
                                                                      "date": _long_date(d, lang)}}
                for d in issues],
        root="../../",
        canonical=config.base_url + paths[lang],
        alternates=_alternates(paths, config),
        switches=[replace(s, href="../" + s.href) for s in _switches(lang, paths, config)],
        publisher=config.publisher,
        site_title=text.gettext(config.title),
    )


def page_files(page: Page, config: SiteConfig) -> tuple[str, ...]:
    """The files ``render_site`` makes for an article page, below ``output/``."""
    return (page.path, _history_path(page)) if config.version_history else (page.path,)


def _history_path(page: Page) -> str:
    lang, name = page.path.split("/", 1)
    return f"{lang}/versions/{name}"


def _history_page(page: Page, versions: Mapping[str, Page], config: SiteConfig, text: SiteText) -> bytes:
    """The versions of the original a page shows, newest first; notes only in their own language."""
    article, lang = page.article, page.article.lang
    paths = {l: _history_path(p) for l, p in versions.items()}
    rows = [
        {
            "number": v.number,
            "date": _long_date(v.date, lang),
            "kind": "first" if v.number == 1 else v.kind,
            "note": v.note if not article.is_translation else None,
        }
        for v in reversed(page.history)
    ]
    return _render(
        "versions.html", text,
        article=article,
        rows=rows,
        shown=page.history[-1].number if page.history else None,
        root="../../",
        article_href="../" + page.path.split("/", 1)[1],
        canonical=config.base_url + paths[lang],
        alternates=_alternates(paths, config),
        switches=[replace(s, href="../" + s.href) for s in _switches(lang, paths, config)],
        publisher=config.publisher,
        site_title=text.gettext(config.title),
    )


def _structured_data(page: Page, config: SiteConfig) -> Markup:
    """schema.org MedicalWebPage as JSON-LD, safe inside a script element."""
    article = page.article
    modified = (article.updated or article.created).isoformat()
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": plain_text(article.title.value),
        "description": plain_text(article.summary.value),
        "url": config.base_url + page.path,
        "inLanguage": article.lang,
        "dateCreated": article.created.isoformat(),
        "dateModified": modified,
        "lastReviewed": modified,
        "publisher": {"@type": "Organization", "name": config.publisher},
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@dataclass(frozen=True, slots=True)
class _IndexEntry:
    """One line of an index. A record, not a dict: Jinja reads attributes first, and an index has thousands."""

    href: str
    title: str
    summary: str
    dates: Markup


def _index_page(lang: str, pages: Sequence[Page], languages: Sequence[str], config: SiteConfig,
                text: SiteText, memo: Memo, words: bytes) -> bytes:
    """The language's start page, listing every article, newest first. An index whose lines
    and ``words`` (the site's words and settings) are as before is taken from the ``memo``: when
    one article changed, the other language's index (10,000 lines, a tenth of a second) usually is."""
    # An index lists thousands of articles on a few hundred distinct days: each line is made once.
    @functools.cache
    def dates(created: dt.date, updated: dt.date | None) -> Markup:
        if updated:
            return text.gettext("Updated on %(date)s") % {"date": _long_date(updated, lang)}
        return text.gettext("Created on %(date)s") % {"date": _long_date(created, lang)}

    entries = [
        _IndexEntry(page.path.split("/", 1)[1], page.article.title.value, page.article.summary.value,
                    dates(page.article.created, page.article.updated))
        for page in sorted(pages, key=lambda p: (-(p.article.updated or p.article.created).toordinal(), p.article.id))
    ]
    paths = {l: f"{l}/index.html" for l in languages}
    lines = [(e.href, e.title, e.summary, str(e.dates)) for e in entries]
    return memo.cached(pickle.dumps((lang, lines, list(languages), words)), "index", lambda: _render(
        "index.html", text,
        entries=entries,
        root="../",
        canonical=config.base_url + paths[lang],
        alternates=_alternates(paths, config),
        switches=_switches(lang, paths, config),
        publisher=config.publisher,
        site_title=text.gettext(config.title),
        site_description=text.gettext(config.description),
    ))


def _root_page(languages: Sequence[str], config: SiteConfig, texts: Mapping[str, SiteText]) -> bytes:
    default = languages[0] if languages else config.default_language
    choices = [{"lang": l, "href": f"{l}/index.html", "title": texts[l].gettext(config.title)} for l in languages]
    return _render(
        "root.html", texts.get(default, SiteText(default, None)),
        choices=choices,
        canonical=config.base_url,
        alternates=_alternates({l: f"{l}/index.html" for l in languages}, config),
        site_title=texts[default].gettext(config.title) if default in texts else config.title,
    )


def _alternates(paths: Mapping[str, str], config: SiteConfig) -> list[dict[str, str]]:
    """hreflang links for every language version, itself included, plus x-default."""
    links = [{"lang": l, "url": config.base_url + paths[l]} for l in config.languages if l in paths]
    default = next((l for l in config.languages if l in paths), None)
    if len(links) > 1 and default:
        links.append({"lang": "x-default", "url": config.base_url + paths[default]})
    return links


def _switches(lang: str, paths: Mapping[str, str], config: SiteConfig) -> list[Link]:
    return [
        Link(l, "../" + paths[l], config.base_url + paths[l], _language_name(l, l))
        for l in config.languages if l != lang and l in paths
    ]


def _dates(created: dt.date, updated: dt.date | None, review: ReviewDate, lang: str) -> dict[str, str | None]:
    return {
        "created": _long_date(created, lang),
        "updated": updated and _long_date(updated, lang),
        "next_review": format_review(review, lang),
    }


def format_review(review: ReviewDate, lang: str) -> str:
    """A review date in the page language, exactly as precise as the editor gave it."""
    if review.precision == "year":
        return str(review.year)
    if review.precision == "month":
        return format_skeleton("yMMMM", dt.date(review.year, review.month or 1, 1), locale=lang)
    return _long_date(review.last_day, lang)


def _language_name(code: str, in_lang: str) -> str:
    return Locale.parse(code).get_display_name(in_lang) or code


def _direction(lang: str) -> str:
    return Locale.parse(lang).character_order == "right-to-left" and "rtl" or "ltr"


@functools.lru_cache(maxsize=65536)
def plain_text(markdown: str) -> str:
    """Inline Markdown as the text a reader sees on the page, for every place that takes no markup.

    Feeds (titles and summaries in Atom, RSS and JSON Feed), JSON-LD, ``<title>``, the meta
    description, mail and alt attributes: no emphasis marks, a link's text without its URL, code
    as its text, entities and escapes decoded once (the parser decodes them; nothing here decodes
    again, so a translator's ``&amp;lt;`` stays the visible ``&lt;``). A picture shows nothing, as
    on the page, where the sanitizer drops it. Raw HTML is off in the parser: ``<b>`` is text.
    """
    if not _SYNTAX.search(markdown):
        return markdown  # no mark, entity or escape: the text is its own plain text
    parts = []
    for token in _INLINE.parseInline(markdown):
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")  # as the page's text has it, beside its <br>
    return "".join(parts)


_plain = plain_text  # the templates' ``plaintext`` filter


_ALLOWED_TAGS = {"strong", "em", "a", "code", "br"}
# Most units are plain sentences; for them Markdown and the sanitizer would return the text as it
# is. Without these characters there is no emphasis, code, HTML, entity, escape or line break,
# and without "](" a bracket is no link (inline Markdown here knows no reference definitions).
# The sanitizer would turn a no-break space into an entity, so that takes the long way too.
_SYNTAX = re.compile(r"[*_`<>&\\\x00-\x1f\x7f-\xa0]|\]\(")


@functools.lru_cache(maxsize=65536)
def _markdown(text: str) -> Markup:
    """Inline Markdown to HTML; the same unit shows on a page and in feeds, so it is rendered once.

    Raw HTML is already off in the parser; ammonia (nh3) then keeps only the tags inline
    Markdown makes and only http(s) and mailto links, whatever a source or a translator wrote.
    """
    if not _SYNTAX.search(text):
        return Markup(text)  # nothing to render or to clean
    html = _INLINE.renderInline(text)
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel=None))


def _wrap(text: str, indent: str = "") -> str:
    """Plain text for mail: lines of at most 72 characters, continuation lines indented."""
    return textwrap.fill(str(text), width=72, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _kind(block: object) -> str:
    kinds = {Heading: "heading", Paragraph: "paragraph", ListBlock: "list", Figure: "figure", Table: "table"}
    return kinds[type(block)]

