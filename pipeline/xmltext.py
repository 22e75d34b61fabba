"""XML character data and attribute values, escaped the way libxml2 (lxml) writes them.

The sitemap and the feeds are written as text; their tests hold them to what lxml writes.
"""

from __future__ import annotations

from pipeline.cleantext import describe, forbidden_character


def text(value: str) -> str:
    """``value`` as an element's content.

    Every reader refuses the characters of ``cleantext`` where they are read, with file and
    line; one that arrives here anyway is a bug of ours, and no feed or sitemap may carry it."""
    found = forbidden_character(value)
    if found:
        raise ValueError(f"{describe(found.group())} reached a feed or sitemap: every reader should have refused it")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attribute(value: str) -> str:
    """``value`` as an attribute value, with its double quotes."""
    escaped = text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return f'"{escaped}"'
