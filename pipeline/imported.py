"""What an importer found on a page, before it becomes a source article; and the date lines
("Created on June 2, 2022", "Erstellt am 2. Juni 2022", "Next planned update: 2025") both
importers read."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from babel import Locale

from pipeline.model import Block, ReviewDate

# Text that marks site furniture rather than article content; sites can add their own.
BOILERPLATE = (
    "comment on this page", "kommentieren sie diese seite", "what would you like to share",
    "we welcome any feedback", "newsletter", "follow us", "folgen sie uns", "über diese seite",
    "about this page", "how we keep you informed", "so halten wir sie auf dem laufenden",
    "fields marked with an asterisk", "we do not offer individual consultations",
    "please note that we do not provide individual advice", "cookie", "imprint", "impressum",
    "privacy", "datenschutz", "all rights reserved",
)


@dataclass(frozen=True)
class ImportedPage:
    """An article as an importer read it from a page."""

    title: str | None  # the page's main heading, if it has one
    summary: str | None  # the page's description, if it has one
    blocks: tuple[Block, ...]  # the body, texts already inline Markdown
    references: tuple[str, ...]  # the literature list, verbatim
    created: dt.date | None  # "Created on …"
    updated: dt.date | None  # "Updated on …"
    next_review: ReviewDate | None  # "Next planned update: …"
    lang: str | None  # the language the page declares
    images: tuple[tuple[str, str], ...]  # (path below sources/, address to download it from)
    dropped: tuple[str, ...]  # what was left out as site boilerplate, shortened


_DATE_LINES = {
    "created": (r"Created on", r"Erstellt am"),
    "updated": (r"Updated on", r"Aktualisiert am"),
    "next_review": (r"Next planned update:", r"Nächste geplante Aktualisierung:"),
}


def is_boilerplate(text: str, markers: tuple[str, ...] = BOILERPLATE) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in markers)


def find_dates(text: str) -> dict[str, object]:
    """Every date line in ``text``, in English or German, as dates."""
    found: dict[str, object] = {}
    for key, labels in _DATE_LINES.items():
        for label in labels:
            match = re.search(label + r"\s*([^·|\n]+?)\s*(?:[·|\n]|$)", text)
            if match:
                value = parse_date(match.group(1).strip().rstrip("."), partial=key == "next_review")
                if value is not None:
                    found[key] = value
                    break
    return found


def is_date_line(text: str) -> bool:
    return any(text.strip().startswith(label) for labels in _DATE_LINES.values() for label in labels)


def _months() -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in ("en", "de"):
        months = Locale.parse(lang).months["format"]
        for width in ("wide", "abbreviated"):
            names.update({name.lower().rstrip("."): number for number, name in months[width].items()})
    return names


_MONTHS = _months()


def parse_date(text: str, partial: bool = False) -> dt.date | ReviewDate | None:
    """"June 2, 2022", "2. Juni 2022", "2022-06-02"; with ``partial`` also "2025", "June 2025"."""
    text = " ".join(text.split())
    for pattern in (r"(?P<m>[^\W\d]+)\.? (?P<d>\d{1,2}), (?P<y>\d{4})", r"(?P<d>\d{1,2})\. ?(?P<m>[^\W\d]+)\.? (?P<y>\d{4})",
                    r"(?P<y>\d{4})-(?P<mn>\d{2})-(?P<d>\d{2})", r"(?P<m>[^\W\d]+)\.? (?P<y>\d{4})",
                    r"(?P<y>\d{4})-(?P<mn>\d{2})", r"(?P<y>\d{4})"):
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts["mn"]) if parts.get("mn") else _MONTHS.get((parts.get("m") or "").lower())
        if parts.get("m") and month is None:
            return None
        year, day = int(parts["y"]), int(parts["d"]) if parts.get("d") else None
        try:
            if day is not None and month is not None:
                date = dt.date(year, month, day)
                return ReviewDate(year, month, day) if partial else date
            if partial:
                return ReviewDate(year, month)
        except ValueError:
            return None
        return None
    return None
