"""XML character data and attribute values, escaped the way libxml2 (lxml) writes them.

The sitemap and the feeds are written as text; their tests hold them to what lxml writes.
"""

from __future__ import annotations

import re

# What lxml refuses to put into a document (control characters, surrogates, U+FFFE/U+FFFF).
# Sources never hold them (``cleantext``); a feed or sitemap must not be the first to let one through.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """``value`` as an element's content."""
    if _NOT_XML.search(value):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attribute(value: str) -> str:
    """``value`` as an attribute value, with its double quotes."""
    escaped = text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return f'"{escaped}"'
