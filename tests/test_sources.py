"""Reading source articles: fields, validation and error locations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import PipelineError, Problems
from pipeline.model import ReviewDate
from pipeline.sources import read_sources

GOOD_FRONT = """---
id: a-0001
lang: en
title: Why walk?
summary: Walking helps.
topics: [legs]
created: 2022-06-02
next_review: 2025
references:
  - "Doe J. A study. 2020."
---
"""


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "sources" / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def problems_of(root: Path) -> list[str]:
    with pytest.raises(PipelineError) as info:
        read_sources(root, load_config(root))
    exc = info.value
    return [str(p) for p in (exc.problems if isinstance(exc, Problems) else (exc,))]


def test_fields_of_the_tiny_site_are_read(tiny_site):
    articles = {a.id: a for a in read_sources(tiny_site, load_config(tiny_site))}
    legs = articles["t-legs-01"]
    assert legs.lang == legs.source_lang == "en"
    assert legs.slugs == {"en": "leg-exercises", "de": "beinuebungen"}
    assert legs.created == dt.date(2022, 6, 2) and legs.updated == dt.date(2023, 1, 15)
    assert legs.next_review == ReviewDate(2025)
    assert [r.lang for r in legs.references] == ["en", "de"]
    assert legs.references[0].text == "Doe J. A fictional study. J Sample 2020; 1(1): 1-2."
    assert articles["t-water-02"].next_review == ReviewDate(2027, 3)
    assert articles["t-sleep-03"].next_review == ReviewDate(2027, 9, 30)
    assert articles["t-sleep-03"].slugs == {"en": "t-sleep-03", "de": "t-sleep-03"}


def test_a_good_article_needs_nothing_optional(tiny_site):
    write(tiny_site, "plain.md", GOOD_FRONT + "\nText.\n")
    ids = [a.id for a in read_sources(tiny_site, load_config(tiny_site))]
    assert "a-0001" in ids


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (GOOD_FRONT.replace("title: Why walk?", "title: [unclosed"), "sources/bad.md:5: front matter is not valid YAML"),
        (GOOD_FRONT.replace("title: Why walk?", 'title: "Why \\q?"'),
         "sources/bad.md:4: front matter is not valid YAML: found unknown escape character 'q'"),
        (GOOD_FRONT.replace("lang: en\n", "lang: en\nlang: de\n"), "sources/bad.md:4: 'lang' is given twice (first on line 3)"),
        (GOOD_FRONT.replace("created:", "craeted:"), "sources/bad.md:7: unknown field 'craeted'"),
        (GOOD_FRONT.replace("created: 2022-06-02", "created: 2022-02-30"), "sources/bad.md:7: 'created' is not a possible value: day is out of range"),
        (GOOD_FRONT.replace("created: 2022-06-02", "created: June 2"), "sources/bad.md:7: 'created' must be a date"),
        (GOOD_FRONT.replace("next_review: 2025", "next_review: 2025-13"), "sources/bad.md:8: 'next_review' must be a year"),
        (GOOD_FRONT.replace("next_review: 2025", "next_review: 2021"), "sources/bad.md:8: 'next_review' (2021) is before 'created'"),
        (GOOD_FRONT.replace("lang: en", "lang: fr"), "sources/bad.md:3: lang 'fr' is not a site language"),
        (GOOD_FRONT.replace("id: a-0001", "id: ../x"), "sources/bad.md:2: id '../x' must be"),
        (GOOD_FRONT.replace("topics: [legs]", "topics: [hearts]"), "sources/bad.md:6: unknown topic(s) hearts"),
        (GOOD_FRONT.replace("title: Why walk?\n", ""), "sources/bad.md:1: the front matter lacks the required field 'title'"),
        (GOOD_FRONT.replace("topics: [legs]", "topics: [legs]\nslug: ../../etc"), "sources/bad.md:7: 'slug' must be"),
        (GOOD_FRONT.replace("created: 2022-06-02", "created: 2022-06-02\nupdated: 2021-01-01"), "sources/bad.md:8: 'updated' (2021-01-01) is before 'created'"),
        ("title: no opening line\n", "sources/bad.md:1: an article must start with a '---' line"),
        ("---\nid: x\n", "sources/bad.md:1: the front matter is never closed"),
    ],
)
def test_front_matter_problems_name_file_and_line(tiny_site, front, expected):
    write(tiny_site, "bad.md", front + "\nText.\n")
    found = problems_of(tiny_site)
    assert any(line.startswith(expected) for line in found), found


def test_an_impossible_date_is_reported_once(tiny_site):
    write(tiny_site, "bad.md", GOOD_FRONT.replace("created: 2022-06-02", "created: 2022-02-30"))
    assert problems_of(tiny_site) == ["sources/bad.md:7: 'created' is not a possible value: day is out of range for month"]


def test_an_empty_file_is_refused(tiny_site):
    write(tiny_site, "empty.md", "")
    assert problems_of(tiny_site) == ["sources/empty.md:1: the file is empty; an article starts with a '---' front matter block"]


def test_every_problem_of_a_run_is_reported_at_once(tiny_site):
    write(tiny_site, "one.md", GOOD_FRONT.replace("lang: en", "lang: fr").replace("topics: [legs]", "topics: 3"))
    write(tiny_site, "two.md", GOOD_FRONT.replace("id: a-0001", "id: a-0002") + "\n# Title again\n")
    found = problems_of(tiny_site)
    assert [line.split(":")[0:2] for line in found] == [
        ["sources/one.md", "3"], ["sources/one.md", "6"], ["sources/two.md", "13"]]


def test_duplicate_ids_and_slugs_are_refused(tiny_site):
    write(tiny_site, "copy.md", GOOD_FRONT.replace("id: a-0001", "id: t-legs-01"))
    write(tiny_site, "other.md", GOOD_FRONT.replace("topics: [legs]", "topics: [legs]\nslug: water"))
    found = problems_of(tiny_site)
    assert any("id 't-legs-01' is already used by sources/" in line for line in found), found
    assert any("slug (en) 'water' is already used by sources/" in line for line in found), found


def test_bom_and_crlf_are_accepted(tiny_site):
    text = (GOOD_FRONT + "\nFirst line\nsecond line.\n").replace("\n", "\r\n")
    write(tiny_site, "windows.md", b"\xef\xbb\xbf" + text.encode())
    article = next(a for a in read_sources(tiny_site, load_config(tiny_site)) if a.id == "a-0001")
    assert article.blocks[0].text.value == "First line second line."
    assert article.blocks[0].text.origin.line == 13


def test_invalid_utf8_names_its_line(tiny_site):
    write(tiny_site, "latin1.md", GOOD_FRONT.encode() + "\nCaf\xe9\n".encode("latin-1"))
    assert problems_of(tiny_site) == ["sources/latin1.md:13: not valid UTF-8; save the file as UTF-8"]


def test_missing_image_and_image_outside_sources(tiny_site):
    body = '\n![A foot](images/none.svg "Caption")\n\n![A foot](../secret.svg "Caption")\n'
    write(tiny_site, "pics.md", GOOD_FRONT + body)
    assert problems_of(tiny_site) == [
        "sources/pics.md:13: image 'images/none.svg' not found; put it in sources/images/none.svg",
        "sources/pics.md:15: image '../secret.svg' must be a file in sources/images/, written images/file.svg",
    ]
