"""Article bodies: CommonMark blocks into the content model, with their lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline import body
from pipeline.body import parse_body
from pipeline.model import Figure, Heading, ListBlock, Paragraph, Table

BODY = """Lead with **bold** and a [link](https://example.org/a).

## What helps?

- walk
  - slowly
    and calmly
- rest

3. three
4. four

![Feet on tiptoe](images/feet.svg "Calf lifts: *3 sets*")

| Sport | Minutes |
|:--|--:|
| Walking | 30 |
| Yoga | |
"""


def parse(body: str, offset: int = 10):
    return parse_body(body, "sources/x.md", offset)


def test_blocks_keep_inline_markdown_and_their_lines():
    blocks, problems = parse(BODY)
    assert problems == []
    lead, heading, bullets, numbers, figure, table = blocks
    assert isinstance(lead, Paragraph)
    assert lead.text.value == "Lead with **bold** and a [link](https://example.org/a)."
    assert (lead.text.origin.path, lead.text.origin.line) == ("sources/x.md", 11)
    assert isinstance(heading, Heading) and heading.level == 2 and heading.text.origin.line == 13
    assert isinstance(bullets, ListBlock) and not bullets.ordered
    assert [i.text.value for i in bullets.items] == ["walk", "rest"]
    nested = bullets.items[0].children[0].items[0]
    assert nested.text.value == "slowly and calmly" and nested.text.origin.line == 16
    assert numbers.ordered and numbers.start == 3 and len(numbers.items) == 2
    assert isinstance(figure, Figure)
    assert (figure.src, figure.alt.value, figure.caption.value) == ("images/feet.svg", "Feet on tiptoe", "Calf lifts: *3 sets*")
    assert isinstance(table, Table)
    assert [(c.text.value, c.align) for c in table.header] == [("Sport", "left"), ("Minutes", "right")]
    assert [[c.text.value for c in row] for row in table.rows] == [["Walking", "30"], ["Yoga", ""]]
    assert table.rows[1][0].text.origin.line == 28


def test_reflowing_a_paragraph_does_not_change_its_text():
    one, _ = parse("Drink water\nevery   day.\n")
    two, _ = parse("Drink water every day.\n")
    assert one[0].text.value == two[0].text.value


def test_unsupported_blocks_are_refused_with_their_line():
    body = "# Title\n\n> quoted\n\n```\ncode\n```\n\n<div>raw</div>\n\nText <b>bold</b>\n\n#### deep\n\n---\n"
    blocks, problems = parse(body, offset=0)
    assert blocks == ()
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (1, "a '#' heading is not allowed in the body"),
        (3, "a block quote is not supported in articles"),
        (5, "a code block is not supported in articles"),
        (9, "raw HTML is not supported in articles"),
        (11, "raw HTML '<b>' is not allowed"),
        (13, "headings deeper than '###' are not supported"),
        (15, "a horizontal rule is not supported in articles"),
    ]


def test_figures_need_alt_text_and_stand_alone():
    body = "![](images/a.svg \"Caption\")\n\n![Alt](images/a.svg)\n\nText ![Alt](images/a.svg \"C\") inline.\n"
    blocks, problems = parse(body, offset=0)
    assert [(b.alt.value, b.caption) for b in blocks] == [("Alt", None)]  # a caption is optional
    assert [p.line for p in problems] == [1, 5]
    assert "needs alternative text" in problems[0].message
    assert "must stand alone" in problems[1].message


def test_list_items_with_several_paragraphs_and_empty_items_are_refused():
    blocks, problems = parse("- one\n\n  second paragraph\n- \n", offset=0)
    assert blocks == ()
    assert [p.line for p in problems] == [3, 4]


# Bodies made of the pieces that matter to inline parsing: images, links, HTML, references.
PIECES = st.sampled_from(["word", " ", "\n", "\n\n", "- ", "## ", "![", "[", "]", "(", ")", "<b>", "<", "!", "`",
                          "*", '"', "images/a.svg", "https://x.org", "javascript:x", "[r]: /u\n", "[r]", "\\", "&lt;",
                          "![alt](images/a.svg)", "![alt][r]", "[a](javascript:x)", "<i>x</i>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_units_parsed_inline_only_where_needed_read_as_when_all_are(text):
    def read() -> tuple:
        blocks, problems = parse(text)
        return blocks, [(p.path, p.line, str(p)) for p in problems]

    lazy = read()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(body, "_PARSER", MarkdownIt("commonmark", {"html": True}).enable("table"))
        assert read() == lazy
