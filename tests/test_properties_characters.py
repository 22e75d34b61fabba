"""Property tests at the character boundary: any code point, written raw or as an escape in the
syntax of its file (YAML in front matter, a character reference in Markdown, a PO escape in a
msgstr), gives a published site whose pages and feeds parse, or one ``path:line:`` line per
problem; never a traceback."""

from __future__ import annotations

import json
import re
import shutil

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from pipeline import pofile
from pipeline.errors import PipelineError
from pipeline.publish import publish
from tests.helpers import BUILD_TIME, DATA
from tests.test_hostile import CATALOG, GOOD

# Any code point a UTF-8 file can hold, the forbidden ones included: most examples are refused.
CHARS = st.characters(blacklist_categories=("Cs",))
# What the characters no page can carry look like written in each syntax, and neighbours that
# are fine; drawn often so that nearly every example holds one.
YAML_ESCAPES = st.sampled_from(["\\a", "\\b", "\\e", "\\f", "\\v", "\\0", "\\x07", "\\x7f", "\\x85", "\\N", "\\L",
                                "\\P", "\\_", "\\t", "\\n", "\\uFFFE", "\\uFFFF", "\\uD800", "\\uFDD0",
                                "\\U0010FFFF", "\\U0001FFFE", "\\u00e9", "\\\\", '\\"'])
REFERENCES = st.sampled_from(["&#12;", "&#0;", "&#x0;", "&#xFFFE;", "&#65535;", "&#x110000;", "&#xD800;",
                              "&#x7F;", "&#128;", "&#9;", "&#10;", "&#233;", "&amp;", "\\&#12;", "&#1", "2;",
                              "[a][b]", "[b]", "\n\n[b]: https://example.org/\n\n"])
PO_ESCAPES = st.sampled_from(["\\a", "\\b", "\\f", "\\v", "\\t", "\\n", "\\r", "\\\\", '\\"', '"\n"'])


def pieces(special: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.one_of(st.text(CHARS, min_size=1, max_size=6), special), min_size=1, max_size=6)


def yaml_quoted(parts: list[str]) -> str:
    """A YAML double-quoted scalar: text pieces escaped as JSON does (a JSON string is one),
    escape pieces written as they are."""
    return '"' + "".join(p if p.startswith("\\") else json.dumps(p, ensure_ascii=False)[1:-1] for p in parts) + '"'


def outcome(root, paths: tuple[str, ...]) -> None:
    """Published and parseable, or one line per problem, each naming one of ``paths`` and a line."""
    try:
        publish(root, BUILD_TIME)
    except PipelineError as exc:
        lines = str(exc).splitlines()
        assert len(lines) == len(getattr(exc, "problems", (exc,))), lines
        for line in lines:
            assert re.match(r"(%s):\d+: \S" % "|".join(map(re.escape, paths)), line), line
        return
    for page in (root / "output").rglob("*.html"):
        html.fromstring(page.read_bytes())
    for feed in (root / "output").rglob("feed.*"):
        if feed.suffix == ".json":
            json.loads(feed.read_bytes())
        else:
            etree.fromstring(feed.read_bytes())
            assert not feedparser.parse(feed.read_bytes()).bozo, feed


@pytest.fixture
def fresh(tmp_path_factory):
    def make():
        root = tmp_path_factory.mktemp("chars") / "site"
        shutil.copytree(DATA / "site-tiny", root)
        return root
    return make


SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(title=pieces(YAML_ESCAPES), summary=pieces(YAML_ESCAPES), note=pieces(YAML_ESCAPES))
def test_any_text_in_a_front_matter_value(fresh, title, summary, note):
    root = fresh()
    text = GOOD.replace("title: Why walk?", "title: " + yaml_quoted(title)).replace(
        "summary: Walking helps.", "summary: " + yaml_quoted(summary) + "\nchange_note: " + yaml_quoted(note))
    (root / "sources/prop.md").write_text(text, encoding="utf-8")
    outcome(root, ("sources/prop.md",))


@SLOW
@given(unit=pieces(REFERENCES), cell=pieces(REFERENCES))
def test_any_text_in_a_body_unit(fresh, unit, cell):
    root = fresh()
    body = "".join(unit).replace("\r", "\n")
    table = "\n\n| a | b |\n|---|---|\n| " + "".join(cell).replace("\n", " ").replace("|", "\\|") + " | x |\n"
    (root / "sources/prop.md").write_text(GOOD + "\n" + body + table, encoding="utf-8")
    outcome(root, ("sources/prop.md",))


@SLOW
@given(translation=pieces(st.one_of(PO_ESCAPES, REFERENCES)))
def test_any_text_in_a_msgstr(fresh, translation):
    root = fresh()
    path = root / CATALOG
    quoted = "".join(p if p.startswith("\\") or p == '"\n"' else pofile.escape(p) for p in translation)
    path.write_text(path.read_text().replace('msgstr "aufstehen"', f'msgstr "{quoted}"', 1), encoding="utf-8")
    outcome(root, (CATALOG,))
