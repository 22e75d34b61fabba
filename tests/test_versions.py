"""The version ledger: versions, visible dates, editorial fixes, and a fresh clone's view."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from lxml import html

from pipeline.errors import LedgerError, SourceError
from pipeline.publish import publish
from pipeline.versions import ledger_path
from tests.helpers import BUILD_TIME, run_cli, tree

LEDGER = "sources/versions/t-legs-01.toml"
LATER = BUILD_TIME + dt.timedelta(days=30)  # 2025-12-24


def edit(root, name, old, new):
    path = root / "sources" / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def dates_line(root, rel):
    doc = html.fromstring((root / "output" / rel).read_bytes())
    return " ".join(doc.xpath("string(//p[@class='dates'])").split())


def test_the_committed_ledger_matches_the_sources(tiny_site):
    before = (tiny_site / LEDGER).read_text()
    report = publish(tiny_site, BUILD_TIME)
    assert report.new_versions == ()
    assert (tiny_site / LEDGER).read_text() == before
    assert 'number = 1\ndate = 2023-01-15\nfingerprint = "' in before  # the explicit 'updated' of version 1


def test_reflowing_text_adds_no_version(tiny_site):
    edit(tiny_site, "legs.md", "Walking **30 minutes** a day can help. See", "Walking **30 minutes** a day\ncan help.   See")
    report = publish(tiny_site, LATER)
    assert report.new_versions == ()
    assert "sources/versions/t-legs-01.toml" not in report.files_written


def test_a_substantive_change_dates_both_languages(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study. J Sample 2020; 1(1): 1-2.", "Doe J. A fictional study. J Sample 2021; 2(1): 3-4.")
    result = run_cli(tiny_site, "publish")  # SOURCE_DATE_EPOCH = 2025-11-24
    assert result.returncode == 0, result.stderr
    assert "New version t-legs-01: version 2 of 2025-11-24 (substantive)" in result.stdout
    assert "Updated on November 24, 2025" in dates_line(tiny_site, "en/leg-exercises.html")
    assert "Aktualisiert am 24. November 2025" in dates_line(tiny_site, "de/beinuebungen.html")
    assert "Created on June 2, 2022" in dates_line(tiny_site, "en/leg-exercises.html")
    ledger = (tiny_site / LEDGER).read_text()
    assert '[[versions]]\nnumber = 2\ndate = 2025-11-24\n' in ledger and 'kind = "substantive"' in ledger


def test_an_editorial_fix_moves_no_date_and_keeps_translations_valid(tiny_site):
    publish(tiny_site, BUILD_TIME)
    german_before = (tiny_site / "output/de/beinuebungen.html").read_bytes()
    english_dates = dates_line(tiny_site, "en/leg-exercises.html")
    edit(tiny_site, "legs.md", "- with *rests*", "- with *rest*")
    edit(tiny_site, "legs.md", "sample: true", "sample: true\nchange: editorial\nchange_note: Typo in a list item.")
    report = publish(tiny_site, LATER)
    assert report.new_versions == ("t-legs-01: version 2 of 2025-12-24 (editorial)",)
    assert dates_line(tiny_site, "en/leg-exercises.html") == english_dates
    assert (tiny_site / "output/de/beinuebungen.html").read_bytes() == german_before
    po = (tiny_site / "locales/de/LC_MESSAGES/t-legs-01.po").read_text()
    assert 'msgid "with *rest*"\nmsgstr "mit *Pausen*"' in po
    assert 'note = "Typo in a list item."' in (tiny_site / LEDGER).read_text()


def test_the_editorial_flag_does_the_same_from_the_command_line(tiny_site):
    edit(tiny_site, "legs.md", "- with *rests*", "- with *rest*")
    result = run_cli(tiny_site, "publish", "--editorial", "t-legs-01")
    assert result.returncode == 0, result.stderr
    assert "version 2 of 2025-11-24 (editorial)" in result.stdout
    assert "Aktualisiert am 15. Januar 2023" in dates_line(tiny_site, "de/beinuebungen.html")


def test_a_fresh_clone_publishes_the_same_dates(tiny_site, tmp_path):
    """No build cache and no git history: the ledger alone carries the dates."""
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, BUILD_TIME)
    clone = tmp_path / "clone"
    shutil.copytree(tiny_site / "sources", clone / "sources")
    shutil.copytree(tiny_site / "locales", clone / "locales")
    publish(clone, LATER)  # a month later: nothing changed, so nothing moves
    assert tree(clone / "output") == tree(tiny_site / "output")
    assert tree(clone / "sources") == tree(tiny_site / "sources")


def test_publishing_twice_changes_nothing_in_the_ledger(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, BUILD_TIME)
    before = tree(tiny_site / "sources")
    assert publish(tiny_site, LATER).files_written == ()
    assert tree(tiny_site / "sources") == before


def test_dates_never_move_backwards(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, LATER)
    edit(tiny_site, "legs.md", "revised.", "revised twice.")
    with pytest.raises(SourceError, match="the build date 2025-11-24 is before version 2 of 2025-12-24"):
        publish(tiny_site, BUILD_TIME)


def test_a_future_date_in_front_matter_is_refused(tiny_site):
    edit(tiny_site, "legs.md", "updated: 2023-01-15", "updated: 2026-01-15")
    with pytest.raises(SourceError, match=r"'updated' \(2026-01-15\) is after the build date 2025-11-24"):
        publish(tiny_site, BUILD_TIME)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("number = 1", "number = 2", "version 2 is out of order"),
    ("kind = \"substantive\"", "kind = \"minor\"", "'kind' must be \"substantive\" or \"editorial\", not 'minor'"),
    ("id = \"t-legs-01\"", "id = \"other\"", "the ledger is for id 'other'"),
    ("date = 2023-01-15", "date = someday", "not valid TOML"),
])
def test_a_damaged_ledger_is_refused_and_kept(tiny_site, old, new, message):
    path = tiny_site / LEDGER
    path.write_text(path.read_text().replace(old, new, 1))
    damaged = path.read_bytes()
    with pytest.raises(LedgerError, match=message):
        publish(tiny_site, BUILD_TIME)
    assert path.read_bytes() == damaged


def test_an_edited_old_version_date_is_refused(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, LATER)
    path = tiny_site / LEDGER
    path.write_text(path.read_text().replace("date = 2023-01-15", "date = 2026-01-01"))
    with pytest.raises(LedgerError, match="version 2 \\(2025-12-24\\) is dated before version 1") as info:
        publish(tiny_site, LATER)
    assert info.value.path == LEDGER and info.value.line


def test_pages_carry_machine_readable_dates(tiny_site):
    publish(tiny_site, BUILD_TIME)
    doc = html.fromstring((tiny_site / "output/de/beinuebungen.html").read_bytes())
    data = json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])
    assert data["@type"] == "MedicalWebPage" and data["inLanguage"] == "de"
    assert (data["dateCreated"], data["dateModified"], data["lastReviewed"]) == ("2022-06-02", "2023-01-15", "2023-01-15")
    assert data["url"] == "https://tiny.example.org/de/beinuebungen.html"
    assert data["name"] == "Beine: Was hilft?"


def test_structured_data_cannot_close_its_script(tiny_site):
    edit(tiny_site, "legs.md", 'title: "Legs: what helps?"', 'title: "Legs </script><script>alert(1)</script>"')
    shutil.rmtree(tiny_site / "locales/de")  # the German page is not the point here
    publish(tiny_site, BUILD_TIME)
    raw = (tiny_site / "output/en/leg-exercises.html").read_text()
    assert "<script>alert(1)" not in raw
    doc = html.fromstring(raw)
    assert json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])["name"].startswith("Legs </script>")


def test_version_history_pages_list_versions_in_the_page_language(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    edit(tiny_site, "legs.md", "sample: true", "sample: true\nchange_note: Updated the first reference.")
    publish(tiny_site, BUILD_TIME)
    en = html.fromstring((tiny_site / "output/en/versions/leg-exercises.html").read_bytes())
    rows = [" ".join(" ".join(r.itertext()).split()) for r in en.xpath("//tbody/tr")]
    assert rows == ["2 November 24, 2025 Content updated Updated the first reference.", "1 January 15, 2023 First version"]
    de = html.fromstring((tiny_site / "output/de/versions/beinuebungen.html").read_bytes())
    assert [" ".join(r.text_content().split()) for r in de.xpath("//tbody/tr")] == [
        "2 24. November 2025 Inhalt aktualisiert", "1 15. Januar 2023 Erste Fassung"]
    assert "Diese Übersetzung folgt Version 2 des Originals." in de.text_content()
    page = html.fromstring((tiny_site / "output/de/beinuebungen.html").read_bytes())
    assert page.xpath("//p[@class='dates']/a/@href") == ["versions/beinuebungen.html"]


def test_history_command_shows_versions_and_translations(tiny_site):
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, LATER)
    result = run_cli(tiny_site, "history", "t-legs-01")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[0] == ["t-legs-01", "(sources/legs.md)"]
    assert lines[2][:3] == ["1", "2023-01-15", "substantive"]
    assert lines[3] == ["2", "2025-12-24", "substantive", "de", "(2025-12-24)"]
    missing = run_cli(tiny_site, "history", "nope")
    assert missing.returncode == 1 and "no article with id 'nope'" in missing.stderr


def test_ledger_path_is_per_article():
    assert ledger_path("3f8a2c71") == "sources/versions/3f8a2c71.toml"
