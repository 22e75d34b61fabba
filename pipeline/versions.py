"""The version ledger: every article's versions and the version each translation follows,
kept in ``sources/versions/<id>.toml`` and committed with the sources.

Dates come from here, not from file times or git history, so a shallow clone publishes
the same dates, and a typo fix marked editorial moves no visible date.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import replace
from typing import NoReturn

from pipeline.articlejson import fingerprint
from pipeline.cleantext import check_value, forbidden_character
from pipeline.config import LANGUAGE_CODE
from pipeline.errors import LedgerError, SourceError
from pipeline.model import Article, Ledger, NewsletterRecord, TranslationRecord, Version

LEDGERS = "sources/versions"


def ledger_path(article_id: str) -> str:
    return f"{LEDGERS}/{article_id}.toml"


def record_version(article: Article, ledger: Ledger | None, today: dt.date, editorial: bool = False,
                   mark: str | None = None) -> Ledger:
    """The ledger with the article's current content recorded; unchanged content adds nothing."""
    _check_dates(article, today)
    mark = mark or fingerprint(article)
    if ledger is None:
        first = Version(1, article.updated or article.created, mark, "substantive", article.change_note)
        return Ledger(article.id, (first,))
    if ledger.current.fingerprint == mark:
        return ledger
    if today < ledger.current.date:
        raise SourceError(f"the build date {today} is before version {ledger.current.number} of "
                          f"{ledger.current.date}; dates never move backwards (check SOURCE_DATE_EPOCH "
                          "and the clock)", article.origin.path, 1)
    kind = "editorial" if editorial or article.change == "editorial" else "substantive"
    explicit = article.updated if article.updated and article.updated > ledger.current.date else None
    date = explicit if kind == "substantive" and explicit else today
    version = Version(ledger.current.number + 1, date, mark, kind, article.change_note)
    return replace(ledger, versions=ledger.versions + (version,))


def pending_kind(article: Article, ledger: Ledger | None, editorial: bool = False,
                 mark: str | None = None) -> str | None:
    """What recording the article now would add: None, ``substantive`` or ``editorial``."""
    if ledger is None or ledger.current.fingerprint == (mark or fingerprint(article)):
        return None
    return "editorial" if editorial or article.change == "editorial" else "substantive"


def _check_dates(article: Article, today: dt.date) -> None:
    for name in ("created", "updated"):
        value = getattr(article, name)
        if value and value > today:
            raise SourceError(f"'{name}' ({value}) is after the build date {today}; a date cannot be in "
                              "the future", article.origin.path, 1)


def dated(article: Article, ledger: Ledger) -> Article:
    """The article with its visible dates: ``updated`` is the last substantive version, unless the
    front matter names a later date."""
    return replace(article, updated=updated_date(article.created, ledger, article.updated))


def updated_date(created: dt.date, ledger: Ledger, explicit: dt.date | None = None,
                 upto: int | None = None) -> dt.date | None:
    """The 'Updated on' date of version ``upto`` (default: the current one)."""
    versions = [v for v in ledger.versions if upto is None or v.number <= upto]
    substantive = [v.date for v in versions if v.kind == "substantive"]
    candidates = [d for d in substantive + [explicit] if d and d > created]
    return max(candidates) if candidates else None


def record_translation(ledger: Ledger, lang: str, today: dt.date) -> Ledger:
    """Note that the translation into ``lang`` is complete for the current version.

    Its completion date only moves when the translation caught up with new content: after an
    editorial correction it keeps the date it had.
    """
    old = ledger.translation(lang)
    if old and old.version == ledger.current.number:
        return ledger
    caught_up = not old or behind(ledger, old.version)
    record = TranslationRecord(lang, ledger.current.number, today if caught_up else old.completed)
    others = tuple(t for t in ledger.translations if t.lang != lang)
    return replace(ledger, translations=tuple(sorted(others + (record,), key=lambda t: t.lang)))


def mint_entry_id(ledger: Ledger, lang: str, authority: str, created: dt.date) -> Ledger:
    """Give a language version its feed entry id, once: a tag URI (RFC 4151) from the site's
    host at minting time, the article's creation date and its id, never from slug or title."""
    if ledger.entry_id(lang):
        return ledger
    minted = f"tag:{authority},{created.isoformat()}:{ledger.article_id}:{lang}"
    return replace(ledger, entry_ids=tuple(sorted(ledger.entry_ids + ((lang, minted),))))


def feed_dates(article: Article, ledger: Ledger, lang: str) -> tuple[dt.date, dt.date]:
    """A language version's published and updated dates for feeds.

    Published is the original's creation date. Updated is the last substantive change the
    reader of that language got: the original's for its own language; for a translation, the
    date it caught up with a substantive update (its first completion does not count).
    """
    updated = article.updated or article.created
    if lang == article.source_lang:
        return article.created, updated
    record = ledger.translation(lang)
    if record and any(
            v.kind == "substantive" and 1 < v.number <= record.version for v in ledger.versions):
        updated = max(updated, record.completed)
    return article.created, updated


def stored_version_problem(ledger: Ledger, lang: str, version: int) -> str | None:
    """Why a stored translation cannot be following ``version`` of the original, or None.

    Its copy and the ledger are written together, so they name the same version; a copy that
    claims a later one than the ledger records would show an outdated translation without
    the notice that says so."""
    record = ledger.translation(lang)
    if ledger.version(version) is None:
        return f"it says it follows version {version} of the original, which the ledger does not have"
    if record is not None and record.version != version:
        return (f"it says it follows version {version} of the original, but the ledger records version "
                f"{record.version} for {lang}")
    return None


def behind(ledger: Ledger, version: int) -> bool:
    """True when a substantive version came after ``version``."""
    return any(v.kind == "substantive" and v.number > version for v in ledger.versions)


# ---------------------------------------------------------------- the file

def to_text(ledger: Ledger, source_path: str) -> str:
    lines = [
        f"# Version history of {source_path}, kept by 'make publish'.",
        "# Add or correct a 'note' if you like; never change numbers, dates, fingerprints or ids.",
        f"id = {_string(ledger.article_id)}",
    ]
    if ledger.entry_ids:
        lines += ["", "# Feed entry ids, one per language version: minted once, never changed.", "[entry_ids]"]
        lines += [f"{_key(lang)} = {_string(value)}" for lang, value in ledger.entry_ids]
    for v in ledger.versions:
        lines += ["", "[[versions]]", f"number = {v.number}", f"date = {v.date.isoformat()}",
                  f"fingerprint = {_string(v.fingerprint)}", f"kind = {_string(v.kind)}"]
        if v.note is not None:
            lines.append(f"note = {_string(v.note)}")
    for t in ledger.translations:
        lines += ["", "[[translations]]", f"lang = {_string(t.lang)}", f"version = {t.version}",
                  f"completed = {t.completed.isoformat()}"]
    for n in ledger.newsletters:
        lines += ["", "[[newsletters]]", f"lang = {_string(n.lang)}", f"issue = {n.issue.isoformat()}",
                  f"version = {n.version}"]
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    """``text`` as a TOML basic string that ``tomllib`` reads back as the same text: backslash,
    quote and every control character TOML cannot hold raw (U+0000-U+001F, U+007F) escaped."""
    return '"' + _UNSAFE_IN_STRING.sub(lambda m: _ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04X}", text) + '"'


def _key(text: str) -> str:
    """``text`` as a TOML key that ``tomllib`` reads back as the same text: bare when TOML allows
    it, else quoted. Whatever was read is written back readable, even a key no check expected."""
    return text if _BARE_KEY.fullmatch(text) else _string(text)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE_IN_STRING = re.compile(r'[\x00-\x1f\x7f"\\]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
# \Z, not $: "$" also matches before a final newline, and a key "fr\n" would be written back bare.
_FINGERPRINT = re.compile(r"^[0-9a-f]{1,64}\Z")
_ENTRY_ID = re.compile(r"^tag:\S+\Z")  # a tag URI (RFC 4151): it is a feed entry's <id>, on one line
_FIX = "restore the ledger from version control"
_TABLES = {"versions": ("number", "date", "fingerprint", "kind"), "translations": ("lang", "version", "completed"),
           "newsletters": ("lang", "issue", "version")}
_OPTIONAL = {"versions": ("note",), "translations": (), "newsletters": ()}


def parse(path: str, text: str, article_id: str) -> Ledger:
    """Read a ledger; a damaged or contradictory one is refused with its line.

    Every field is typed as it is read (``_Fields``): the ledger is committed beside the sources
    and editors may add a note by hand, so a note that is a table, a number where a date belongs
    or a character no page can carry is refused here, not written back or published.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise LedgerError(f"not valid TOML: {exc}", path, int(found[1]) if found else None) from exc
    fields = _Fields(path, text)
    unknown = sorted(set(data) - {"id", "entry_ids", *_TABLES})
    if unknown:
        fields.fail(unknown[0], None, f"'{unknown[0]}' is not a ledger field")
    if data.get("id") != article_id:
        raise LedgerError(f"the ledger is for id {data.get('id')!r}, not {article_id!r}", path, _line(text, "id ="))
    tables = {name: [fields.entry(name, index, entry) for index, entry in enumerate(fields.array(data, name))]
              for name in _TABLES}
    versions = tuple(Version(e["number"], e["date"], e["fingerprint"], e["kind"], e.get("note"))
                     for e in tables["versions"])
    records = tuple(TranslationRecord(e["lang"], e["version"], e["completed"]) for e in tables["translations"])
    sent = tuple(NewsletterRecord(e["lang"], e["issue"], e["version"]) for e in tables["newsletters"])
    _check_history(path, text, versions, records)
    return Ledger(article_id, versions, records, fields.entry_ids(data.get("entry_ids", {})), sent)


class _Fields:
    """The ledger's fields, each checked for its type, with the line it stands on."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text

    def fail(self, table: str, index: int | None, message: str, key: str | None = None) -> NoReturn:
        fix = 'write it as note = "what changed"' if key == "note" else _FIX  # the one field written by hand
        raise LedgerError(f"{message}; {fix}", self.path, self.line(table, index, key))

    def line(self, table: str, index: int | None, key: str | None) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[table]]`` (or ``[table]``), else of the table."""
        headers = [m.start() for m in re.finditer(rf"^[ \t]*\[\[?[ \t]*{re.escape(table)}[ \t]*\]", self.text, re.MULTILINE)]
        if index is None or index >= len(headers):
            start = headers[0] if headers else None
            return _line(self.text, table) if start is None else self.text.count("\n", 0, start) + 1
        start = headers[index]
        following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(self.text, start + 1)
        block = self.text[start:following.start() if following else len(self.text)]
        found = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", block, re.MULTILINE) if key else None
        return self.text.count("\n", 0, start + (found.start() if found else 0)) + 1

    def array(self, data: dict, name: str) -> list:
        value = data.get(name, [])
        if not isinstance(value, list):
            self.fail(name, None, f"'{name}' must be written as [[{name}]] tables")
        return value

    def entry(self, table: str, index: int, entry: object) -> dict:
        if not isinstance(entry, dict):
            self.fail(table, index, f"each of '{table}' must be a [[{table}]] table")
        for key in _TABLES[table]:
            if key not in entry:
                self.fail(table, index, f"a [[{table}]] entry lacks '{key}'")
        for key in entry:
            if key not in _TABLES[table] + _OPTIONAL[table]:
                self.fail(table, index, f"'{key}' is not a field of [[{table}]]", key)
        return {key: self.value(table, index, key, value) for key, value in entry.items()}

    def value(self, table: str, index: int, key: str, value: object) -> object:
        wrong = None
        if key in ("number", "version"):
            if type(value) is not int or value < 1:
                wrong = "a whole number from 1"
        elif key in ("date", "completed", "issue"):
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                wrong = "a date like 2025-06-30"
        elif key == "lang":
            if not isinstance(value, str) or not LANGUAGE_CODE.match(value):
                wrong = "a language code like \"de\""
        elif key == "fingerprint":
            if not isinstance(value, str) or not _FINGERPRINT.match(value):
                wrong = "the fingerprint 'make publish' wrote, in hex digits"
        elif key == "kind":
            if value not in ("substantive", "editorial"):
                wrong = "\"substantive\" or \"editorial\""
        elif not isinstance(value, str):  # the note
            wrong = "a text in double quotes"
        if wrong:
            self.fail(table, index, f"'{key}' must be {wrong}, not {_shown(value)}", key)
        if isinstance(value, str) and forbidden_character(value):  # its line looked up only then
            check_value(value, self.path, self.line(table, index, key), LedgerError, f"'{key}'")
        return value

    def entry_ids(self, data: object) -> tuple[tuple[str, str], ...]:
        if not isinstance(data, dict):
            self.fail("entry_ids", None, "'entry_ids' must be a [entry_ids] table")
        for lang, value in data.items():
            if not LANGUAGE_CODE.match(lang) or not isinstance(value, str) or not _ENTRY_ID.match(value):
                self.fail("entry_ids", 0, f"entry id {lang} must be a tag URI in double quotes, not {_shown(value)}",
                          lang)
            if forbidden_character(value):
                check_value(value, self.path, self.line("entry_ids", 0, lang), LedgerError, f"entry id {lang}")
        return tuple(sorted(data.items()))


def _shown(value: object) -> str:
    shown = repr(value.isoformat() if isinstance(value, dt.date) else value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _check_history(path: str, text: str, versions: tuple[Version, ...], records: tuple[TranslationRecord, ...]) -> None:
    if not versions:
        raise LedgerError("the ledger has no versions", path)
    for index, version in enumerate(versions):
        line = _line(text, f"number = {version.number}")
        if version.number != index + 1:
            raise LedgerError(f"version {version.number} is out of order; versions are numbered 1, 2, 3 …",
                              path, line)
        if index and version.date < versions[index - 1].date:
            raise LedgerError(f"version {version.number} ({version.date}) is dated before version "
                              f"{index} ({versions[index - 1].date}); recorded versions cannot be changed",
                              path, line)
    for record in records:
        if not 1 <= record.version <= len(versions):
            raise LedgerError(f"the {record.lang} translation follows version {record.version}, which does "
                              "not exist", path, _line(text, f'lang = "{record.lang}"'))


def _line(text: str, needle: str) -> int | None:
    match = re.search(rf"^{re.escape(needle)}", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None
