"""Stored translations (``locales/<lang>/published/<id>.json``) are translators' files: every
field is checked against the schema as it is read, by ``check`` and ``publish`` alike, and a wrong
value is refused with one line naming the file, the line, the field and the fix."""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import CatalogError
from pipeline.model import Article, Page
from pipeline.published import PublishedTranslation, from_bytes
from pipeline.render import SiteText, render_content
from tests.helpers import DATA, run_cli, tree

STORED = "locales/de/published/t-legs-01.json"
VALID = json.loads((DATA / "site-tiny" / STORED).read_bytes())
FIX = "; delete the file and publish again to store a new one"


def dumped(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def changed(path, value):
    """The valid stored file with the field at ``path`` set to ``value``."""
    data = copy.deepcopy(VALID)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def line_with(data: bytes, needle: str | tuple[str, int]) -> int:
    """The line holding ``needle``, or (needle, offset) the line ``offset`` lines from it."""
    needle, offset = needle if isinstance(needle, tuple) else (needle, 0)
    lines = data.decode("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line) + offset


def heading(data):
    return next(i for i, b in enumerate(data["article"]["blocks"]) if b["type"] == "Heading")


def block(kind):
    return next(i for i, b in enumerate(VALID["article"]["blocks"]) if b["type"] == kind)


H, L, F, T = heading(VALID), block("ListBlock"), block("Figure"), block("Table")
A = ("article",)
B = A + ("blocks",)

# (name, field, value, the needle on the line the error names, the field's name and what is wrong)
CASES = [
    ("level with an attribute", B + (H, "level"), "2 onmouseover=alert(1) x", '"level": "2 onmouseover',
     f"article.blocks[{H}].level must be 2 or 3, not '2 onmouseover=alert(1) x'"),
    ("level true", B + (H, "level"), True, '"level": true', f"article.blocks[{H}].level must be 2 or 3, not true"),
    ("level 1", B + (H, "level"), 1, '"level": 1', f"article.blocks[{H}].level must be 2 or 3, not 1"),
    ("level 2.0", B + (H, "level"), 2.0, '"level": 2.0', f"article.blocks[{H}].level must be 2 or 3"),
    ("align with an attribute", B + (T, "header", 0, "align"), 'left" onclick="x', 'onclick',
     f"article.blocks[{T}].header[0].align must be one of left, center, right"),
    ("ordered a string", B + (L, "ordered"), "yes", '"ordered": "yes"', f"article.blocks[{L}].ordered must be true or false"),
    ("start negative", B + (L, "start"), -1, '"start": -1', f"article.blocks[{L}].start must be a whole number from 0"),
    ("start huge", B + (L, "start"), 10**12, '"start": 1000000000000', f"article.blocks[{L}].start must be a whole number"),
    ("start a string", B + (L, "start"), '1" onclick="x', '"start": "1', f"article.blocks[{L}].start must be a whole number"),
    ("src a script", B + (F, "src"), "javascript:alert(1)", '"src": "javascript', f"article.blocks[{F}].src must be a picture in images/"),
    ("src leaving images", B + (F, "src"), "images/../../etc/passwd.svg", '"src": "images/..', f"article.blocks[{F}].src must be a picture"),
    ("src absolute", B + (F, "src"), "/etc/x.png", '"src": "/etc', f"article.blocks[{F}].src must be a picture"),
    ("src elsewhere", B + (F, "src"), "https://evil.example/x.png", '"src": "https:', f"article.blocks[{F}].src must be a picture"),
    ("src with a quote", B + (F, "src"), 'images/a" onerror="x.png', '"src": "images/a', f"article.blocks[{F}].src must be a picture"),
    ("block of an unknown type", B + (H, "type"), "Script", '"type": "Script"', f"article.blocks[{H}].type must be one of"),
    ("text a number", B + (H, "text", "value"), 5, '"value": 5', f"article.blocks[{H}].text.value must be a text, not 5"),
    ("text with a bell", A + ("title", "value"), "Beine\u0007", '"value": "Beine\\u0007"',
     "article.title.value holds a control character (U+0007)"),
    ("text with a noncharacter", A + ("summary", "value"), "Kurz\uffff", '"value": "Kurz',
     "article.summary.value holds a noncharacter (U+FFFF)"),
    ("lang with an attribute", A + ("lang",), 'de" onclick="x', '"lang": "de\\"', "article.lang must be a language code"),
    ("lang of another folder", A + ("lang",), "en", '"lang": "en"', "article.lang must be the folder's language, 'de', not 'en'"),
    ("id of another file", A + ("id",), "t-water-02", '"id": "t-water-02"', "article.id must be the file's name, 't-legs-01'"),
    ("slug with a slash", A + ("slugs", "de"), "../index", '"de": "../index"', "article.slugs.de must be lowercase words"),
    ("topic markup", A + ("topics", 0), "<b>", '"<b>"', "article.topics[0] must be a topic key"),
    ("created not a day", A + ("created",), "2022-02-30", '"created": "2022-02-30"', "article.created must be a date like 2025-06-30"),
    ("updated a number", A + ("updated",), 2023, '"updated": 2023', "article.updated must be a date"),
    ("review month 13", A + ("next_review", "month"), 13, '"month": 13', "article.next_review.month must be a whole number from 1 to 12"),
    ("reference lang", A + ("references", 0, "lang"), "en x", '"lang": "en x"', "article.references[0].lang must be a language code"),
    ("sample a string", A + ("sample",), "no", '"sample": "no"', "article.sample must be true or false"),
    ("origin path on two lines", A + ("origin", "path"), "sources/legs.md\nx.md:1: forged", '"path": "sources/legs.md\\n',
     "article.origin.path must be a file name on one line"),
    ("source version zero", ("source_version",), 0, '"source_version": 0', "source_version must be a whole number from 1"),
    ("source version a string", ("source_version",), "1", '"source_version": "1"', "source_version must be a whole number"),
    ("an unknown field", B + (H, "onclick"), "x", '"onclick": "x"', f"article.blocks[{H}].onclick is not a field of a stored translation"),
    ("a missing field", B + (H,), {"type": "Heading", "level": 2}, ('"level": 2,', -1), f"article.blocks[{H}] lacks the field 'text'"),
]


@pytest.mark.parametrize(("name", "field", "value", "needle", "text"), CASES, ids=[c[0] for c in CASES])
def test_check_refuses_a_stored_translation_with_a_wrong_field(tiny_site, capsys, monkeypatch, name, field, value, needle, text):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    data = dumped(changed(field, value))
    (tiny_site / STORED).write_bytes(data)
    before = tree(tiny_site / "sources") | tree(tiny_site / "locales")
    code = main(["--root", str(tiny_site), "check"])
    err = capsys.readouterr().err
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith(f"{STORED}:{line_with(data, needle)}: {text}"), err
    assert first.endswith(FIX) or first.endswith("delete it"), first
    assert "Traceback" not in err
    assert tree(tiny_site / "sources") | tree(tiny_site / "locales") == before


def test_the_heading_attack_is_refused_by_check_and_publish_in_the_cli(tiny_site):
    data = (DATA / "stored/heading-level-attack.json").read_bytes()  # the finding's file, as a translator left it
    (tiny_site / STORED).write_bytes(data)
    line = line_with(data, '"level": "2 onmouseover')
    expected = (f"{STORED}:{line}: article.blocks[{H}].level must be 2 or 3, not '2 onmouseover=alert(1) x'{FIX}")
    for command in ("check", "publish"):
        result = run_cli(tiny_site, command)
        assert result.returncode == 1, result.stdout
        assert result.stderr.splitlines()[0] == expected
        assert "Traceback" not in result.stderr
    assert not (tiny_site / "output").exists()


@pytest.mark.parametrize(("name", "data", "line", "text"), [
    ("not JSON", b'{\n "article": {\n', 3, "not valid JSON"),
    ("not UTF-8", b'{\n "article": "\xff"}\n', 2, "not valid UTF-8"),
    ("nested without end", b"[" * 100_000 + b"]" * 100_000, 1, "nested without end"),
    ("a number of 5,000 digits", b'{"source_version": ' + b"9" * 5000 + b"}", 1, "thousands of digits"),
    ("not an object", b"[]\n", 1, "the file must be an object, not []"),
])
def test_a_stored_file_that_is_no_translation_at_all_is_one_line(name, data, line, text):
    with pytest.raises(CatalogError) as caught:
        from_bytes(STORED, data)
    message = str(caught.value)
    assert message.startswith(f"{STORED}:{line}: ") and text in message and "\n" not in message


def test_lists_nested_without_end_are_refused():
    data = copy.deepcopy(VALID)
    deep = {"type": "ListBlock", "ordered": False, "start": 1, "items": []}
    for _ in range(40):
        deep = {"type": "ListBlock", "ordered": False, "start": 1,
                "items": [{"text": {"value": "x", "origin": {"path": "sources/legs.md", "line": 1}}, "children": [deep]}]}
    data["article"]["blocks"].append(deep)
    with pytest.raises(CatalogError, match=r"nests lists more than \d+ deep"):
        from_bytes(STORED, dumped(data))


# ---------------------------------------------------------------- the property

def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


PATHS = [p for p in _paths(VALID) if p]
HOSTILE_TEXT = st.sampled_from(["2 onmouseover=alert(1) x", '" onclick="x', "<script>alert(1)</script>",
                                "javascript:alert(1)", "images/../x.svg", "images/x.svg", "left", "de", "en",
                                "2025-06-30", "Heading", "ListBlock", "\u0007", "\ufffe", "[x](javascript:alert(1))",
                                "<img src=x onerror=alert(1)>", "sources/legs.md", "legs"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | HOSTILE_TEXT, inner, max_size=3),
    max_leaves=6)
_ELEMENTS = {"figure", "img", "figcaption", "h2", "h3", "p", "ul", "ol", "li", "div", "table", "thead", "tbody",
             "tr", "th", "td", "strong", "em", "a", "code", "br"}
_ATTRIBUTES = {"src", "alt", "href", "start", "class", "lang"}
_START_TAG = re.compile(r"<(?!/)([^>]*)>")
_QUOTED_TAG = re.compile(r'[a-z0-9]+(?:\s+[a-z]+="[^"<>]*")*\s*/?')
CONFIG = load_config(DATA / "site-tiny")


def assert_safe_page(article: Article) -> None:
    body = render_content(Page(article, "de/beinuebungen.html"), CONFIG, SiteText("de", None))
    for tag in _START_TAG.findall(body):
        assert _QUOTED_TAG.fullmatch(tag), tag  # every attribute in double quotes, nothing after them
    for element in html.fragment_fromstring(body, create_parent="div").iterdescendants():
        assert element.tag in _ELEMENTS, element.tag
        assert set(element.attrib) <= _ATTRIBUTES, element.attrib


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON_VALUES, add=st.booleans())
def test_any_value_at_any_field_gives_a_valid_record_or_one_error_line(path, value, add):
    """Substituted (or added beside the field, as a key of its own), any JSON value is read as a
    safe record or refused with one line: never another exception, never markup on the page."""
    data = copy.deepcopy(VALID)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if add and isinstance(parent, dict):
        parent[f"{path[-1]}_"] = value
    else:
        parent[path[-1]] = value
    try:
        stored = from_bytes(STORED, dumped(data))
    except CatalogError as error:
        message = str(error)
        assert re.match(rf"{re.escape(STORED)}:\d+: \S", message) and "\n" not in message, message
        return
    assert isinstance(stored, PublishedTranslation) and isinstance(stored.article, Article)
    assert_safe_page(stored.article)


def test_a_stored_translation_in_use_keeps_the_sources_topics(tiny_site):
    """The topics are the site's structure, not the translator's: a stored copy naming a topic the
    site does not have is shown under the source's topics (it crashed the topic pages before)."""
    source = tiny_site / "sources/legs.md"
    source.write_text(source.read_text().replace("Walking **30 minutes**", "Walking **40 minutes**"))  # German falls behind
    data = changed(A + ("topics",), ["no-such-topic"])
    data["article"]["title"]["value"] = "Gespeicherte Beine"
    (tiny_site / STORED).write_bytes(dumped(data))
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    assert "Gespeicherte Beine" in (tiny_site / "output/de/beinuebungen.html").read_text()
    assert "Gespeicherte Beine" in (tiny_site / "output/de/topics/legs/feed.atom").read_text()
