"""A stored translation shown while its catalog catches up: only its translated words are the
translator's; the notices, references and dates come from the source and its ledger."""

from __future__ import annotations

import json

from lxml import html

from tests.helpers import edit, run_cli

STORED = "locales/de/published/t-legs-01.json"
CATALOG = "locales/de/LC_MESSAGES/t-legs-01.po"


def forge(root, change) -> None:
    path = root / STORED
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["article"])
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def shown_from_the_stored_copy(root) -> None:
    """Let the stored copy stand in: one unit of the catalog is no longer translated."""
    edit(root, CATALOG, 'msgstr "Wie oft sollte ich mich bewegen?"', 'msgstr ""')


def test_a_forged_stored_copy_cannot_drop_notices_or_change_references_and_dates(tiny_site):
    assert run_cli(tiny_site, "publish").returncode == 0
    shown_from_the_stored_copy(tiny_site)

    def change(article):
        article["sample"] = False
        article["source_lang"] = "de"
        article["references"] = [{"text": "Gefälschte Studie: Dosis verdoppeln.", "lang": "de"}]
        article["created"] = "2001-01-01"
        article["updated"] = "2001-01-02"
        article["next_review"] = {"year": 2099, "month": None, "day": None}

    forge(tiny_site, change)
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    page = html.fromstring((tiny_site / "output/de/beinuebungen.html").read_bytes())
    text = " ".join(page.text_content().split())
    assert "Gefälschte Studie" not in text and "Doe J. A fictional study" in text  # the source's references
    assert "Beispielinhalt: Dieser Artikel wurde geschrieben" in text  # the sample notice stays
    assert "Diese Seite ist eine Übersetzung." in text  # and so does the note that it is a translation
    assert "2099" not in text and "2001" not in text  # dates from the source and its ledger
    assert "2. Juni 2022" in text


def test_a_stored_copy_showing_a_picture_that_is_not_there_is_refused(tiny_site):
    assert run_cli(tiny_site, "publish").returncode == 0
    shown_from_the_stored_copy(tiny_site)

    def change(article):
        figure = next(b for b in article["blocks"] if b["type"] == "Figure")
        figure["src"] = "images/nothere.svg"

    forge(tiny_site, change)
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "images/nothere.svg" in result.stderr.splitlines()[0] and "not found" in result.stderr.splitlines()[0]
