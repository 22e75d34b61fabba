"""The version ledger: every article's versions and the version each translation follows,
kept in ``sources/versions/<id>.toml`` and committed with the sources.

Dates come from here, not from file times or git history, so a shallow clone publishes
the same dates, and a typo fix marked editorial moves no visible date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import replace

from pipeline.articlejson import fingerprint
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
        lines += [f"{lang} = {_string(value)}" for lang, value in ledger.entry_ids]
    for v in ledger.versions:
        lines += ["", "[[versions]]", f"number = {v.number}", f"date = {v.date.isoformat()}",
                  f"fingerprint = {_string(v.fingerprint)}", f"kind = {_string(v.kind)}"]
        if v.note:
            lines.append(f"note = {_string(v.note)}")
    for t in ledger.translations:
        lines += ["", "[[translations]]", f"lang = {_string(t.lang)}", f"version = {t.version}",
                  f"completed = {t.completed.isoformat()}"]
    for n in ledger.newsletters:
        lines += ["", "[[newsletters]]", f"lang = {_string(n.lang)}", f"issue = {n.issue.isoformat()}",
                  f"version = {n.version}"]
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def parse(path: str, text: str, article_id: str) -> Ledger:
    """Read a ledger; a damaged or contradictory one is refused with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LedgerError(f"not valid TOML: {exc}", path) from exc
    if data.get("id") != article_id:
        raise LedgerError(f"the ledger is for id {data.get('id')!r}, not {article_id!r}", path, _line(text, "id ="))
    try:
        versions = tuple(Version(int(v["number"]), _date(v["date"]), str(v["fingerprint"]), v["kind"],
                                 v.get("note")) for v in data.get("versions", ()))
        records = tuple(TranslationRecord(str(t["lang"]), int(t["version"]), _date(t["completed"]))
                        for t in data.get("translations", ()))
        entry_ids = tuple(sorted((str(k), str(v)) for k, v in data.get("entry_ids", {}).items()))
        sent = tuple(NewsletterRecord(str(n["lang"]), _date(n["issue"]), int(n["version"]))
                     for n in data.get("newsletters", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise LedgerError(f"a version or translation entry is incomplete or wrong: {exc}", path) from exc
    _check_history(path, text, versions, records)
    return Ledger(article_id, versions, records, entry_ids, sent)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"{value!r} is not a date")


def _check_history(path: str, text: str, versions: tuple[Version, ...], records: tuple[TranslationRecord, ...]) -> None:
    if not versions:
        raise LedgerError("the ledger has no versions", path)
    for index, version in enumerate(versions):
        line = _line(text, f"number = {version.number}")
        if version.number != index + 1:
            raise LedgerError(f"version {version.number} is out of order; versions are numbered 1, 2, 3 …",
                              path, line)
        if version.kind not in ("substantive", "editorial"):
            raise LedgerError(f"kind must be 'substantive' or 'editorial', not {version.kind!r}", path, line)
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
