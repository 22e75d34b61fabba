"""The tiny fixture site's output, byte for byte: catches unintended changes to pages.

After an intended change, run ``make golden`` and read the diff of tests/data/site-tiny-output/.
"""

from __future__ import annotations

from tests.golden import EXPECTED, build_tiny
from tests.helpers import tree


def test_tiny_site_matches_the_golden_output(tmp_path):
    root = build_tiny(tmp_path)
    actual, expected = tree(root / "output"), tree(EXPECTED)
    assert sorted(actual) == sorted(expected), "pages added or missing; run 'make golden' if intended"
    changed = [path for path in expected if actual[path] != expected[path]]
    assert not changed, f"pages differ from tests/data/site-tiny-output: {changed}; run 'make golden' if intended"
