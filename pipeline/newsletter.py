"""Newsletter issues: what is new since the last issue, per language, decided from the ledger.

An issue holds new articles, substantive updates and newly completed translations. The
ledger records which version went into which issue, so nothing is announced twice and
nothing is skipped, whatever order things were published in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from pipeline.errors import PipelineError
from pipeline.model import Ledger, NewsletterRecord, Page

NEW, UPDATED, TRANSLATED = "new", "updated", "translated"
GMAIL_CLIP = 102 * 1024  # Gmail hides everything after this many bytes of HTML


@dataclass(frozen=True)
class NewsItem:
    """One article in an issue."""

    article_id: str  # the article
    kind: str  # NEW, UPDATED or TRANSLATED
    version: int  # the original's version it announces
    page: Page  # the published page in the issue's language
    note: str | None  # what changed, in the editor's words (only in the original's language)
    date: dt.date  # when it happened, for --since and ordering


@dataclass(frozen=True)
class Issue:
    """One newsletter issue in one language."""

    lang: str  # the issue's language
    date: dt.date  # the issue's date, also its file name
    items: tuple[NewsItem, ...]  # new, then updated, then newly translated; newest first in each


def pending(pages: Iterable[Page], ledgers: Mapping[str, Ledger], lang: str,
            since: dt.date | None = None) -> list[NewsItem]:
    """What the next issue in ``lang`` announces: everything not yet sent, or, with ``since``,
    everything that happened on or after that date."""
    items = []
    for page in pages:
        if page.article.lang != lang:
            continue
        item = _item(page, ledgers[page.article.id], lang, since)
        if item is not None:
            items.append(item)
    order = {NEW: 0, UPDATED: 1, TRANSLATED: 2}
    return sorted(items, key=lambda i: (order[i.kind], -i.date.toordinal(), i.article_id))


def _item(page: Page, ledger: Ledger, lang: str, since: dt.date | None) -> NewsItem | None:
    article = page.article
    original = lang == article.source_lang
    if original:
        version, completed, note = ledger.current.number, None, None
    else:
        record = ledger.translation(lang)
        if record is None:
            return None  # a stored older translation: nothing new happened in this language
        version, completed, note = record.version, record.completed, None
    content = [v for v in ledger.versions if v.number <= version and (v.kind == "substantive" or v.number == 1)][-1]
    event = content.date if original else completed
    if original:
        note = content.note
    sent = _sent(ledger, lang)
    if since is not None:
        if event < since:
            return None
        first = content.number == 1
    else:
        if sent is not None and content.number <= sent:
            return None
        first = sent is None
    kind = (NEW if original else TRANSLATED) if first else UPDATED
    return NewsItem(article.id, kind, version, page, note if kind == UPDATED else None, event)


def _sent(ledger: Ledger, lang: str) -> int | None:
    versions = [n.version for n in ledger.newsletters if n.lang == lang]
    return max(versions) if versions else None


def record(ledgers: Mapping[str, Ledger], issue: Issue) -> dict[str, Ledger]:
    """The ledgers with the issue's items noted as sent."""
    updated = dict(ledgers)
    for item in issue.items:
        ledger = updated[item.article_id]
        entry = NewsletterRecord(issue.lang, issue.date, item.version)
        updated[item.article_id] = replace(ledger, newsletters=ledger.newsletters + (entry,))
    return updated


def check_size(html: bytes, where: str) -> None:
    if len(html) > GMAIL_CLIP:
        raise PipelineError(f"the issue is {len(html) / 1024:.0f} KB of HTML; Gmail clips messages over "
                            f"{GMAIL_CLIP // 1024} KB, so readers would not see the end (and the unsubscribe "
                            "link); send fewer articles, e.g. with --since", where)


def eml(subject: str, sender: str, html: str, text: str, date: dt.datetime, message_id: str) -> bytes:
    """A multipart/alternative message, plain text first, UTF-8, byte for byte reproducible."""
    from email.message import EmailMessage  # only the newsletter command writes mail
    from email.policy import SMTP
    from email.utils import format_datetime

    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # A fixed boundary: the default one is random, and every run would give a new file.
    message.set_boundary("=_" + hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32])
    return message.as_bytes()
