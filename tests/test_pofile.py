"""Our PO reader and writer: GNU's layout, lossless reading, clear errors."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import pofile
from pipeline.errors import CatalogError
from pipeline.pofile import Entry, PoFile
from tests.helpers import ROOT

MSGCAT = shutil.which("msgcat")
HEADER = Entry("", "Project-Id-Version: t\nContent-Type: text/plain; charset=UTF-8\n")
AWKWARD = [
    "aaaa " * 14 + tail for tail in (
        "bbbbbb-cccccc dddd", "bbbbbbb/cccccc dddd", "bb 60-120 minutes", "bbb  ccccccccccc dddd",
        'bbbbbb"cc" dddd', "bb „cccccc“ dddd", "bbbbbb—cccccc dddd", "bbbbbb–cccccc dddd", 'bb-"cc" d',
        "b e-Mail-Adresse d", "bbbbb\ncc dddd", "bbbbbbb% cc")
] + ["aaaa " * 15 + "  ccccccccccc dddd", "x\\y " * 20, "trailing\n", "two\nlines\n", "short",
     "Averyveryverylongwordwithoutanyspacesthatgoespastthelimitofseventyninecolumnsforsure yes",
     "日本語のテキスト" * 8 + " abc", ""]


def corpus() -> list[str]:
    """Real catalog text from the sample site plus strings that probe the wrapping rules."""
    texts = []
    for path in sorted((ROOT / "locales").rglob("*.po")):
        for entry in pofile.read(str(path), path.read_text()).entries:
            texts += [entry.msgid, entry.msgstr]
    return texts + AWKWARD


def sample_file() -> PoFile:
    texts = corpus()
    entries = [Entry(f"{i}", text, locations=tuple(f"sources/some-long-file-name.md:{n}" for n in range(i % 7)))
               for i, text in enumerate(texts)]
    entries += [Entry(text, "x", flags=("fuzzy", "python-format"), previous=text + " (old)", comments=("note",),
                      extracted=("heading",)) for text in texts[:30] if text]
    entries += [Entry(text + "!", "y", obsolete=True) for text in texts[:5] if text]
    return PoFile(HEADER, tuple(entries))


@pytest.mark.skipif(MSGCAT is None, reason="GNU gettext (msgcat) is not installed")
def test_written_files_are_a_fixed_point_of_msgcat(tmp_path: Path):
    """What we write is byte for byte what Poedit, Weblate and msgcat would write."""
    ours = tmp_path / "ours.po"
    ours.write_text(pofile.write(sample_file()))
    result = subprocess.run([MSGCAT, "-o", str(tmp_path / "gnu.po"), str(ours)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gnu.po").read_text() == ours.read_text()


def test_reading_what_was_written_gives_the_same_entries():
    original = sample_file()
    again = pofile.read("x.po", pofile.write(original))
    assert [e.key() for e in again.entries] == [e.key() for e in original.entries]
    assert again.header.msgstr == original.header.msgstr


def test_unchanged_entries_are_written_exactly_as_read():
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            '#: a.md:1\nmsgid   "odd"   \nmsgstr ""\n"spacing"\n\nmsgid "b"\nmsgstr "c"\n')
    po = pofile.read("x.po", text)
    assert pofile.write(po) == text
    changed = PoFile(po.header, (replace(po.entries[0], msgstr="new"),) + po.entries[1:])
    assert pofile.write(changed) == text.replace('msgid   "odd"   \nmsgstr ""\n"spacing"', 'msgid "odd"\nmsgstr "new"')


def test_previous_msgids_and_obsolete_entries_are_read():
    text = ('msgid ""\nmsgstr ""\n\n#, fuzzy\n#| msgid ""\n#| "old "\n#| "text"\nmsgid "new text"\nmsgstr "neu"\n\n'
            '#~ msgid "gone"\n#~ msgstr "weg"\n\n#, fuzzy\n#~| msgid "older"\n#~ msgid "old"\n#~ msgstr "alt"\n')
    po = pofile.read("x.po", text)
    fuzzy, gone, old = po.entries
    assert (fuzzy.previous, fuzzy.fuzzy, fuzzy.msgstr) == ("old text", True, "neu")
    assert (gone.obsolete, gone.msgid, gone.msgstr) == (True, "gone", "weg")
    assert (old.obsolete, old.previous) == (True, "older")


@pytest.mark.parametrize(("text", "line", "message"), [
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\nmsgstr "b\n', 5, "a string must be one line in double quotes"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\nmsgstr b\n', 5, "not a gettext line"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\nmsgtsr "b"\n', 5, "not a gettext line"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\n', 4, "missing msgstr"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 7, "appears twice (first on line 4)"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a"\nmsgstr "b"\nmsgstr "c"\n', 6, "'msgstr' twice in one entry"),
    ('msgid ""\nmsgstr ""\n\nmsgid "a\\q"\nmsgstr "b"\n', 4, "unknown escape"),
    ('msgid "a"\nmsgstr "b"\n', 1, "the header entry"),
    ('msgid ""\nmsgstr ""\n\n"orphan"\n', 4, "a string with no keyword before it"),
])
def test_syntax_errors_name_their_line(text, line, message):
    with pytest.raises(CatalogError) as info:
        pofile.read("locales/de/LC_MESSAGES/x.po", text)
    assert info.value.line == line and message in info.value.message


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(' --a9"\\\t\r\n\x01xyz'), min_size=1, max_size=200),
       limit=st.integers(1, 80))
def test_ascii_wrapping_breaks_where_the_general_wrapping_does(text, limit):
    """The word-at-a-time path for ASCII text against the character-at-a-time one."""
    assert pofile._wrap_ascii(text, limit) == pofile._wrap_any(text, limit)


_TEXT = st.text(alphabet=st.sampled_from(' -a9"\\\t\nxyzä#'), max_size=90)
_ENTRY = st.builds(
    Entry, msgid=_TEXT.filter(bool), msgstr=_TEXT,
    flags=st.lists(st.sampled_from(["fuzzy", "python-format", "no-wrap"]), max_size=2, unique=True).map(tuple),
    comments=st.lists(st.text(alphabet="ab #.:", max_size=8), max_size=2).map(tuple),
    extracted=st.lists(st.sampled_from(["paragraph", "heading", "list item"]), max_size=2).map(tuple),
    locations=st.lists(st.sampled_from(["sources/a.md:1", "sources/b.md:12"]), max_size=2, unique=True).map(tuple),
    previous=st.none() | _TEXT, obsolete=st.booleans())


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(_ENTRY, max_size=6, unique_by=lambda e: (e.msgid, e.obsolete)),
       gaps=st.lists(st.sampled_from(["\n", "\n\n", "\n \n", "\n\t\n\n"]), min_size=7, max_size=7))
def test_usual_entries_are_read_as_the_line_by_line_reader_reads_them(entries, gaps):
    """Most entries are read by a shortcut (comments, msgid, msgstr, no escapes); every file,
    with any blank lines between its entries, reads as the general reader reads it."""
    pieces = [pofile.format_entry(e) for e in (HEADER, *entries)]
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps))
    expected = [pofile._entry("x.po", chunk.split("\n"), start) for start, chunk in pofile._chunks_by_line(text)]
    read = pofile.read("x.po", text)
    assert [(e.key(), e.line, e.raw) for e in (read.header, *read.entries)] == \
        [(e.key(), e.line, e.raw) for e in expected]
