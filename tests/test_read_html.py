"""Web pages: the article found, mapped to our blocks, the site around it left out."""

from __future__ import annotations

import datetime as dt

from pipeline.model import Figure, Heading, ListBlock, Paragraph, ReviewDate, Table
from pipeline.read_html import read_html
from tests.helpers import DATA

EN = (DATA / "ingest" / "knee-pain-en.html").read_text()


def test_the_article_is_found_and_mapped():
    page = read_html(EN, "https://healthwise.example/knee.html")
    assert page.title == "Knee osteoarthritis: can walking help?" and page.lang == "en"
    assert page.summary.startswith("Regular, moderate walking can ease pain")
    headings = [b.text.value for b in page.blocks if isinstance(b, Heading)]
    assert headings == ["What is knee osteoarthritis?", "How can walking help?", "How much walking is advisable?",
                        "When should I see a doctor?"]
    nested = next(b for b in page.blocks if isinstance(b, ListBlock) and not b.ordered)
    assert [c.text.value for c in nested.items[1].children[0].items] == [
        "gets worse during or after longer activity", "eases with rest"]
    figure = next(b for b in page.blocks if isinstance(b, Figure))
    assert figure.src == "https://healthwise.example/images/knee-walk.png" and figure.caption
    table = next(b for b in page.blocks if isinstance(b, Table))
    assert [c.text.value for c in table.header] == ["Week", "Walking time", "Walks per week"] and len(table.rows) == 3
    assert len(page.references) == 2 and page.references[0].startswith("Miller J, Okafor N.")
    assert (page.created, page.updated, page.next_review) == (dt.date(2021, 3, 3), dt.date(2023, 5, 10), ReviewDate(2026))


def test_inline_markup_becomes_markdown_with_absolute_links():
    page = read_html(EN, "https://healthwise.example/knee.html")
    texts = [b.text.value for b in page.blocks if isinstance(b, Paragraph)]
    assert any("**knee osteoarthritis**" in t for t in texts)
    assert any("*Not everyone*" in t for t in texts)
    assert any("[topic on exercise](https://healthwise.example/topics/exercise)" in t for t in texts)


def test_site_furniture_is_left_out_and_named():
    page = read_html(EN, "https://healthwise.example/knee.html")
    body = " ".join(b.text.value for b in page.blocks if hasattr(b, "text"))
    for phrase in ("Subscribe to our newsletter", "Comment on this page", "Follow us", "cookie", "Imprint",
                   "Created on"):
        assert phrase not in body
    dropped = " ".join(page.dropped)
    assert "Comment on this page" in dropped and "Subscribe to our newsletter" in dropped and "<footer>" in dropped


def test_scripts_and_event_handlers_never_come_through():
    hostile = ("<html><body><article><h1>T</h1><p onclick='x()'>Text <script>alert(1)</script>"
               "<a href='javascript:alert(1)'>link</a> <img src=x onerror=alert(1)></p></article></body></html>")
    page = read_html(hostile, "https://x.example/")
    text = page.blocks[0].text.value
    assert "alert" not in text and "javascript" not in text and "onclick" not in text
    assert text.startswith("Text")


def test_an_empty_page_gives_an_empty_article():
    page = read_html("", "https://x.example/")
    assert page.blocks == () and page.title is None
