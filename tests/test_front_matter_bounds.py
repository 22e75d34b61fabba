"""Bounded reading: YAML anchors and aliases (the "billion laughs") and deep nesting in front
matter, and deeply nested lists in the body, are refused with one line, quickly, in small
memory, with libyaml's parser and with PyYAML's own alike. (Block quotes, nested or not, are
refused as such already: 10,000 nested '>' give one line.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from pipeline import sources
from pipeline.errors import SourceError
from tests.helpers import ROOT
from tests.test_hostile import GOOD, expect_refusal

BAD = "sources/bad.md"
ALIASES = "YAML anchors and aliases (&name, *name) are not supported in front matter"


def laughs(levels: int = 9) -> str:
    """The billion laughs: each level a list of nine aliases of the one before (~600 bytes)."""
    lines = ['title: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"summary{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines)


LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def refusal(front: str, loader: type) -> str:
    try:
        fields, problems = sources._front_matter(BAD, front, loader)
    except SourceError as exc:
        return str(exc)
    assert len(problems) == 1, problems
    return str(problems[0])


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("front", "line"), [
    ("title: &a Why walk?\nsummary: *a", 2),
    ("title: Why walk?\nreferences:\n  - &doe Doe J.\n  - *doe", 4),
    ("title: !!str &a Why\nsummary: x", 2),
    ("base: &b {lang: en}\nother:\n  <<: *b", 2),
], ids=["scalar", "list item", "tagged", "merge key"])
def test_an_anchor_or_alias_is_refused_at_its_line(loader, front, line):
    assert refusal(front, loader) == f"{BAD}:{line}: {ALIASES}; write the value out"


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("front", "line"), [
    ("title: " + "[" * 900 + "]" * 900, 2),
    ("title: " + "{a: " * 900 + "b" + "}" * 900, 2),
    ("title: " + "[" * 300_000, 2),
    ("title:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 30)), 12),
], ids=["900 lists", "900 tables", "unclosed 300,000", "block style"])
def test_deep_nesting_is_refused_without_recursion(loader, front, line):
    message = refusal(front, loader)
    assert message.startswith(f"{BAD}:{line}: the front matter nests lists or tables more than 20 levels"), message


def test_the_billion_laughs_is_refused_quickly_in_little_memory():
    """In a child limited to 1 GB and 60 s: before, it took 80 s and 8 GB."""
    bomb = GOOD.replace("title: Why walk?\n", laughs() + "\n")
    assert 500 < len(laughs()) < 700
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
              "from pathlib import Path\n"
              "from pipeline.config import load_config\n"
              "from pipeline.errors import PipelineError\n"
              "from pipeline.sources import read_article\n"
              "try:\n"
              "    read_article('sources/bad.md', sys.stdin.read(), load_config(Path('tests/data/site-tiny')))\n"
              "except PipelineError as exc:\n"
              "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], input=bomb, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-500:]
    assert done.stdout.splitlines() == [f"{BAD}:4: {ALIASES}; write the value out"]


def test_an_alias_in_a_source_is_refused_by_publish(published, capsys):
    (published / BAD).write_text(GOOD.replace("summary: Walking helps.", "summary: &s Walking helps.\nchange_note: *s"))
    expect_refusal(published, capsys, f"{BAD}:5: ", ALIASES)


def test_deeply_nested_front_matter_is_refused_by_publish(published, capsys):
    (published / BAD).write_text(GOOD.replace("topics: [legs]", "topics: " + "[" * 900 + "legs" + "]" * 900))
    expect_refusal(published, capsys, f"{BAD}:6: ", "more than 20 levels")


@pytest.mark.parametrize(("body", "line"), [
    ("".join("  " * i + f"- item {i}\n" for i in range(12)), 23),
    ("".join("  " * i + f"- item {i}\n" for i in range(900)), 23),
    ("".join("   " * i + "1. item\n" for i in range(12)), 23),
    ("- " * 10_000 + "deep\n", 15),
], ids=["12 levels", "900 levels", "ordered", "10,000 bullets on a line"])
def test_deeply_nested_lists_are_refused_on_one_line(published, capsys, body, line):
    (published / BAD).write_text(GOOD + "\n" + body)
    expect_refusal(published, capsys, f"{BAD}:{line}: lists nested more than 8 levels deep", "flatten the list")
