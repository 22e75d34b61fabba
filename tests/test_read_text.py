"""Plain-text exports: the seed article of ../shared maps to our blocks by its layout."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.model import Figure, Heading, ListBlock, ReviewDate
from pipeline.read_text import read_text
from tests.helpers import SHARED

SEED = SHARED / "seed" / "000_09830500d577ff4c.txt"


@pytest.fixture
def seed():
    if not SEED.is_file():
        pytest.skip("../shared/seed is not beside this clone")
    return read_text(SEED.read_text(encoding="utf-8"), "seed.txt")


def test_the_seed_has_its_six_headings(seed):
    assert [b.text.value for b in seed.blocks if isinstance(b, Heading)] == [
        "What can I do to relieve the symptoms?",
        "How can I strengthen my calf muscles?",
        "Strengthening exercises for the calf muscles: Calf lifts",
        "Strengthening exercises for the thigh muscles: Knee squats against the wall",
        "How can I take the strain off my veins?",
        "Why is good skin care important?",
    ]


def test_the_seed_has_three_lists_with_their_items(seed):
    lists = [b for b in seed.blocks if isinstance(b, ListBlock)]
    assert [len(l.items) for l in lists] == [3, 3, 3]
    assert lists[0].items[0].text.value == "60 to 120 minutes of moderate endurance sport per week"
    assert lists[2].items[2].text.value == "3 sets of 10 repetitions, with a minute’s break between each set."


def test_the_seed_has_its_photo_and_two_captioned_figures(seed):
    figures = [b for b in seed.blocks if isinstance(b, Figure)]
    assert [(f.alt.value, f.caption.value if f.caption else None) for f in figures] == [
        ("Photo of a couple riding bikes", None),
        ("Calf lifts to strengthen the calf muscles", "Calf lifts to strengthen the calf muscles"),
        ("Knee squats against the wall to strengthen the thigh muscles",
         "Knee squats against the wall to strengthen the thigh muscles"),
    ]


def test_the_seed_keeps_its_references_verbatim_and_its_dates(seed):
    assert seed.references == (
        "Kahn SR, Shrier I, Shapiro S et al. Six-month exercise training program to treat post-thrombotic "
        "syndrome: a randomized controlled two-centre trial. CMAJ 2011; 183(1): 37-44.",
        "Makedonov I, Kahn SR, Galanaud JP. Prevention and Management of the Post-Thrombotic Syndrome. "
        "J Clin Med 2020; 9(4): 923.",
    )
    assert (seed.created, seed.next_review) == (dt.date(2022, 6, 2), ReviewDate(2025))


def test_the_seed_body_has_none_of_the_site_boilerplate(seed):
    body = " ".join(getattr(b, "text", b).value if hasattr(b, "text") else "" for b in seed.blocks)
    for phrase in ("IQWiG", "Comment on this page", "Über diese Seite", "Follow us on Twitter",
                   "What would you like to share", "Institute for Quality"):
        assert phrase not in body
    assert any("Über diese Seite" in d for d in seed.dropped) and any("Follow us" in d for d in seed.dropped)


def test_a_numbered_list_and_german_dates_are_read():
    text = ("Wie viel sollte ich trinken?\n\nEtwa so:\n\n1. morgens ein Glas\n2. mittags zwei Gläser\n\n"
            "Erstellt am 2. Juni 2022\n\nNächste geplante Aktualisierung: März 2027\n")
    page = read_text(text, "x.txt")
    numbered = next(b for b in page.blocks if isinstance(b, ListBlock))
    assert numbered.ordered and [i.text.value for i in numbered.items] == ["morgens ein Glas", "mittags zwei Gläser"]
    assert (page.created, page.next_review) == (dt.date(2022, 6, 2), ReviewDate(2027, 3))
