"""Web pages into imported articles, with lxml: find the article, map its elements to our
blocks, read its dates, and leave out the site around it."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html

from pipeline.imported import BOILERPLATE, ImportedPage, find_dates, is_boilerplate, is_date_line
from pipeline.model import Block, Cell, Figure, Heading, ListBlock, ListItem, Origin, Paragraph, Table, Text
from pipeline.writer import escape_inline, escape_line_start, escape_text, link

# No network, no processing instructions or comments; HTML has no external entities to expand.
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
_FURNITURE = ("script", "style", "noscript", "iframe", "object", "embed", "template", "form", "button",
              "input", "select", "textarea", "nav", "aside", "footer", "svg", "canvas", "video", "audio")
_FURNITURE_CLASSES = re.compile(r"\b(nav|menu|breadcrumb|cookie|consent|feedback|newsletter|social|share|"
                                r"sidebar|banner|comment|related|print)\w*", re.IGNORECASE)
_REFERENCE_HEADINGS = re.compile(r"^(sources|references|literature|bibliography|quellen|literatur\w*)$", re.IGNORECASE)
_ALIGN = {"left": "left", "center": "center", "right": "right"}
_BROWSER_DROPS = re.compile(r"[\t\n\r]")  # what a browser removes from an address before following it


def read_html(text: str, address: str, markers: tuple[str, ...] = BOILERPLATE) -> ImportedPage:
    doc = lxml.html.document_fromstring(text, parser=_PARSER) if text.strip() else lxml.html.fromstring("<html/>")
    summary = _meta(doc, "description")
    dropped: list[str] = []
    root = _article_root(doc)
    _note_outside(doc, root, dropped)
    _remove_furniture(root, dropped)
    walker = _Walker(address, markers, dropped)
    title = None
    h1 = root.find(".//h1")
    if h1 is not None:
        title = _plain(h1)
        h1.drop_tree()
    walker.container(root)
    dates = find_dates("\n".join(walker.date_lines))
    return ImportedPage(
        title=title, summary=summary, blocks=tuple(walker.blocks), references=tuple(walker.references),
        created=dates.get("created"), updated=dates.get("updated"), next_review=dates.get("next_review"),
        lang=(doc.get("lang") or "").split("-")[0].lower() or None,
        images=(), dropped=tuple(dropped),
    )


def _meta(doc: lxml.html.HtmlElement, name: str) -> str | None:
    values = doc.xpath(f"//meta[@name='{name}']/@content")
    return " ".join(values[0].split()) if values and values[0].strip() else None


def _article_root(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for path in ("//main//article", "//article", "//main", "//*[@role='main']", "//body"):
        found = doc.xpath(path)
        if found:
            return found[0]
    return doc


def _note_outside(doc: lxml.html.HtmlElement, root: lxml.html.HtmlElement, dropped: list[str]) -> None:
    """Name the site furniture around the article, so the editor sees what was left out."""
    inside = set(root.iter()) | set(root.iterancestors())
    for element in doc.iter():
        if element in inside or not isinstance(element.tag, str) or element.tag in ("html", "head", "body"):
            continue
        if any(parent not in inside for parent in element.iterancestors() if parent.tag not in ("html", "body")):
            continue  # only the outermost piece of furniture
        summary = " ".join(element.text_content().split())[:60]
        if summary and element.tag not in ("title", "meta", "link"):
            dropped.append(f"<{element.tag}> {summary}")


def _remove_furniture(root: lxml.html.HtmlElement, dropped: list[str]) -> None:
    for element in list(root.iter()):
        if element.getparent() is None or not isinstance(element.tag, str):
            continue
        classes = f"{element.get('class', '')} {element.get('id', '')}"
        if element.tag in _FURNITURE or _FURNITURE_CLASSES.search(classes):
            summary = " ".join(element.text_content().split())[:60]
            if summary:
                dropped.append(f"<{element.tag}> {summary}")
            element.drop_tree()


class _Walker:
    """Walks the article's elements in order, collecting blocks, references and date lines."""

    def __init__(self, address: str, markers: tuple[str, ...], dropped: list[str]):
        self.address, self.markers, self.dropped = address, markers, dropped
        self.blocks: list[Block] = []
        self.references: list[str] = []
        self.date_lines: list[str] = []
        self.in_references = False

    def text(self, element: lxml.html.HtmlElement, markdown: str) -> Text:
        return Text(markdown, Origin(self.address, element.sourceline or 0))

    def container(self, element: lxml.html.HtmlElement) -> None:
        if element.text and element.text.strip():
            self.paragraph(element, escape_inline(element.text))
        for child in element:
            if isinstance(child.tag, str):
                self.element(child)
            if child.tail and child.tail.strip():
                self.paragraph(element, escape_inline(child.tail))

    def element(self, el: lxml.html.HtmlElement) -> None:
        tag = el.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading(el)
        elif tag == "p":
            self.paragraph(el, inline(el, self.address))
        elif tag in ("ul", "ol"):
            if self.in_references:
                self.references += [" ".join(li.text_content().split()) for li in el.findall("li")]
            else:
                self.blocks.append(self.list(el))
        elif tag == "figure":
            self.figure(el.find(".//img"), el.find(".//figcaption"))
        elif tag == "img":
            self.figure(el, None)
        elif tag == "table":
            table = self.table(el)
            if table is not None:
                self.blocks.append(table)
        elif tag in ("blockquote", "div", "section", "header", "article", "main", "span", "dl"):
            self.container(el)
        else:
            self.paragraph(el, inline(el, self.address))

    def heading(self, el: lxml.html.HtmlElement) -> None:
        words = _plain(el)
        if _REFERENCE_HEADINGS.match(words):
            self.in_references = True
            return
        self.in_references = False
        if is_boilerplate(words, self.markers):
            self.dropped.append(f"<{el.tag}> {words[:60]}")
            return
        level = 2 if el.tag in ("h1", "h2") else 3
        self.blocks.append(Heading(level, self.text(el, inline(el, self.address))))

    def paragraph(self, el: lxml.html.HtmlElement, markdown: str) -> None:
        plain = " ".join(el.text_content().split()) if isinstance(el.tag, str) else markdown
        if not markdown.strip():
            return
        if is_date_line(plain) or "Created on" in plain or "Erstellt am" in plain:
            self.date_lines.append(plain.replace("·", "\n"))
        elif self.in_references:
            self.references.append(plain)
        elif is_boilerplate(plain, self.markers):
            self.dropped.append(f"<p> {plain[:60]}")
        else:
            self.blocks.append(Paragraph(self.text(el, markdown)))

    def list(self, el: lxml.html.HtmlElement) -> ListBlock:
        items = []
        for li in el.findall("li"):
            nested = [child for child in li if child.tag in ("ul", "ol")]
            for child in nested:
                li.remove(child)
            items.append(ListItem(self.text(li, inline(li, self.address)), tuple(self.list(c) for c in nested)))
        start = int(el.get("start", "1")) if el.get("start", "1").isdigit() else 1
        return ListBlock(el.tag == "ol", tuple(items), start)

    def figure(self, img: lxml.html.HtmlElement | None, caption: lxml.html.HtmlElement | None) -> None:
        if img is None or not img.get("src"):
            return
        src = urljoin(self.address, img.get("src"))
        alt = escape_inline(img.get("alt") or "")
        if not alt:
            self.dropped.append(f"<img> {src} (no alt text, so not imported)")
            return
        cap = inline(caption, self.address) if caption is not None else ""
        self.blocks.append(Figure(src, self.text(img, alt), self.text(caption, cap) if cap else None))

    def table(self, el: lxml.html.HtmlElement) -> Table | None:
        rows = el.xpath("./thead/tr | ./tbody/tr | ./tr")
        if not rows:
            return None
        cells = [[Cell(self.text(c, inline(c, self.address)), _ALIGN.get((c.get("align") or "").lower()))
                  for c in row.xpath("./th | ./td")] for row in rows]
        return Table(tuple(cells[0]), tuple(tuple(r) for r in cells[1:]))


def inline(el: lxml.html.HtmlElement, base: str) -> str:
    """An element's content as inline Markdown: emphasis, links and code kept, the rest as text."""
    return escape_line_start(" ".join(_inline(el, base).split()))


def _inline(el: lxml.html.HtmlElement, base: str) -> str:
    parts = [escape_text(el.text or "")]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_inline_child(child, base))
        parts.append(escape_text(child.tail or ""))
    return "".join(parts)


def _inline_child(child: lxml.html.HtmlElement, base: str) -> str:
    if child.tag == "br":
        return " "
    inner = _inline(child, base)
    core = inner.strip()
    if not core:
        return inner
    lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
    if child.tag in ("strong", "b"):
        core = f"**{core}**"
    elif child.tag in ("em", "i"):
        core = f"*{core}*"
    elif child.tag == "code":
        core = f"`{_plain(child)}`"
    elif child.tag == "a" and child.get("href"):
        href = _address(base, child.get("href"))
        if href is not None:
            core = link(core, href)
    return lead + core + trail


def _address(base: str, href: str) -> str | None:
    """The absolute http(s) or mailto address a link points at, None for any other (or none)."""
    try:
        address = urljoin(base, _BROWSER_DROPS.sub("", href).strip())
        return address if urlsplit(address).scheme in ("http", "https", "mailto") else None
    except ValueError:  # e.g. "http://[" names no host a browser could follow
        return None


def _plain(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())

