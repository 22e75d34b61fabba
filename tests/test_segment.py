"""Segmentation into translatable units, and putting translations back."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.segment import localize, segments
from pipeline.sources import read_sources


@pytest.fixture
def legs(tiny_site):
    return next(a for a in read_sources(tiny_site, load_config(tiny_site)) if a.id == "t-legs-01")


def test_every_unit_is_a_segment_with_kind_and_origin(legs):
    found = [(s.kind, s.msgid, str(s.origin)) for s in segments(legs)]
    assert found[:4] == [
        ("page title", "Legs: what helps?", "sources/legs.md:7"),
        ("summary", "Short & simple <advice> on moving your legs.", "sources/legs.md:8"),
        ("paragraph", "Walking **30 minutes** a day can help. See [our guide](https://tiny.example.org/guide).", "sources/legs.md:20"),
        ("heading", "How often should I exercise?", "sources/legs.md:22"),
    ]
    kinds = {kind for kind, _, _ in found}
    assert {"list item", "image caption", "table header", "table cell"} <= kinds
    assert any(kind.startswith("alt text") for kind in kinds)
    assert ("list item", "in the evening", "sources/legs.md:26") in found


def test_references_are_never_segments(legs):
    assert not any("fictional study" in s.msgid for s in segments(legs))


def test_localize_replaces_every_unit_and_keeps_structure(legs):
    upper = {s.msgid: s.msgid.upper() for s in segments(legs)}
    german = localize(legs, upper, "de")
    assert german.lang == "de" and german.source_lang == "en" and german.is_translation
    assert german.title.value == "LEGS: WHAT HELPS?"
    assert [s.msgid for s in segments(german)] == [s.msgid.upper() for s in segments(legs)]
    assert german.references == legs.references


def test_localize_refuses_a_partial_translation(legs):
    partial = {s.msgid: s.msgid for s in segments(legs)[:3]}
    with pytest.raises(KeyError):
        localize(legs, partial, "de")
