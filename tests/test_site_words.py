"""The site's own words: a translation whose placeholders do not fit is never shown, and an
incomplete site catalog never takes a language offline while a last complete copy stands in."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from pipeline.catalogs import format_problem
from tests.helpers import edit, run_cli, tree

SITE_PO = "locales/de/LC_MESSAGES/site.po"
STORED = "locales/de/published/site.json"


def german_dates(root) -> str:
    page = html.fromstring((root / "output/de/beinuebungen.html").read_bytes())
    return " ".join(page.xpath("string(//p[@class='dates'])").split())


@pytest.fixture
def published(tiny_site):
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    return tiny_site


@pytest.mark.parametrize("mistake", ["Erstellt am %(datum)s", "Erstellt am %s", "Erstellt zu 100 % am %(date)s",
                                     "Erstellt", "Erstellt am %(date)d", "Erstellt am %(date)*s",
                                     "Erstellt am %(date)300000000s"])
def test_a_placeholder_mistake_in_site_po_is_reported_and_never_shown(published, mistake):
    before = german_dates(published)
    edit(published, SITE_PO, 'msgstr "Erstellt am %(date)s"', f'msgstr "{mistake}"')
    result = run_cli(published, "publish")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warning = next(line for line in result.stderr.splitlines() if "i18n.format-invalid" in line)
    assert warning.startswith(f"warning: {SITE_PO}:69: ")  # the entry of "Created on %(date)s"
    assert "i18n.site-words-behind" in result.stderr
    assert "i18n.placeholder-mismatch" not in result.stderr  # told once, not twice
    assert german_dates(published) == before  # the last complete words: "Erstellt am 2. Juni 2022 ..."
    assert "Erstellt am" in before and "{" not in before
    check = run_cli(published, "check")  # what publish warns of, check refuses
    assert check.returncode == 1 and f"{SITE_PO}:69: i18n.format-invalid" in check.stderr


def test_a_reworded_site_title_keeps_the_language_online_with_its_last_words(published):
    before = tree(published / "output/de")
    edit(published, "sources/site.toml", 'title = "Tiny health site"', 'title = "Tiny health portal site"')
    result = run_cli(published, "publish")
    assert result.returncode == 0, result.stderr
    assert "Published 3 in en, 2 in de" in result.stdout
    assert "i18n.site-words-behind" in result.stderr and SITE_PO in result.stderr
    assert set(tree(published / "output/de")) == set(before)  # no German page went offline
    index = html.fromstring((published / "output/de/index.html").read_bytes())
    assert index.findtext(".//h1") == "Kleine Gesundheitsseite"  # the last complete translation
    assert "Tiny health" not in (published / "output/de/index.html").read_text()  # and no English mixed in
    assert run_cli(published, "publish", "--strict").returncode == 1  # the editor cannot overlook it

    edit(published, SITE_PO, '#| msgid "Tiny health site"\nmsgid "Tiny health portal site"\nmsgstr "Kleine Gesundheitsseite"',
         'msgid "Tiny health portal site"\nmsgstr "Kleines Gesundheitsportal"')
    edit(published, SITE_PO, '#, fuzzy\nmsgid "Tiny health portal site"', 'msgid "Tiny health portal site"')
    result = run_cli(published, "publish")
    assert result.returncode == 0 and "site-words-behind" not in result.stderr, result.stderr
    stored = json.loads((published / STORED).read_text(encoding="utf-8"))["messages"]
    assert stored["Tiny health portal site"] == "Kleines Gesundheitsportal"  # the new complete copy
    assert html.fromstring((published / "output/de/index.html").read_bytes()).findtext(".//h1") == "Kleines Gesundheitsportal"


def test_a_word_taken_out_of_site_po_keeps_its_last_translation(published):
    edit(published, SITE_PO, 'msgstr "Quellen"', 'msgstr ""')
    result = run_cli(published, "publish")
    assert result.returncode == 0, result.stderr
    page = html.fromstring((published / "output/de/beinuebungen.html").read_bytes())
    assert page.findtext(".//section[@class='references']/h2") == "Quellen"


def test_a_stored_copy_with_a_control_character_is_refused_with_its_line(published):
    before = tree(published / "output")
    edit(published, STORED, '"Quellen"', '"Quel\\u0007len"')
    result = run_cli(published, "publish")
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{STORED}:") and "U+0007" in first and "Traceback" not in result.stderr
    assert tree(published / "output") == before


def test_a_stored_copy_cannot_put_markup_on_a_page(published):
    edit(published, STORED, '"Quellen"', '"<script>alert(1)</script>Quellen"')
    edit(published, SITE_PO, 'msgstr "Quellen"', 'msgstr ""')
    assert run_cli(published, "publish").returncode == 0
    page = html.fromstring((published / "output/de/beinuebungen.html").read_bytes())
    assert page.findtext(".//section[@class='references']/h2") == "<script>alert(1)</script>Quellen"  # as text
    assert [s.get("type") for s in page.iter("script")] == ["application/ld+json"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.sampled_from(list("%()sdfrx abc")), max_size=12), min_size=1, max_size=20))
def test_the_placeholder_rule_is_msgfmts(tmp_path, msgstrs):
    """GNU msgfmt is the oracle: a python-format translation we accept is one it accepts."""
    msgid = "Created %(date)s by %(who)s"
    body = "".join(f'#, python-format\nmsgctxt "{i}"\nmsgid "{msgid}"\nmsgstr "{m}"\n\n' for i, m in enumerate(msgstrs))
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n' + body, encoding="utf-8")
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    refused = {int(line.split(":")[1]) for line in result.stderr.splitlines() if line.startswith(str(po) + ":")}
    for index, msgstr in enumerate(msgstrs):
        line = 4 + 5 * index + 3  # the msgstr line of entry ``index``
        ours = format_problem(msgid, msgstr) is None or msgstr == ""
        assert ours == (line not in refused), (msgstr, result.stderr)


def test_a_stored_copy_nested_without_end_is_refused_with_one_line(published):
    (published / STORED).write_text("[" * 100_000, encoding="utf-8")
    for command in ("check", "publish"):
        result = run_cli(published, command)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[0].startswith(f"{STORED}:1: the stored site words are damaged (it is nested")
