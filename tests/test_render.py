"""Pages: languages, links, dates, and every visible word from the site catalog."""

from __future__ import annotations

import datetime as dt
import re

import nh3
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import html
from markupsafe import Markup

from pipeline import render
from pipeline.errors import TranslationMissing
from pipeline.config import load_config
from pipeline.model import Page, ReviewDate
from pipeline.publish import publish
from pipeline.render import SiteText, format_review
from pipeline.sources import read_article
from tests.helpers import BUILD_TIME


@pytest.fixture
def tiny_output(tiny_site):
    publish(tiny_site, BUILD_TIME)
    return tiny_site / "output"


def page(output, rel):
    return html.fromstring((output / rel).read_bytes())


def visible_text(doc) -> str:
    return " ".join(" ".join(doc.xpath("//body//text()")).split())


def test_pages_declare_their_language_and_link_the_other(tiny_output):
    de = page(tiny_output, "de/beinuebungen.html")
    assert de.get("lang") == "de"
    alternates = {l.get("hreflang"): l.get("href") for l in de.xpath("//link[@rel='alternate'][@hreflang]")}
    assert alternates == {
        "en": "https://tiny.example.org/en/leg-exercises.html",
        "de": "https://tiny.example.org/de/beinuebungen.html",
        "x-default": "https://tiny.example.org/en/leg-exercises.html",
    }
    assert de.xpath("//link[@rel='canonical']/@href") == ["https://tiny.example.org/de/beinuebungen.html"]
    switch = de.xpath("//nav[@class='languages']//a")[0]
    assert (switch.text, switch.get("lang"), switch.get("href")) == ("English", "en", "../en/leg-exercises.html")


def test_text_in_another_language_carries_its_own_lang(tiny_output):
    de = page(tiny_output, "de/beinuebungen.html")
    refs = de.xpath("//section[@class='references']//li")
    assert [(li.get("lang"), li.text[:6]) for li in refs] == [("en", "Doe J."), (None, "Muster")]
    en = page(tiny_output, "en/leg-exercises.html")
    assert [li.get("lang") for li in en.xpath("//section[@class='references']//li")] == [None, "de"]


def test_dates_line_is_in_the_page_language(tiny_output):
    en = visible_text(page(tiny_output, "en/leg-exercises.html"))
    de = visible_text(page(tiny_output, "de/beinuebungen.html"))
    assert "Created on June 2, 2022 · Updated on January 15, 2023 · Next planned update: 2025" in en
    assert "Erstellt am 2. Juni 2022 · Aktualisiert am 15. Januar 2023 · Nächste geplante Aktualisierung: 2025" in de
    water = visible_text(page(tiny_output, "de/wasser.html"))
    assert "Erstellt am 10. April 2024 · Nächste geplante Aktualisierung: März 2027" in water


@pytest.mark.parametrize(("review", "lang", "expected"), [
    (ReviewDate(2025), "en", "2025"),
    (ReviewDate(2027, 3), "en", "March 2027"),
    (ReviewDate(2027, 3), "de", "März 2027"),
    (ReviewDate(2027, 9, 30), "de", "30. September 2027"),
    (ReviewDate(2027, 9, 30), "en", "September 30, 2027"),
])
def test_review_dates_keep_their_precision(review, lang, expected):
    assert format_review(review, lang) == expected


def test_body_blocks_are_rendered_in_order(tiny_output):
    de = page(tiny_output, "de/beinuebungen.html")
    article = de.xpath("//article")[0]
    assert [e.tag for e in article.xpath("./*")][:9] == ["h1", "p", "p", "p", "p", "h2", "ul", "h3", "ol"]
    assert article.xpath(".//ul/li[1]/ul/li/text()") == ["morgens", "abends"]
    assert article.xpath(".//ol/@start") == ["3"]
    assert article.xpath(".//figure/img/@alt") == ["Zwei Füße auf Zehenspitzen"]
    assert article.xpath(".//figure/img/@src") == ["../images/feet.svg"]
    assert article.xpath(".//td[@class='align-right']/text()") == ["30", "15"]
    assert (tiny_output / "images" / "feet.svg").is_file()


def test_source_text_is_escaped_not_interpreted(tiny_output):
    raw = (tiny_output / "en/leg-exercises.html").read_text()
    assert "Short &amp; simple &lt;advice&gt; on moving your legs." in raw


def test_a_translators_markup_is_shown_as_text():
    text = SiteText("de", {"Sources": "<script>alert(1)</script>Quellen"})
    assert str(text.gettext("Sources")) == "&lt;script&gt;alert(1)&lt;/script&gt;Quellen"


def test_a_missing_site_translation_is_an_error_not_english():
    with pytest.raises(TranslationMissing, match="locales/de/LC_MESSAGES/site.po"):
        SiteText("de", {}).gettext("Sources")


def test_no_english_template_words_on_german_pages(sample_site):
    """Every site-catalog msgid whose German differs must be absent from every German page."""
    from babel.messages.pofile import read_po

    publish(sample_site, BUILD_TIME)
    with open(sample_site / "locales/de/LC_MESSAGES/site.po", "rb") as f:
        catalog = read_po(f)
    english = [piece for m in catalog if m.id and m.string != m.id
               for piece in re.split(r"%\(\w+\)s", m.id) if len(piece.strip()) > 3]
    assert len(english) > 15
    german_pages = sorted((sample_site / "output/de").glob("*.html"))
    assert len(german_pages) == 4  # three articles and the index
    for path in german_pages:
        doc = html.fromstring(path.read_bytes())
        text = visible_text(doc) + " " + " ".join(doc.xpath("//@aria-label | //@alt | //title/text()"))
        leaks = [piece for piece in english if piece.strip() in text]
        assert not leaks, f"{path.name}: {leaks}"


def test_translated_pages_point_to_their_original(tiny_output):
    en = page(tiny_output, "en/water.html")
    link = en.xpath("//p[@class='notice']/a")[0]
    assert (link.text, link.get("href"), link.get("hreflang")) == ("Read the original (German).", "../de/wasser.html", "de")


def test_index_lists_published_articles_newest_first(tiny_output):
    en = page(tiny_output, "en/index.html")
    assert en.xpath("//ul[@class='article-list']//h3/a/@href") == ["water.html", "leg-exercises.html", "t-sleep-03.html"]
    de = page(tiny_output, "de/index.html")
    assert de.xpath("//ul[@class='article-list']//h3/a/text()") == ["Wie viel Wasser?", "Beine: Was hilft?"]


def test_build_time_does_not_show_on_pages(tiny_site):
    publish(tiny_site, BUILD_TIME)
    first = {p: p.read_bytes() for p in (tiny_site / "output").rglob("*") if p.is_file()}
    publish(tiny_site, BUILD_TIME + dt.timedelta(days=3))
    assert {p: p.read_bytes() for p in (tiny_site / "output").rglob("*") if p.is_file()} == first


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "Zeit", "9", "ä", "中", " ", "  ", ",", ".", "?", "(", ")", "/", ";", ":", "-",
                                  "*", "_", "[", "]", "<", ">", "&", '"', "'", "!", "\\", "\u00a0", "\n", "`", "#",
                                  "[de] ", "](", "](https://x.org)", "](javascript:x)", "~", "„", "“", "\u2028",
                                  "\x7f", "\x85", "\t", "\x00", "&amp;", "http://x.org", "{x}", "%s", "|", "$"]),
                max_size=12).map("".join))
@example("a*a*a")
@example("Zeit\u00a0a")
@example("Walk 20 minutes (or more) a day; rest/sleep well.")
@example("a  a")
@example("a ")
@example("Doe J. A study. Journal 2020; 12: 1-9.")
@example("Don't stop: 50% of \"them\" walk!")
@example("a*b")
@example("x![y")
@example("[de] Blood [a] (b) [c][d] ![e] 50%")
@example("a [b](https://x.org) c")
def test_plain_sentences_skip_markdown_but_render_as_markdown_would(text):
    """The shortcut for plain text gives exactly what Markdown and the sanitizer give."""
    shortcut = render._markdown.__wrapped__(text)
    full = Markup(nh3.clean(render._INLINE.renderInline(text), tags=render._ALLOWED_TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel=None))
    assert shortcut == full


@pytest.mark.parametrize("markdown, plain", [
    ("Why **walk**? *Now*", "Why walk? Now"),
    ("See [our guide](https://x.org/guide) or <https://x.org>", "See our guide or https://x.org"),
    ("Take `2 x 5 mg`", "Take 2 x 5 mg"),
    ("&amp;lt;b&amp;gt; &copy; &#38; \\*", "&lt;b&gt; © & *"),  # decoded once, not twice
    ("<img src=x onerror=alert(1)> <b>x</b>", "<img src=x onerror=alert(1)> <b>x</b>"),  # raw HTML is text
    ("[x](javascript:alert(1)) ![a picture](images/a.png)", "[x](javascript:alert(1)) "),
    ("Legs: what helps?", "Legs: what helps?"),
])
def test_plain_text_is_inline_markdown_without_its_marks(markdown, plain):
    assert render.plain_text(markdown) == plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "Zeit", "9", "ä", " ", "  ", ",", ".", "?", "(", ")", "/", ";", ":", "-",
                                  "*", "_", "[", "]", "<", ">", "&", '"', "'", "!", "\\", "\u00a0", "\n", "`", "#",
                                  "](", "](https://x.org)", "](javascript:x)", "&amp;", "&lt;b&gt;", "<b>", "</b>",
                                  "![", "<https://x.org>", "&#x26;", "&copy;", "&bogus;"]),
                max_size=12).map("".join))
def test_plain_text_is_the_text_the_page_shows(text):
    """What feeds and mail carry is what a reader reads on the page, where the text is Markdown."""
    page = html.fragment_fromstring(str(render._markdown(text)) or "", create_parent="div")
    assert render.plain_text(text).strip() == page.text_content().strip()  # units are stripped where read


LINKY = """---
id: t-links-09
lang: en
slug:
  en: links
  de: links
title: "Links: where do they go?"
summary: "Quotes ' and \\" and & stay text."
topics: [legs]
created: 2022-06-02
next_review: 2030
references:
  - "O'Brien A. \\"Quoted\\" titles & more. J Sample 2020; 1: 1-2."
---

See [the other article](beinuebungen.html), [a section](#top), [a topic](topics/legs.html?a=1&b=2),
[one level up](../de/index.html), [mail](mailto:team@tiny.example.org), [away]( https://example.org/x ),
and text with 'single' and "double" quotes & 1 < 2. Write src="images/feet.svg" for **a picture**.

![A foot's picture](images/feet.svg "It's \\"quoted\\".")
"""


def test_feed_content_is_the_tree_lxml_makes_with_every_link_absolute(tiny_site):
    """Feeds and mail get the body with absolute links, resolved as lxml's make_links_absolute
    resolves them (it used to write the body); our text is the same HTML tree."""
    config = load_config(tiny_site)
    article = read_article("sources/links.md", LINKY, config, tiny_site)
    page = Page(article, "en/links.html")
    ours = render.render_content(page, config, SiteText("en", None))

    written = render._render("feed_content.html", SiteText("en", None), article=article,
                             root=config.base_url).decode("utf-8")
    lxmls = html.fragment_fromstring(written, create_parent="div")  # the way it was made before
    lxmls.make_links_absolute(config.base_url + page.path, resolve_base_href=False)
    tree = html.fragment_fromstring(ours, create_parent="div")
    assert html.tostring(tree, encoding="unicode") == html.tostring(lxmls, encoding="unicode")
    assert tree.xpath("//a/@href") == [
        "https://tiny.example.org/en/beinuebungen.html", "https://tiny.example.org/en/links.html#top",
        "https://tiny.example.org/en/topics/legs.html?a=1&b=2", "https://tiny.example.org/de/index.html",
        "mailto:team@tiny.example.org", "https://example.org/x"]
    assert tree.xpath("//img/@src") == ["https://tiny.example.org/images/feet.svg"]
    assert 'Write src="images/feet.svg" for' in tree.text_content()  # text that looks like a link stays text
