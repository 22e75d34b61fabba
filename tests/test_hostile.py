"""Hostile input: every case gives a one-line message with its file and line, a non-zero exit,
no traceback, and leaves sources, catalogs and the published site as they were."""

from __future__ import annotations

import json

import pytest
from lxml import etree, html

from tests.helpers import project_state, run_main

GOOD = """---
id: hostile-01
lang: en
title: Why walk?
summary: Walking helps.
topics: [legs]
created: 2022-06-02
next_review: 2030
references:
  - "Doe J. A study. 2020."
---

Walking every day helps.
"""


def front(old: str, new: str) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new).encode()


# (name, file to write, its bytes, expected start of the first error line, text it must contain)
SOURCE_CASES = [
    ("unclosed quote", "sources/bad.md", front("title: Why walk?", 'title: "Why walk?'), "sources/bad.md:", "not valid YAML"),
    ("duplicate key", "sources/bad.md", front("lang: en\n", "lang: en\nlang: de\n"), "sources/bad.md:4:", "given twice"),
    ("topics not a list", "sources/bad.md", front("topics: [legs]", "topics: legs"), "sources/bad.md:6:", "must be a list"),
    ("created a number", "sources/bad.md", front("created: 2022-06-02", "created: 5"), "sources/bad.md:7:", "must be a date"),
    ("impossible date", "sources/bad.md", front("created: 2022-06-02", "created: 2022-02-30"), "sources/bad.md:7:", "day is out of range"),
    ("updated before created", "sources/bad.md", front("created: 2022-06-02", "created: 2022-06-02\nupdated: 2020-01-01"), "sources/bad.md:8:", "is before 'created'"),
    ("review not a date", "sources/bad.md", front("next_review: 2030", "next_review: soon"), "sources/bad.md:8:", "'next_review' must be a year"),
    ("id climbs out", "sources/bad.md", front("id: hostile-01", "id: ../../etc"), "sources/bad.md:2:", "must be 3-64 lowercase"),
    ("id absolute", "sources/bad.md", front("id: hostile-01", "id: /etc/passwd"), "sources/bad.md:2:", "must be 3-64 lowercase"),
    ("id reserved", "sources/bad.md", front("id: hostile-01", "id: index"), "sources/bad.md:2:", "not one of"),
    ("slug climbs out", "sources/bad.md", front("topics: [legs]", "topics: [legs]\nslug: ../../x"), "sources/bad.md:7:", "'slug' must be"),
    ("slug reserved", "sources/bad.md", front("topics: [legs]", "topics: [legs]\nslug: feed"), "sources/bad.md:7:", "'slug' must be"),
    ("slug per unknown language", "sources/bad.md", front("topics: [legs]", "topics: [legs]\nslug:\n  fr: marche"), "sources/bad.md:7:", "'slug' must be"),
    ("duplicate id", "sources/bad.md", front("id: hostile-01", "id: t-legs-01"), "sources/", "is already used by"),
    ("duplicate slug", "sources/bad.md", front("topics: [legs]", "topics: [legs]\nslug: water"), "sources/", "is already used by"),
    ("invalid utf-8", "sources/bad.md", GOOD.encode() + "Caf\xe9\n".encode("latin-1"), "sources/bad.md:14:", "not valid UTF-8"),
    ("empty file", "sources/bad.md", b"", "sources/bad.md:1:", "the file is empty"),
    ("only whitespace", "sources/bad.md", b"   \n\n  \n", "sources/bad.md:1:", "the file is empty"),
    ("ten megabytes", "sources/bad.md", GOOD.encode() + b"word " * (2 * 1024 * 1024), "sources/bad.md:1:", "at most 1 MB"),
    ("bell character", "sources/bad.md", GOOD.replace("Walking every day", "Walking\x07 every day").encode(), "sources/bad.md:13:", "U+0007"),
    ("nul byte", "sources/bad.md", GOOD.replace("Walking every day", "Walk\x00ing every day").encode(), "sources/bad.md:13:", "U+0000"),
    ("missing image", "sources/bad.md", (GOOD + '\n![A foot](images/none.png "C")\n').encode(), "sources/bad.md:15:", "not found"),
    ("image climbs out", "sources/bad.md", (GOOD + '\n![A foot](../../etc/passwd "C")\n').encode(), "sources/bad.md:15:", "must be a file in sources/images/"),
    ("image javascript", "sources/bad.md", (GOOD + '\n![A foot](javascript:alert(1) "C")\n').encode(), "sources/bad.md:15:", "'javascript:' is not allowed"),
    ("link javascript", "sources/bad.md", (GOOD + '\nSee [this](JavaScript:alert(1)).\n').encode(), "sources/bad.md:15:", "'javascript:' is not allowed"),
    ("link data", "sources/bad.md", (GOOD + '\nSee [this](data:text/html,x).\n').encode(), "sources/bad.md:15:", "'data:' is not allowed"),
    ("script block", "sources/bad.md", (GOOD + "\n<script>alert(1)</script>\n").encode(), "sources/bad.md:15:", "raw HTML is not supported"),
    ("inline event handler", "sources/bad.md", (GOOD + '\nText <img src=x onerror="alert(1)"> here.\n').encode(), "sources/bad.md:15:", "raw HTML"),
    ("iframe", "sources/bad.md", (GOOD + '\n<iframe src="https://evil.example"></iframe>\n').encode(), "sources/bad.md:15:", "raw HTML"),
    ("h1 in body", "sources/bad.md", (GOOD + "\n# Another title\n").encode(), "sources/bad.md:15:", "'#' heading is not allowed"),
    ("code block", "sources/bad.md", (GOOD + "\n```\ncode\n```\n").encode(), "sources/bad.md:15:", "code block"),
    ("unknown field", "sources/bad.md", front("lang: en", "lang: en\nauthor: me"), "sources/bad.md:4:", "unknown field 'author'"),
    ("missing field", "sources/bad.md", front("summary: Walking helps.\n", ""), "sources/bad.md:1:", "lacks the required field 'summary'"),
    ("unknown language", "sources/bad.md", front("lang: en", "lang: fr"), "sources/bad.md:3:", "not a site language"),
    ("unknown topic", "sources/bad.md", front("topics: [legs]", "topics: [hearts]"), "sources/bad.md:6:", "unknown topic"),
    ("front matter not closed", "sources/bad.md", GOOD.replace("---\n\nWalking every", "\nWalking every").encode(), "sources/bad.md:1:", "never closed"),
    ("front matter a list", "sources/bad.md", b"---\n- a\n- b\n---\n\nText.\n", "sources/bad.md:2:", "must be 'key: value' lines"),
    ("reference a number", "sources/bad.md", front('  - "Doe J. A study. 2020."', "  - 42"), "sources/bad.md:10:", "a reference must be a text"),
    ("sample not boolean", "sources/bad.md", front("lang: en", "lang: en\nsample: maybe"), "sources/bad.md:4:", "'sample' must be true or false"),
    ("change kind unknown", "sources/bad.md", front("lang: en", "lang: en\nchange: minor"), "sources/bad.md:4:", "'change' must be"),
    ("created in the future", "sources/bad.md", front("created: 2022-06-02", "created: 2029-01-01\n"), "sources/bad.md:1:", "after the build date"),
    ("yaml alias bomb", "sources/bad.md", front("title: Why walk?", 'title: &a ["x", *a]'), "sources/bad.md:", ""),
]

CATALOG = "locales/de/LC_MESSAGES/t-legs-01.po"
CATALOG_CASES = [
    ("unterminated string", 'msgstr "aufstehen"', 'msgstr "aufstehen', "a string must be one line"),
    ("unknown keyword", 'msgstr "aufstehen"', 'msgtsr "aufstehen"', "not a gettext line"),
    ("missing msgstr", 'msgstr "aufstehen"\n', "\n", "missing msgstr"),
    ("duplicate msgid", 'msgid "stand up"\nmsgstr "aufstehen"', 'msgid "stand up"\nmsgstr "aufstehen"\n\nmsgid "stand up"\nmsgstr "x"', "appears twice"),
    ("unknown escape", 'msgstr "aufstehen"', 'msgstr "auf\\qstehen"', "unknown escape"),
    ("control character", 'msgstr "aufstehen"', 'msgstr "auf\x1bstehen"', "U+001B"),
    ("wrong plural forms", "nplurals=2; plural=(n != 1);", "nplurals=3; plural=(n != 1);", "Plural-Forms says"),
    ("wrong language header", '"Language: de\\n"', '"Language: fr\\n"', "the header says Language: fr"),
]

CONFIG_CASES = [
    ("invalid toml", "[site]\n", "[site\n", "not valid TOML"),
    ("base url not http", 'base_url = "https://tiny.example.org/"', 'base_url = "ftp://tiny.example.org/"', "'base_url' must be"),
    ("no languages", 'languages = ["en", "de"]', "languages = []", "'languages' must be a list"),
    ("bad language code", 'languages = ["en", "de"]', 'languages = ["en", "deutsch"]', "is not a language code"),
    ("unknown time zone", 'time_zone = "Europe/Berlin"', 'time_zone = "Mars/Olympus"', "unknown time zone"),
    ("topics wrong", '[site.topics]\nlegs = "Legs"', '[site.topics]\nlegs = 3', "[site.topics] must map"),
    ("feed size negative", "[site]\n", "[site]\nfeed_size = -1\n", "'feed_size' must be a whole number"),
    ("hub not a url", "[site]\n", '[site]\nwebsub_hub = "not a url"\n', "'websub_hub' must be an http(s) URL"),
    ("tag authority", 'tag_authority = "tiny.example.org"', 'tag_authority = "a b"', "'tag_authority' must be a domain"),
]


def expect_refusal(root, capsys, prefix, text, before=None):
    before = before if before is not None else project_state(root)
    code, out, err = run_main(root, capsys, "publish")
    assert code == 1, out + err
    first = err.splitlines()[0]
    assert first.startswith(prefix), err
    assert text in err, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("nothing was written")
    assert project_state(root) == before


@pytest.mark.parametrize(("name", "path", "data", "prefix", "text"), SOURCE_CASES, ids=[c[0] for c in SOURCE_CASES])
def test_hostile_sources_are_refused(published, capsys, name, path, data, prefix, text):
    (published / path).write_bytes(data)
    expect_refusal(published, capsys, prefix, text)


@pytest.mark.parametrize(("name", "old", "new", "text"), CATALOG_CASES, ids=[c[0] for c in CATALOG_CASES])
def test_hostile_catalogs_are_refused(published, capsys, name, old, new, text):
    path = published / CATALOG
    content = path.read_text()
    assert old in content
    path.write_text(content.replace(old, new, 1))
    expect_refusal(published, capsys, CATALOG + ":", text)


def test_a_catalog_that_is_not_utf8_is_refused(published, capsys):
    path = published / CATALOG
    path.write_bytes(path.read_text().replace("aufstehen", "aufstehen \u00e4").encode("latin-1"))
    expect_refusal(published, capsys, CATALOG + ":", "not valid UTF-8")


def test_a_catalog_folder_for_an_unknown_language_is_refused(published, capsys):
    (published / "locales/fr/LC_MESSAGES").mkdir(parents=True)
    expect_refusal(published, capsys, "locales/fr:", "not a site language")


def test_a_damaged_stored_translation_is_refused(published, capsys):
    (published / "locales/de/published/t-legs-01.json").write_text("{not json")
    expect_refusal(published, capsys, "locales/de/published/t-legs-01.json:", "damaged")


def test_a_damaged_ledger_is_refused(published, capsys):
    (published / "sources/versions/t-legs-01.toml").write_text("id = [broken")
    expect_refusal(published, capsys, "sources/versions/t-legs-01.toml:", "not valid TOML")


@pytest.mark.parametrize(("name", "old", "new", "text"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_hostile_settings_are_refused(published, capsys, name, old, new, text):
    path = published / "sources/site.toml"
    content = path.read_text()
    assert old in content
    path.write_text(content.replace(old, new, 1))
    expect_refusal(published, capsys, "sources/site.toml", text)


def test_missing_settings_are_refused(published, capsys):
    (published / "sources/site.toml").unlink()
    expect_refusal(published, capsys, "sources/site.toml:", "site settings file is missing")


def test_a_bad_source_date_epoch_is_refused(published, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    expect_refusal(published, capsys, "SOURCE_DATE_EPOCH must be", "whole seconds")


def test_a_bom_and_crlf_are_accepted(published, capsys):
    (published / "sources/windows.md").write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    code, out, err = run_main(published, capsys, "publish")
    assert code == 0, err
    assert "Walking every day helps." in (published / "output/en/hostile-01.html").read_text()


@pytest.mark.parametrize("translation", [
    "<script>alert(1)</script>aufstehen",
    "[aufstehen](javascript:alert(1))",
    "![x](javascript:alert(1)) aufstehen",
    "<img src=x onerror=alert(1)>aufstehen",
    "[aufstehen](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='jav&#x09;ascript:alert(1)'>aufstehen</a>",
    "<style>body{display:none}</style>aufstehen",
    "<iframe src=//evil.example></iframe>aufstehen",
    "<object data=x></object>aufstehen",
    "[aufstehen](JaVaScRiPt:alert(1))",
])
def test_a_translators_markup_never_reaches_a_page_or_feed(published, capsys, translation):
    path = published / CATALOG
    path.write_text(path.read_text().replace('msgstr "aufstehen"', f'msgstr "{translation}"'))
    code, out, err = run_main(published, capsys, "publish")
    assert code == 0, err
    assert_safe(html.fromstring((published / "output/de/beinuebungen.html").read_bytes()))
    atom = etree.parse(str(published / "output/de/feed.atom"))
    for content in atom.iter("{http://www.w3.org/2005/Atom}content"):
        assert_safe(html.fragment_fromstring(content.text, create_parent="div"))
    for item in json.loads((published / "output/de/feed.json").read_text())["items"]:
        assert_safe(html.fragment_fromstring(item["content_html"], create_parent="div"))


def assert_safe(doc) -> None:
    """No element that runs code, no handler attribute, no link or source that is not http(s) or local."""
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "iframe", "object", "embed", "style") or (
            element.tag == "script" and element.get("type") == "application/ld+json"), element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src"):
                scheme = value.split(":", 1)[0].lower() if ":" in value.split("/")[0] else ""
                assert scheme in ("", "http", "https", "mailto"), (element.tag, value)


def test_a_translation_for_a_msgid_the_source_never_had_is_kept_and_reported(published, capsys):
    path = published / CATALOG
    path.write_text(path.read_text() + '\nmsgid "Invented by hand"\nmsgstr "Von Hand erfunden"\n')
    code, out, err = run_main(published, capsys, "publish")
    assert code == 0
    assert f"warning: {CATALOG}:" in err and "i18n.unknown-msgid" in err
    assert '#~ msgid "Invented by hand"\n#~ msgstr "Von Hand erfunden"' in path.read_text()
    assert "i18n.unknown-msgid" not in run_main(published, capsys, "publish", "--strict")[2]  # reported once, then kept
