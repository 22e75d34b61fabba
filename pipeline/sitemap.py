"""``sitemap.xml`` with the language versions of every page, and a ``robots.txt`` naming it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from lxml import etree

from pipeline.config import SiteConfig
from pipeline.model import Page

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def sitemap(pages: Sequence[Page], indexes: Sequence[str], config: SiteConfig,
            lastmod: Mapping[str, str]) -> bytes:
    """Every page and language index, each with ``hreflang`` links to all its language versions."""
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


def robots(config: SiteConfig) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}sitemap.xml\n".encode()
