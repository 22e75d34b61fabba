"""Feeds as readers parse them, whatever an editor or a translator put into a title or summary.

Titles and summaries are inline Markdown; a feed carries the text a reader sees on the page:
no Markdown marks, and no markup that a reader would take as HTML (feedparser, parsing the
feed, must rebuild no element from it), nothing the W3C Feed Validator warns of ("title
should not contain HTML"), and dates that are valid in every year.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from html.entities import name2codepoint
from pathlib import Path

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from pipeline.cli import main
from pipeline.feedformats import feed_files
from pipeline.publish import newsletter
from tests.helpers import BUILD_TIME, EPOCH
from tests.test_feedformats import entry, feed

ARTICLE = """---
id: h-feeds-01
lang: en
slug: hostile
title: {title}
summary: {summary}
topics: [legs]
created: {created}
next_review: 2030
references:
  - "Doe J. A study. 2020."
---

Walking every day helps.
"""

# (title, summary) as an editor or translator might write them, and the text readers must see.
HOSTILE = [
    ("'<b>Wasser</b> trinken'", "'<img src=x onerror=alert(1)>'",  # markup alone: no Markdown in it
     "<b>Wasser</b> trinken", "<img src=x onerror=alert(1)>"),
    ("'Why **walk**? <b>Now</b> & [run](https://example.org/run)'",
     "'<img src=x onerror=alert(1)> `code` &amp;lt;script&amp;gt; *soft*'",
     "Why walk? <b>Now</b> & run",
     "<img src=x onerror=alert(1)> code &lt;script&gt; soft"),
    ("'</title><script>alert(1)</script>'",
     "'AT&T &copy; &#38; <!-- hidden --> <a href=\"javascript:alert(1)\">x</a>'",
     "</title><script>alert(1)</script>",
     "AT&T © & <!-- hidden --> <a href=\"javascript:alert(1)\">x</a>"),
]


@pytest.fixture
def publish(tiny_site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))

    def run() -> Path:
        assert main(["--root", str(tiny_site), "publish"]) == 0
        return tiny_site / "output"
    return run


def add_article(site: Path, title: str, summary: str, created: str = "2022-06-02") -> None:
    (site / "sources" / "hostile.md").write_text(ARTICLE.format(title=title, summary=summary, created=created))


def translate(site: Path, title: str, summary: str) -> None:
    """The German msgstrs of t-legs-01's title and summary, as a translator writes them."""
    po = site / "locales/de/LC_MESSAGES/t-legs-01.po"
    text = po.read_text()
    for old, new in (("Beine: Was hilft?", title), ("Kurze & einfache <Tipps> zur Bewegung der Beine.", summary)):
        assert f'msgstr "{old}"' in text
        text = text.replace(f'msgstr "{old}"', 'msgstr "{}"'.format(new.replace("\\", "\\\\").replace('"', '\\"')))
    po.write_text(text)


# ------------------------------------------------------------- what readers see

def parsed(path: Path) -> feedparser.FeedParserDict:
    result = feedparser.parse(path.read_bytes())
    assert not result.bozo, result.get("bozo_exception")
    return result


def shown(detail) -> str:
    """The text a reader shows for a feedparser text: as is, or as the HTML it is taken for.

    HTML must hold no element at all: an ``<img>`` or ``<b>`` here is markup from an editor or a
    translator that the reader would draw."""
    if detail.type == "text/plain":
        return detail.value
    assert detail.type == "text/html", detail.type
    holder = html.fragment_fromstring(detail.value or "", create_parent="div")
    assert [child.tag for child in holder] == [], f"a reader rebuilds elements from {detail.value!r}"
    return holder.text_content()


def entry_of(result, marker: str):
    found = [e for e in result.entries if marker in e.id]
    assert len(found) == 1
    return found[0]


def assert_readers_see(output: Path, lang: str, marker: str, title: str, summary: str) -> None:
    for fmt in ("rss", "atom"):
        item = entry_of(parsed(output / f"{lang}/feed.{fmt}"), marker)
        assert shown(item.title_detail) == title, fmt
        assert shown(item.summary_detail) == summary, fmt
    data = json.loads((output / f"{lang}/feed.json").read_text())
    item = next(i for i in data["items"] if marker in i["id"])
    assert (item["title"], item["summary"]) == (title, summary)


# ------------------------------------------------------------- the W3C Feed Validator's rule

def validator_warnings(data: bytes) -> list[str]:
    """What the W3C Feed Validator says of the plain-text elements of a feed, by its rule.

    Its ``nonhtml`` check (validators.py; Atom text constructs in content.py) reads the decoded
    text of RSS titles, descriptions of the channel and categories, and Atom titles, subtitles
    and summaries of type text: an HTML end tag is a warning; an ``&`` before an entity name,
    ``apos`` or anything not all letters is one, unless a line of the element holds ``&#x``; in
    RSS so is ``&#`` + digit or ``x``, or ``<`` before a letter or ``/``, with the same exception.
    Kept a little stricter than the validator: every end tag counts, and the checks do not
    stop at the first that matches. An Atom text of type html is HTML: it must hold no element.
    """
    root = etree.fromstring(data)
    lines = data.decode("utf-8").split("\n")
    atom = "{http://www.w3.org/2005/Atom}"
    rss = root.tag == "rss"
    if rss:
        plain = [root.find("channel/title"), root.find("channel/description"),
                 *root.iterfind("channel/item/title"), *root.iterfind("channel/item/category")]
    else:
        plain = [e for e in root.iter(f"{atom}title", f"{atom}subtitle", f"{atom}summary")]
    warnings = []
    for element in plain:
        value = element.text or ""
        where = f"{etree.QName(element).localname} at line {element.sourceline}: {value!r}"
        if element.get("type") == "html":
            holder = html.fragment_fromstring(value, create_parent="div")
            if len(holder):
                warnings.append(f"{where} holds an element")
            continue
        escaped = any("&#x" in line for line in lines[element.sourceline - 1: element.sourceline + value.count("\n")])
        if re.search(r"</\w+>", value):
            warnings.append(f"{where} should not contain HTML")
        references = [name for name in re.findall(r"&(#?\w+)", value)
                      if name in name2codepoint or name == "apos" or not name.isalpha()]
        if references and not escaped:
            warnings.append(f"{where} should not contain HTML (&{references[0]};)")
        if rss and re.search(r"&#[x0-9]|<[/a-zA-Z]", value) and not escaped:
            warnings.append(f"{where}: encode & and < in plain text as hexadecimal references")
    return warnings


def test_the_validator_rule_here_finds_what_the_validator_finds():
    """The rule above, on the cases its source names: a test of the test."""
    def rss(title: str) -> bytes:
        return (f'<rss version="2.0"><channel><title>{title}</title><description>d</description>'
                f'</channel></rss>').encode()
    assert validator_warnings(rss("Salt &amp; pepper, a &lt; b")) == []
    assert validator_warnings(rss("&lt;b&gt;bold&lt;/b&gt;"))  # an end tag, escaped once
    assert validator_warnings(rss("Tom &amp;amp; Jerry"))  # a reference in the text
    assert validator_warnings(rss("&lt;img src=x&gt;"))  # a start tag, in RSS
    assert validator_warnings(rss("&#x26;lt;img src=x&#x26;gt;")) == []  # the profile's hexadecimal escape
    assert validator_warnings(rss("&#x3C;/b&#x3E;"))  # an end tag is one whatever the escape


# ------------------------------------------------------------- the finding, through the pipeline

@pytest.mark.parametrize("title, summary, plain_title, plain_summary", HOSTILE)
def test_markup_in_front_matter_reaches_no_reader_as_markup(tiny_site, publish, title, summary,
                                                            plain_title, plain_summary):
    add_article(tiny_site, title, summary)
    output = publish()
    assert_readers_see(output, "en", "h-feeds-01", plain_title, plain_summary)
    for path in sorted(output.rglob("feed.atom")) + sorted(output.rglob("feed.rss")):
        assert validator_warnings(path.read_bytes()) == [], path


@pytest.mark.parametrize("title, summary, plain_title, plain_summary", HOSTILE)
def test_markup_in_a_translators_msgstr_reaches_no_reader_as_markup(tiny_site, publish, title, summary,
                                                                    plain_title, plain_summary):
    translate(tiny_site, title.strip("'"), summary.strip("'"))
    output = publish()
    assert_readers_see(output, "de", "t-legs-01", plain_title, plain_summary)
    for path in sorted(output.rglob("feed.atom")) + sorted(output.rglob("feed.rss")):
        assert validator_warnings(path.read_bytes()) == [], path


def test_the_page_shows_the_text_the_feeds_carry(tiny_site, publish):
    title, summary, plain_title, plain_summary = HOSTILE[1]
    add_article(tiny_site, title, summary)
    page = html.fromstring((publish() / "en/hostile.html").read_bytes())
    assert page.findtext("head/title").startswith(plain_title + " – ")
    assert page.xpath("string(//h1)") == plain_title
    assert page.xpath("string(//p[@class='summary'])") == plain_summary
    assert page.xpath("//h1//img | //h1//b | //p[@class='summary']//img") == []
    assert page.xpath("string(//meta[@name='description']/@content)") == plain_summary
    data = json.loads(page.xpath("string(//script[@type='application/ld+json'])"))
    assert (data["name"], data["description"]) == (plain_title, plain_summary)


# ------------------------------------------------------------- dates in every year

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$")


def test_an_article_from_before_1893_has_valid_dates_in_every_feed(tiny_site, publish):
    """Europe/Berlin kept local mean time (+00:53:28) until April 1893: no feed can write seconds."""
    add_article(tiny_site, "Old advice", "From the archive.", created="1890-05-01")
    output = publish()
    atom = etree.fromstring((output / "en/feed.atom").read_bytes())
    entry_ = next(e for e in atom.iterfind("{*}entry") if "h-feeds-01" in e.findtext("{*}id"))
    for name in ("published", "updated"):
        value = entry_.findtext(f"{{*}}{name}")
        assert RFC3339.match(value), value
        assert dt.datetime.fromisoformat(value).date() == dt.date(1890, 5, 1)
    item = json.loads((output / "en/feed.json").read_text())["items"]
    item = next(i for i in item if "h-feeds-01" in i["id"])
    for name in ("date_published", "date_modified"):
        assert RFC3339.match(item[name]), item[name]
    rss = etree.fromstring((output / "en/feed.rss").read_bytes())
    pub = next(i.findtext("pubDate") for i in rss.iterfind("channel/item") if "h-feeds-01" in i.findtext("guid"))
    assert RFC822.match(pub), pub
    assert email.utils.parsedate_to_datetime(pub).date() == dt.date(1890, 5, 1)
    for fmt in ("atom", "rss"):
        read = entry_of(parsed(output / f"en/feed.{fmt}"), "h-feeds-01")
        assert read.published_parsed[:3] in ((1890, 4, 30), (1890, 5, 1)), fmt  # feedparser gives UTC


# ------------------------------------------------------------- any text, at the writer

# Plain text made of what markup is made of: the characters and a few whole words.
_MARKUPISH = st.lists(st.sampled_from(list("<>&;#/!?=\"' *_`[]()xab1\\") + ["amp", "lt", "&#x", "</b>", "<img ", "&copy;"]),
                      min_size=1, max_size=12).map("".join)


@settings(max_examples=80, deadline=None)
@given(title=_MARKUPISH, summary=_MARKUPISH)
@example(title="<", summary="<>")  # a channel description feedparser took for an empty tag
def test_any_plain_text_is_what_readers_show_and_the_validator_accepts(title, summary):
    title, summary = title.strip() or "t", summary.strip() or "s"  # feedparser strips the ends
    sample = feed((entry(1, title=title, summary=summary),), title=title, description=summary)
    for data in feed_files(sample)[:2]:
        assert validator_warnings(data) == []
        read = feedparser.parse(data)
        assert not read.bozo
        assert shown(read.feed.title_detail) == title
        assert shown(read.feed.subtitle_detail) == summary
        assert shown(read.entries[0].title_detail) == title
        assert shown(read.entries[0].summary_detail) == summary


# ------------------------------------------------------------- mail

def test_a_newsletter_shows_titles_and_summaries_as_the_page_does(tiny_site):
    title, summary, plain_title, plain_summary = HOSTILE[1]
    add_article(tiny_site, title, summary)
    newsletter(tiny_site, BUILD_TIME)
    text = (tiny_site / "output/newsletter/en/2025-11-24.txt").read_text()
    assert "Why walk? <b>Now</b> & run" in text and "**" not in text and "](" not in text
    doc = html.fromstring((tiny_site / "output/newsletter/en/2025-11-24.html").read_bytes())
    assert doc.xpath("//p[@class='item-title']/a[contains(@href, 'hostile')]/text()") == [plain_title]
    assert plain_summary in doc.text_content() and not doc.xpath("//b | //p[@class='text']//img")
    assert f" · {plain_title} · " in doc.xpath("//body/div[1]")[0].text  # the preheader
