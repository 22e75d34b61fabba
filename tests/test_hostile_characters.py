"""Characters no page or feed can carry, written as escapes or references (a YAML ``"\\a"``, a PO
``\\f``, a Markdown ``&#12;``), in file names or in ingested pages: each is refused with the
file and the line that holds it, as one line, and nothing is written; ingest removes them."""

from __future__ import annotations

import feedparser
import pytest

from pipeline.cleantext import forbidden_character
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.fetch import Limits
from pipeline.ingest import ingest
from pipeline.sources import read_article
from tests.helpers import DATA, project_state, run_main
from tests.test_hostile import CATALOG, GOOD, expect_refusal

FAST = Limits(connect_timeout=2, read_timeout=2, retries=1, backoff=0, allow_hosts=("127.0.0.1",))
BAD = "sources/bad.md"


def front(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


# (name, source text, the line that holds the escape, what the message names)
SOURCE_CASES = [
    ("yaml bell in the title", front("title: Why walk?", 'title: "Why\\a walk?"'), 4, "U+0007"),
    ("yaml hex escape in the summary", front("summary: Walking helps.", 'summary: "Walking\\x1b helps."'), 5, "U+001B"),
    ("yaml noncharacter in the title", front("title: Why walk?", 'title: "Why \\uFFFE walk?"'), 4, "U+FFFE"),
    ("yaml surrogate in the summary", front("summary: Walking helps.", 'summary: "Walking \\uD800"'), 5, "U+D800"),
    ("yaml next line in a reference", front('"Doe J. A study. 2020."', '"Doe J.\\N A study."'), 10, "U+0085"),
    ("yaml escape in a reference text", front('  - "Doe J. A study. 2020."', '  - text: "Doe\\b J."\n    lang: en'), 10, "U+0008"),
    ("yaml escape in the change note", front("lang: en", 'lang: en\nchange: editorial\nchange_note: "fixed\\f"'), 5, "U+000C"),
    ("yaml escape in a key", front("lang: en", 'lang: en\n"sam\\aple": true'), 4, "U+0007"),
    ("reference in a paragraph", front("Walking every day", "Walking &#12; every day"), 13, "'&#12;'"),
    ("hex reference in a paragraph", front("Walking every day", "Walking &#xFFFE; every day"), 13, "U+FFFE"),
    ("reference to nothing", front("Walking every day", "Walking &#0; every day"), 13, "U+0000"),
    ("reference beyond unicode", front("Walking every day", "Walking &#x110000; every day"), 13, "beyond Unicode"),
    ("reference in a table cell", GOOD + "\n| Dose | Times |\n|---|---|\n| 2 &#x7F; | 3 |\n", 17, "U+007F"),
    ("reference in a heading", GOOD + "\n## Why&#27; now\n", 15, "U+001B"),
    ("reference in a list item", GOOD + "\n- one\n- two &#65535;\n", 16, "U+FFFF"),
    ("reference in a caption", GOOD + '\n![A foot](images/foot.svg "Cap&#8;tion")\n', 15, "U+0008"),
    ("reference in the title", front("title: Why walk?", "title: Why &#12; walk?"), 4, "U+000C"),
    ("reference in the summary", front("summary: Walking helps.", "summary: Walking &#xFDD0; helps."), 5, "U+FDD0"),
]


@pytest.mark.parametrize(("name", "text", "line", "named"), SOURCE_CASES, ids=[c[0] for c in SOURCE_CASES])
def test_an_escaped_character_in_a_source_is_refused_at_its_line(published, capsys, name, text, line, named):
    (published / BAD).write_text(text, encoding="utf-8")
    expect_refusal(published, capsys, f"{BAD}:{line}: ", named)


# (name, text replacing 'msgstr "aufstehen"', line offset of the culprit from that msgstr line, named)
CATALOG_CASES = [
    ("form feed escape", 'msgstr "auf\\fstehen"', 0, "U+000C"),
    ("bell escape on a continuation line", 'msgstr ""\n"auf"\n"ste\\ahen"', 2, "U+0007"),
    ("reference", 'msgstr "auf&#12;stehen"', 0, "'&#12;'"),
    ("reference on a continuation line", 'msgstr ""\n"auf"\n"ste&#xFFFF;hen"', 2, "U+FFFF"),
    ("reference split over two strings", 'msgstr "auf&#1"\n"2;stehen"', 0, "U+000C"),
]


@pytest.mark.parametrize(("name", "new", "offset", "named"), CATALOG_CASES, ids=[c[0] for c in CATALOG_CASES])
def test_an_escaped_character_in_a_catalog_is_refused_at_its_line(published, capsys, name, new, offset, named):
    path = published / CATALOG
    content = path.read_text()
    line = content[: content.index('msgstr "aufstehen"')].count("\n") + 1 + offset
    path.write_text(content.replace('msgstr "aufstehen"', new, 1))
    expect_refusal(published, capsys, f"{CATALOG}:{line}: ", named)


def test_a_reference_style_link_is_refused_with_how_to_write_it(published, capsys):
    text = GOOD + "\nSee [the study][doe] and [Doe].\n\n[doe]: https://example.org/doe\n"
    (published / BAD).write_text(text, encoding="utf-8")
    expect_refusal(published, capsys, f"{BAD}:15: ", "[text](https://example.org/doe)")
    err = run_main(published, capsys, "publish")[2]
    assert f"{BAD}:17: a link reference definition ('[doe]: https://example.org/doe')" in err


@pytest.mark.parametrize("name", ["evil\nsources:1: all is well.md", "tab\there.md", "bell\x07.md",
                                  "carriage\rreturn.md", "sep\u2028arator.md", "bytes\udcff.md"])
def test_a_file_name_that_would_break_its_line_is_refused_on_one_line(published, capsys, name):
    before = project_state(published)
    path = published / "sources" / name
    path.write_bytes(GOOD.replace("summary: Walking helps.\n", "").encode())
    code, out, err = run_main(published, capsys, "publish")
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2 and lines[1].endswith("nothing was written"), err
    assert lines[0].startswith("sources/") and "the file name holds" in lines[0], err
    assert "\x07" not in err and "\u2028" not in err and "\r" not in err and "\t" not in err
    path.unlink()
    assert project_state(published) == before


# The ingest fixture with forbidden characters (raw and as references) in the description, the
# title and two paragraphs, and a reference that the page shows as text.
CONTROLS = [("Regular, moderate", "Regular,\x0c moderate"),
            ("Knee osteoarthritis: can", "Knee osteoarthritis:\x07 can"),
            ("slowly becomes thinner", "slowly\ufffe becomes\x1b thinner"),
            ("Walking costs nothing,", "Walking\ufdd0 costs nothing (the code &amp;#12; is text here),")]


def test_an_ingested_page_with_control_characters_writes_a_source_without_any(tiny_site, httpserver, capsys):
    page = (DATA / "ingest/knee-pain-en.html").read_text(encoding="utf-8")
    for old, new in CONTROLS:
        assert old in page, old
        page = page.replace(old, new, 1)
    httpserver.expect_request("/knee.html").respond_with_data(page.encode("utf-8"),
                                                              content_type="text/html; charset=utf-8")
    httpserver.expect_request("/images/knee-walk.png").respond_with_data(
        (DATA / "ingest/images/knee-walk.png").read_bytes(), content_type="image/png")
    done = ingest(tiny_site, httpserver.url_for("/knee.html"), article_id="knee-01", limits=FAST)
    assert any(note.startswith("removed ") for note in done.notes), done.notes
    written = (tiny_site / done.path).read_text(encoding="utf-8")
    assert forbidden_character(written) is None
    assert "\\u" not in written and "\\a" not in written  # not as a JSON or YAML escape either
    article = read_article(done.path, written, load_config(tiny_site), tiny_site)
    assert article.title.value == "Knee osteoarthritis: can walking help?"
    assert main(["--root", str(tiny_site), "publish"]) == 0, capsys.readouterr().err
    for name in ("en/feed.atom", "en/feed.rss"):
        assert not feedparser.parse((tiny_site / "output" / name).read_bytes()).bozo
    assert "(the code &amp;#12; is text here)" in (tiny_site / "output/en/knee-osteoarthritis-can-walking-help.html").read_text()


@pytest.mark.parametrize(("old", "new"), [
    ("id: hostile-01", 'id: "x\\nsources/legs.md:1: all is well"'),
    ("lang: en", 'lang: "e\\rn"'),
    ("topics: [legs]", 'topics: ["legs\\u2028sources/legs.md:2: fine"]'),
], ids=["newline in the id", "carriage return in the language", "line separator in a topic"])
def test_a_value_quoted_in_a_message_cannot_forge_a_line(published, capsys, old, new):
    (published / BAD).write_text(front(old, new), encoding="utf-8")
    code, out, err = run_main(published, capsys, "publish")
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{BAD}:") and lines[1].endswith("nothing was written"), err
    assert "\r" not in err and "\u2028" not in err
