"""Plain-text exports of article pages into imported articles, by their layout: blocks are
separated by blank lines, a short line without closing punctuation is a heading, bulleted
lines are a list, "Image: …" lines are figure captions, citations are references, and what
follows the references is the site's own text."""

from __future__ import annotations

import re

from pipeline.imported import BOILERPLATE, ImportedPage, find_dates, is_boilerplate, is_date_line
from pipeline.model import Block, Figure, Heading, ListBlock, ListItem, Origin, Paragraph, Text
from pipeline.writer import escape_inline

_BULLET = re.compile(r"^\s*(?:[•◦▪‣·*–-]|\d+[.)])\s+(.*)$")
_CAPTION = re.compile(r"^(?:Image|Picture|Figure|Bild|Abbildung|Grafik)\s*:\s*(.+)$", re.IGNORECASE)
_PHOTO = re.compile(r"^(?:Photo|Picture|Illustration|Image|Foto|Bild|Zeichnung) (?:of|von|:)\s", re.IGNORECASE)
# "Kahn SR, Shrier I, Shapiro S et al. Title. CMAJ 2011; 183(1): 37-44."
_CITATION = re.compile(r"^[A-ZÄÖÜ][\w'’-]+ [A-Z]{1,4}(?:, [A-ZÄÖÜ][\w'’-]+ [A-Z]{1,4})*(?: et al)?\. .+\b(?:19|20)\d\d\b")
_CLOSING = (".", ":", ";", ",", "!")


def read_text(text: str, address: str, markers: tuple[str, ...] = BOILERPLATE) -> ImportedPage:
    blocks: list[Block] = []
    references: list[str] = []
    dropped: list[str] = []
    date_lines: list[str] = []
    for line, lines in _chunks(text):
        joined = " ".join(part.strip() for part in lines)
        origin = Origin(address, line)
        if any(is_date_line(part) for part in lines):
            date_lines += lines
        elif all(_BULLET.match(part) for part in lines) and not references:
            ordered = _BULLET.match(lines[0]).group(0).strip()[0].isdigit()
            items = tuple(ListItem(Text(escape_inline(_BULLET.match(p).group(1)), Origin(address, line + i)))
                          for i, p in enumerate(lines))
            blocks.append(ListBlock(ordered, items))
        elif _CITATION.match(joined):
            references.append(joined)
        elif references or is_boilerplate(joined, markers):
            dropped.append(joined[:60])  # after the references comes the site's own text
        elif (match := _CAPTION.match(joined)):
            caption = escape_inline(match.group(1))
            blocks.append(Figure("", Text(caption, origin), Text(caption, origin)))
        elif len(lines) == 1 and _PHOTO.match(joined):
            blocks.append(Figure("", Text(escape_inline(joined), origin), None))
        elif _is_heading(lines):
            blocks.append(Heading(2, Text(escape_inline(joined), origin)))
        else:
            blocks.append(Paragraph(Text(escape_inline(joined), origin)))
    dates = find_dates("\n".join(date_lines))
    title = next((b.text.value for b in blocks if isinstance(b, Heading)), None)
    return ImportedPage(
        title=title, summary=None, blocks=tuple(blocks), references=tuple(references),
        created=dates.get("created"), updated=dates.get("updated"), next_review=dates.get("next_review"),
        lang=None, images=(), dropped=tuple(dropped),
    )


def _chunks(text: str) -> list[tuple[int, list[str]]]:
    """Blocks of non-blank lines with the number of their first line."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            found.append((start, current))
            current = []
    if current:
        found.append((start, current))
    return found


def _is_heading(lines: list[str]) -> bool:
    line = lines[0].strip()
    return len(lines) == 1 and len(line) <= 120 and not line.endswith(_CLOSING) and len(line.split()) <= 14
