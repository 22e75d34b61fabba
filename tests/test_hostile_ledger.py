"""Ledgers (``sources/versions/<id>.toml``) are committed beside the sources and editors add notes
by hand: every field is typed where it is read, and whatever the ledger writer writes, it reads
back as the same ledger."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.cleantext import forbidden_character
from pipeline.cli import main
from pipeline.errors import LedgerError
from pipeline.model import Ledger, NewsletterRecord, TranslationRecord, Version
from pipeline.versions import parse, to_text
from tests.helpers import tree

LEDGER = "sources/versions/t-legs-01.toml"
KIND = 'kind = "substantive"\n'


def with_note(root, note_line: str) -> int:
    """Add ``note_line`` to version 1 of the ledger; the line it stands on."""
    path = root / LEDGER
    text = path.read_text()
    assert KIND in text
    path.write_text(text.replace(KIND, KIND + note_line + "\n", 1))
    return path.read_text().splitlines().index(note_line) + 1


def refused(root, capsys, monkeypatch, expected: str) -> None:
    """``check`` and ``publish`` both refuse with ``expected`` first, and the ledger stays as it was."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    before = tree(root / "sources")
    for command in ("check", "publish"):
        code = main(["--root", str(root), command])
        err = capsys.readouterr().err
        assert code == 1, err
        assert err.splitlines()[0].startswith(expected), err
        assert "Traceback" not in err
    assert tree(root / "sources") == before
    assert not (root / "output").exists()


def test_a_note_written_as_an_inline_table_is_refused_not_rewritten(tiny_site, capsys, monkeypatch):
    line = with_note(tiny_site, "note = {what = 'a typo'}")
    refused(tiny_site, capsys, monkeypatch,
            f"{LEDGER}:{line}: 'note' must be a text in double quotes, not {{'what': 'a typo'}}; "
            'write it as note = "what changed"')


def test_a_note_holding_a_delete_character_is_refused_not_rewritten_raw(tiny_site, capsys, monkeypatch):
    line = with_note(tiny_site, 'note = "typo\\u007F fixed"')
    refused(tiny_site, capsys, monkeypatch, f"{LEDGER}:{line}: 'note' holds a control character (U+007F)")


@pytest.mark.parametrize(("name", "old", "new", "text"), [
    ("number a float", "number = 1\n", "number = 1.0\n", "'number' must be a whole number from 1, not 1.0"),
    ("version a bool", "version = 1\n", "version = true\n", "'version' must be a whole number from 1, not True"),
    ("date a string", "date = 2023-01-15\n", 'date = "2023-01-15"\n', "'date' must be a date like 2025-06-30"),
    ("date a time", "date = 2023-01-15\n", "date = 2023-01-15T10:00:00\n", "'date' must be a date like 2025-06-30"),
    ("lang with a space", 'lang = "de"\n', 'lang = "de x"\n', "'lang' must be a language code"),
    ("fingerprint a table", 'fingerprint = "c767d101064ca02e"\n', "fingerprint = {a = 1}\n", "'fingerprint' must be"),
    ("entry id a number", 'de = "tag:', 'de = 5 # "tag:', "entry id de must be a tag URI"),
    ("an unknown field", "number = 1\n", "number = 1\nnotes = 'x'\n", "'notes' is not a field of [[versions]]"),
    ("versions a table", "[[versions]]\n", "[versions]\n", "'versions' must be written as [[versions]] tables"),
])
def test_a_ledger_field_of_the_wrong_type_is_refused_with_its_line(tiny_site, capsys, monkeypatch, name, old, new, text):
    path = tiny_site / LEDGER
    content = path.read_text()
    assert old in content
    path.write_text(content.replace(old, new, 1))
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if row.startswith(new.strip().split("\n")[-1]))
    refused(tiny_site, capsys, monkeypatch, f"{LEDGER}:{line}: {text}")


# ---------------------------------------------------------------- the properties

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=30)  # surrogates and controls too
CLEAN_TEXT = ANY_TEXT.filter(lambda t: forbidden_character(t) is None)
LANGS = st.sampled_from(["de", "en", "fr", "tr", "ar"])
DAYS = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


@st.composite
def ledgers(draw, notes=CLEAN_TEXT):
    dates = sorted(draw(st.lists(DAYS, min_size=1, max_size=4)))
    versions = tuple(Version(n, day, draw(st.text("0123456789abcdef", min_size=16, max_size=16)),
                             draw(st.sampled_from(["substantive", "editorial"])), draw(st.none() | notes))
                     for n, day in enumerate(dates, 1))
    number = st.integers(1, len(versions))
    langs = sorted(draw(st.sets(LANGS, max_size=3)))
    translations = tuple(TranslationRecord(lang, draw(number), draw(DAYS)) for lang in langs)
    entry_ids = tuple((lang, f"tag:example.org,2022-06-02:t-legs-01:{lang}") for lang in sorted(draw(st.sets(LANGS))))
    newsletters = tuple(NewsletterRecord(draw(LANGS), draw(DAYS), draw(number)) for _ in range(draw(st.integers(0, 2))))
    return Ledger("t-legs-01", versions, translations, entry_ids, newsletters)


@settings(max_examples=150, deadline=None)
@given(ledger=ledgers())
def test_any_ledger_the_model_allows_reads_back_as_written(ledger):
    assert parse(LEDGER, to_text(ledger, "sources/legs.md"), "t-legs-01") == ledger


@settings(max_examples=200, deadline=None)
@given(ledger=ledgers(), note=ANY_TEXT)
def test_any_note_reads_back_or_is_refused_with_one_line(ledger, note):
    first = ledger.versions[0]
    ledger = Ledger(ledger.article_id, (Version(1, first.date, first.fingerprint, first.kind, note),) + ledger.versions[1:],
                    ledger.translations, ledger.entry_ids, ledger.newsletters)
    text = to_text(ledger, "sources/legs.md")
    assert tomllib.loads(text)["versions"][0]["note"] == note  # the writer always writes valid TOML
    try:
        assert parse(LEDGER, text, "t-legs-01") == ledger
    except LedgerError as error:
        assert forbidden_character(note)
        assert str(error).startswith(f"{LEDGER}:") and "\n" not in str(error), str(error)
