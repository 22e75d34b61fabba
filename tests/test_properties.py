"""Property tests: whatever text arrives, we publish parseable pages, feeds and catalogs, or say
clearly what is wrong; and catalogs and segments survive their round trips."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import feedparser
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import html

from pipeline import catalogs, pofile
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.pofile import Entry, PoFile
from pipeline.publish import publish
from pipeline.render import plain_text
from pipeline.segment import localize, segments
from pipeline.sources import read_article
from pipeline.writer import escape_inline
from tests.helpers import BUILD_TIME, DATA

# Any character but the control characters no page or feed can carry (refused; tested elsewhere).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in range(32) if c != 9]
                             + [chr(c) for c in range(0x7f, 0xa0)]), min_size=1, max_size=80)
LINE = TEXT.map(lambda t: " ".join(t.split())).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.booleans()), min_size=1, max_size=8))
def test_a_catalog_written_and_read_back_is_unchanged(pairs):
    entries = tuple(Entry(f"{i}:{a}", b, flags=("fuzzy",) if f else ()) for i, (a, b, f) in enumerate(pairs))
    po = PoFile(Entry("", "Content-Type: text/plain; charset=UTF-8\n"), entries)
    again = pofile.read("x.po", pofile.write(po))
    assert [e.key() for e in again.entries] == [e.key() for e in entries]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=LINE, paragraphs=st.lists(LINE, min_size=1, max_size=4), item=LINE)
def test_segment_catalog_merge_with_the_identity_reproduces_the_source(tiny_site, title, paragraphs, item):
    config = load_config(tiny_site)
    text = ("---\nid: prop-01\nlang: en\ntitle: " + _yaml(title) + "\nsummary: s\ntopics: []\ncreated: 2022-01-01\n"
            "next_review: 2030\nreferences: []\n---\n\n" + "\n\n".join(escape_inline(p) for p in paragraphs)
            + "\n\n- " + escape_inline(item) + "\n")
    article = read_article("sources/prop.md", text, config)
    template = catalogs.template_entries(segments(article))
    header = catalogs.template_header("p", "p", "a@b.c", "en", BUILD_TIME)
    merged = catalogs.merge(None, catalogs.catalog_header(header, "p", "de", BUILD_TIME), template)
    filled = PoFile(merged.header, tuple(Entry(e.msgid, e.msgid, extracted=e.extracted, locations=e.locations)
                                         for e in merged.entries))
    reread = catalogs.parse("p.po", catalogs.serialize(filled), "de")
    assert localize(article, catalogs.translations(reread), "en") == article


def _yaml(text: str) -> str:
    import json
    return json.dumps(text, ensure_ascii=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=LINE, summary=LINE, body=st.lists(TEXT, min_size=1, max_size=3))
@example(title="*0*", summary="s", body=["b"])  # a title with emphasis: the page shows it emphasized
def test_any_text_gives_parseable_output_or_a_clear_error(tmp_path_factory, title, summary, body):
    root = tmp_path_factory.mktemp("prop") / "site"
    shutil.copytree(DATA / "site-tiny", root)
    source = ("---\nid: prop-02\nlang: en\ntitle: " + _yaml(title) + "\nsummary: " + _yaml(summary)
              + "\ntopics: [legs]\ncreated: 2022-01-01\nnext_review: 2030\nreferences: []\n---\n\n"
              + "\n\n".join(body) + "\n")
    (root / "sources/prop.md").write_text(source, encoding="utf-8")
    try:
        publish(root, BUILD_TIME)
    except PipelineError as exc:
        assert all(line.startswith("sources/prop.md:") for line in str(exc).splitlines())  # one line per problem
        return
    page = html.fromstring((root / "output/en/prop-02.html").read_bytes())
    assert page.xpath("string(//h1)") == plain_text(title)  # the title's inline Markdown, as a reader sees it
    for name in ("en/feed.atom", "en/feed.rss"):
        assert not feedparser.parse((root / "output" / name).read_bytes()).bozo
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        for po in (root / "locales").rglob("*.po*"):
            assert subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po)], capture_output=True).returncode == 0


def test_dates_in_properties_are_fixed():
    assert BUILD_TIME.date() == dt.date(2025, 11, 24)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
