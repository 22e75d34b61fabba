"""Source articles written as Markdown: the inverse of ``sources.read_article``, for ingest."""

from __future__ import annotations

import json
import re

from pipeline.model import Article, Block, Cell, Figure, Heading, ListBlock, Paragraph, Table

_SPECIAL = re.compile(r"([\\`*_\[\]<])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^([#>+=~-]|\d+[.)])")  # would start a heading, quote, list, rule or fence
# What would end a link's destination or start something else inside it: whitespace, parentheses,
# angle brackets (an autolink), a backtick (a code span that swallows the link), backslash, quotes
# and the controls. Percent-encoded, each means to the browser what it meant in the page.
_UNSAFE_IN_DESTINATION = re.compile(r"[\s()<>`\\\"'\x00-\x1f\x7f-\x9f]")


def escape_inline(text: str) -> str:
    """Plain text as inline Markdown that reads back as the same text."""
    return escape_line_start(" ".join(escape_text(text).split()))


def escape_text(text: str) -> str:
    """Markdown's special characters escaped; spacing left as it is."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def escape_line_start(markdown: str) -> str:
    """A unit starting like a heading, list item or quote would read as one: escape that start."""
    return _LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], markdown)


def link(text: str, url: str) -> str:
    """A Markdown link to ``url`` with the inline Markdown ``text``: nothing in the address can end
    the link early, give it a title or make another link (an address from a page is untrusted)."""
    return f"[{text}]({destination(url)})"


def destination(url: str) -> str:
    """``url`` as a link or image destination that reads back as the same address.

    The characters that could end or change it are percent-encoded (UTF-8, as a browser does);
    an ``&`` that would read as an entity is escaped, since ``%26`` would change a query.
    """
    encoded = _UNSAFE_IN_DESTINATION.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode("utf-8")), url)
    return _ENTITY.sub(r"\\&", encoded)


def figure(alt: str, src: str, caption: str | None) -> str:
    """A figure's line ``![alt](src "caption")``; ``alt`` and ``caption`` are inline Markdown.

    The title is unescaped when read (backslash escapes and entities), so every backslash, quote
    and entity-like ``&`` of the caption is escaped to come back as it was written."""
    title = ""
    if caption:
        title = ' "' + _ENTITY.sub(r"\\&", caption.replace("\\", "\\\\").replace('"', '\\"')) + '"'
    return f"![{alt}]({destination(src)}{title})"


def to_markdown(article: Article) -> str:
    """The article's source file: front matter, then the body."""
    return _front_matter(article) + "\n" + "\n\n".join(_block(b) for b in article.blocks) + "\n"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted string


def _front_matter(a: Article) -> str:
    lines = ["---", f"id: {_q(a.id)}", f"lang: {a.lang}"]
    slugs = set(a.slugs.values())
    if len(slugs) == 1:
        lines.append(f"slug: {slugs.pop()}")
    else:
        lines += ["slug:"] + [f"  {lang}: {slug}" for lang, slug in sorted(a.slugs.items())]
    lines += [f"title: {_q(a.title.value)}", f"summary: {_q(a.summary.value)}",
              f"topics: [{', '.join(a.topics)}]", f"created: {a.created.isoformat()}"]
    if a.updated:
        lines.append(f"updated: {a.updated.isoformat()}")
    lines.append(f"next_review: {_q(str(a.next_review)) if a.next_review.month else a.next_review.year}")
    if a.sample:
        lines.append("sample: true")
    if not a.references:
        lines.append("references: []")
    else:
        lines.append("references:")
        for ref in a.references:
            lines.append(f"  - text: {_q(ref.text)}\n    lang: {ref.lang}")
    return "\n".join(lines + ["---", ""])


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text.value
    if isinstance(block, Paragraph):
        return block.text.value
    if isinstance(block, ListBlock):
        return "\n".join(_list(block, ""))
    if isinstance(block, Figure):
        return figure(block.alt.value, block.src, block.caption.value if block.caption else None)
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"unknown block {block!r}")


def _list(block: ListBlock, indent: str) -> list[str]:
    lines = []
    for number, item in enumerate(block.items, block.start):
        marker = f"{number}. " if block.ordered else "- "
        lines.append(f"{indent}{marker}{item.text.value}")
        for child in item.children:
            lines += _list(child, indent + " " * len(marker))
    return lines


def _table(table: Table) -> str:
    def row(cells: tuple[Cell, ...]) -> str:
        return "| " + " | ".join(c.text.value.replace("|", "\\|") for c in cells) + " |"

    rule = {"left": ":--", "center": ":-:", "right": "--:", None: "---"}
    lines = [row(table.header), "|" + "|".join(rule[c.align] for c in table.header) + "|"]
    return "\n".join(lines + [row(r) for r in table.rows])
