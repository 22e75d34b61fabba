"""Links and figures written as Markdown by ingest: whatever the address, caption or text, the
Markdown reads back as exactly the link or picture the page showed, and nothing else."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

from pipeline.body import parse_body
from pipeline.cleantext import forbidden_character
from pipeline.model import Figure, Paragraph
from pipeline.read_html import read_html
from pipeline.render import _markdown
from pipeline.writer import escape_inline, figure, link

# Every character but surrogates, and those an address or a text breaks out with most often.
BREAKERS = st.sampled_from(list(" \t\n()[]<>\"'`\\&;#%?*_!|") + ["&amp;", "&#41;", "%29", ") [x](http://evil.example/", "\u00a0"])
CHARS = st.characters(blacklist_categories=("Cs",))
URL_PART = st.lists(CHARS | BREAKERS, max_size=12).map("".join)
HOSTS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True)
URLS = st.builds(lambda scheme, host, path, query, fragment: f"{scheme}://{host}/{path}{query}{fragment}",
                 st.sampled_from(["http", "https"]), HOSTS, URL_PART,
                 st.just("") | URL_PART.map(lambda q: "?" + q), st.just("") | URL_PART.map(lambda f: "#" + f))
# Text that a source may hold (no forbidden characters) and that shows something.
TEXTS = st.lists(CHARS | BREAKERS, min_size=1, max_size=12).map("".join).filter(
    lambda t: t.strip() and not forbidden_character(t))


def rendered_links(markdown: str) -> list[html.HtmlElement]:
    """The ``a`` elements of the page once ``markdown`` is read as a body and rendered."""
    blocks, problems = parse_body(markdown + "\n", "sources/x.md", 0)
    assert not problems and len(blocks) == 1 and isinstance(blocks[0], Paragraph), (markdown, blocks, problems)
    fragment = html.fragment_fromstring(str(_markdown(blocks[0].text.value)), create_parent="p")
    return fragment.findall(".//a")


def same_address(href: str, url: str) -> bool:
    return unquote(href) == unquote(url)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, url=URLS)
def test_any_link_reads_back_as_that_one_link(text, url):
    links = rendered_links(link(escape_inline(text), url))
    assert len(links) == 1
    assert same_address(links[0].get("href"), url), (links[0].get("href"), url)
    assert links[0].text_content() == " ".join(text.split())


@pytest.mark.parametrize("href", [
    "http://x.example/a) [extra](http://evil.example/",
    'http://x.example/a "title" [extra](http://evil.example/',
    "http://x.example/a\n\n[extra](http://evil.example/)",
    "http://x.example/a <http://evil.example/>",
    "http://x.example/a\\) [extra](http://evil.example/",
])
def test_a_crafted_href_on_an_ingested_page_gives_only_the_link_it_showed(href):
    page = f'<html><body><main><p>See <a href="{href.replace(chr(34), "&quot;")}">the guide</a> now.</p></main></body></html>'
    imported = read_html(page, "https://x.example/page.html")
    paragraph = imported.blocks[0]
    links = html.fragment_fromstring(str(_markdown(paragraph.text.value)), create_parent="p").findall(".//a")
    assert [a.text_content() for a in links] == ["the guide"]
    assert "evil.example" not in links[0].get("href").split("/")[2]  # the host the page linked to
    assert same_address(links[0].get("href"), href.replace("\n", ""))


def test_an_href_naming_no_host_is_no_link_and_no_traceback():
    imported = read_html('<p>See <a href="http://[">the guide</a>.</p>', "https://x.example/")
    assert imported.blocks[0].text.value == "See the guide."


IMAGE_NAMES = st.lists(CHARS | BREAKERS, min_size=1, max_size=10).map(lambda name: "images/" + "".join(name) + ".png")


@settings(max_examples=300, deadline=None)
@given(alt=TEXTS, caption=st.none() | TEXTS, src=IMAGE_NAMES | URLS)
def test_any_figure_line_reads_back_as_that_figure(alt, caption, src):
    alt_md, caption_md = escape_inline(alt), escape_inline(caption) if caption else None
    blocks, problems = parse_body(figure(alt_md, src, caption_md) + "\n", "sources/x.md", 0)
    assert not problems and len(blocks) == 1 and isinstance(blocks[0], Figure), (blocks, problems)
    read = blocks[0]
    assert same_address(read.src, src), (read.src, src)
    assert read.alt.value == alt_md
    assert (read.caption.value if read.caption else None) == caption_md
