"""Gettext catalogs: one template (``.pot``) per article and for the site, one ``.po`` per
article or site and target language, in the usual gettext layout below ``locales/``.

The functions here build, merge, read and serialize catalogs in memory; the orchestrator
decides what to write.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from pipeline.config import SiteConfig
from pipeline.errors import CatalogError
from pipeline.model import Progress, Segment

LOCALES = "locales"
SITE_DOMAIN = "site"  # the catalog of every word the page templates show
WIDTH = 76  # Babel's default; GNU tools accept it
# Header lines that change with the clock, not with the content.
_VOLATILE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', re.MULTILINE)


def template_path(domain: str) -> str:
    return f"{LOCALES}/{domain}.pot"


def catalog_path(lang: str, domain: str) -> str:
    return f"{LOCALES}/{lang}/LC_MESSAGES/{domain}.po"


def make_template(domain: str, segments: Iterable[Segment], config: SiteConfig, when: dt.datetime,
                  description: str) -> Catalog:
    """A template holding every unit once, with all the places it appears."""
    template = Catalog(
        domain=domain,
        header_comment=f"# {description}\n# Template: translate the .po files, not this file.",
        project=config.title,
        version=domain,
        msgid_bugs_address=config.contact_email,
        creation_date=when,
        fuzzy=False,
    )
    for segment in segments:
        template.add(segment.msgid, locations=[(segment.origin.path, segment.origin.line)],
                     auto_comments=[segment.kind])
    return template


def merge(template: Catalog, existing: Catalog | None, lang: str, description: str) -> Catalog:
    """The catalog for ``lang`` brought up to date with ``template``.

    Translations, translator comments and flags are kept; changed units become fuzzy,
    removed ones obsolete.
    """
    catalog = existing
    if catalog is None:
        catalog = Catalog(
            locale=Locale.parse(lang),
            domain=template.domain,
            header_comment=f"# {description}",
            project=template.project,
            version=template.version,
            msgid_bugs_address=template.msgid_bugs_address,
            language_team=f"{Locale.parse(lang).get_display_name('en')} <{template.msgid_bugs_address}>",
            creation_date=template.creation_date,
            fuzzy=False,
        )
    catalog.update(template, update_creation_date=True)
    return catalog


def parse(path: str, data: bytes, lang: str | None, domain: str) -> Catalog:
    """Read a catalog file; a syntax error names the file and line."""
    try:
        check_syntax(path, data.decode("utf-8"))
        return read_po(io.BytesIO(data), locale=lang, domain=domain, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(f"not a valid gettext catalog: {exc}", path, getattr(exc, "lineno", None)) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"cannot read catalog: {exc}; save it as UTF-8", path) from exc


_STRING = r'"(?:[^"\\]|\\.)*"'
_LINE = re.compile(rf"^(?:\s*|#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+{_STRING}\s*|\s*{_STRING}\s*)$")


def check_syntax(path: str, text: str) -> None:
    """Refuse what Babel's lenient reader would silently drop, such as an unclosed quote."""
    for number, line in enumerate(text.splitlines(), 1):
        if not _LINE.match(line):
            raise CatalogError(f"not a gettext line: {line.strip()[:60]!r}; check the keyword and the quotes",
                               path, number)


def serialize(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, omit_header=False, include_previous=False)
    return out.getvalue()


def same_content(old: bytes, new: bytes) -> bool:
    """True when two catalog files differ at most in their header dates."""
    return _VOLATILE.sub(b"", old) == _VOLATILE.sub(b"", new)


def translations(catalog: Catalog) -> dict[str, str]:
    """Confirmed translations only: fuzzy ones need a translator's eye first."""
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def progress(catalog: Catalog | None, msgids: Iterable[str]) -> Progress:
    wanted = set(msgids)
    confirmed = translations(catalog) if catalog is not None else {}
    fuzzy = 0
    if catalog is not None:
        fuzzy = sum(1 for m in catalog if m.id in wanted and m.fuzzy and m.string and m.id not in confirmed)
    return Progress(total=len(wanted), translated=len(wanted & confirmed.keys()), fuzzy=fuzzy)
