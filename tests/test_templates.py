"""The page templates write every value as text or inside a quoted attribute: never into a tag
itself, where a value such as ``2 onmouseover=alert(1)`` would become an attribute of its own."""

from __future__ import annotations

import re
from importlib import resources

import pytest

TEMPLATES = sorted(p for p in (resources.files("pipeline") / "templates").iterdir() if p.name.endswith(".html"))
# A tag, its quoted attribute values kept whole; a Jinja comment.
_TAG = re.compile(r'<(?=[A-Za-z/{])((?:[^<>"]|"[^"]*")*)>')
_QUOTED = re.compile(r'"[^"]*"')
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def unquoted_values(source: str) -> list[str]:
    """The tags of ``source`` that write a value outside a quoted attribute."""
    return [tag[0] for tag in _TAG.finditer(_COMMENT.sub("", source)) if "{{" in _QUOTED.sub('""', tag[1])]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_no_template_writes_a_value_into_a_tag(template):
    assert unquoted_values(template.read_text(encoding="utf-8")) == []


def test_the_rule_sees_a_value_written_into_a_tag():
    assert unquoted_values('<h{{ block.level }}>x</h{{ block.level }}>') == ["<h{{ block.level }}>", "</h{{ block.level }}>"]
    assert unquoted_values("<{{ 'ol' if ordered else 'ul' }}>") != []
    assert unquoted_values('<td{% if a %} class=align-{{ a }}{% endif %}>') != []
    assert unquoted_values('<ol{% if s %} start="{{ s }}"{% endif %}>') == []
