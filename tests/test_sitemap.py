"""The sitemap, written as text, against what lxml writes for the same tree."""

from __future__ import annotations

import dataclasses
import shutil
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.config import load_config
from pipeline.model import Page
from pipeline.sitemap import NS, XHTML, sitemap
from pipeline.sources import read_sources
from tests.helpers import DATA


def lxml_sitemap(pages, indexes, config, lastmod) -> bytes:
    """The reference: the same tree built and written by lxml."""
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for page in pages:
        groups[page.article.id][page.article.lang] = page.path
    groups["index"] = {path.split("/")[0]: path for path in indexes}
    root = etree.Element(f"{{{NS}}}urlset", nsmap={None: NS, "xhtml": XHTML})
    for _, versions in sorted(groups.items()):
        for lang in (l for l in config.languages if l in versions):
            url = etree.SubElement(root, f"{{{NS}}}url")
            etree.SubElement(url, f"{{{NS}}}loc").text = config.base_url + versions[lang]
            if versions[lang] in lastmod:
                etree.SubElement(url, f"{{{NS}}}lastmod").text = lastmod[versions[lang]]
            for other in (l for l in config.languages if l in versions):
                etree.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=other,
                                 href=config.base_url + versions[other])
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A copy of the tiny site: reading sources keeps results in the project's .cache/."""
    root = tmp_path_factory.mktemp("sitemap") / "tiny"
    shutil.copytree(DATA / "site-tiny", root)
    return root


def _pages(config, site):
    articles = read_sources(site, config)
    return [Page(dataclasses.replace(a, lang=lang), f"{lang}/{a.slugs[lang]}.html")
            for a in articles for lang in config.languages]


def test_the_tiny_site_gives_what_lxml_gives(site):
    config = load_config(site)
    pages = _pages(config, site)
    lastmod = {pages[0].path: "2025-11-24", "en/index.html": "2025-01-02"}
    ours = sitemap(pages, ["en/index.html", "de/index.html"], config, lastmod)
    assert ours == lxml_sitemap(pages, ["en/index.html", "de/index.html"], config, lastmod)
    assert b"<xhtml:link" in ours and b"<lastmod>2025-11-24</lastmod>" in ours


def test_an_empty_site_gives_what_lxml_gives(site):
    config = load_config(site)
    assert sitemap([], [], config, {}) == lxml_sitemap([], [], config, {})


@settings(max_examples=60, deadline=None)
@given(base=st.text(alphabet=st.sampled_from('ab/:.&<>"\'\t\n\r é?='), max_size=30),
       day=st.text(alphabet=st.sampled_from("0123456789-&<>"), max_size=12))
def test_any_base_url_and_date_give_what_lxml_gives(site, base, day):
    config = dataclasses.replace(load_config(site), base_url=base)
    pages = _pages(config, site)
    lastmod = {pages[1].path: day}
    assert sitemap(pages, ["en/index.html"], config, lastmod) == lxml_sitemap(pages, ["en/index.html"], config, lastmod)
