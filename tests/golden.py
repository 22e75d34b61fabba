"""Regenerate the expected output of the tiny fixture site: ``make golden``.

Run it after an intended change to templates or rendering, then read the diff of
``tests/data/site-tiny-output/`` before committing it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from pipeline.publish import publish
from tests.helpers import BUILD_TIME, DATA

FIXTURE = DATA / "site-tiny"
EXPECTED = DATA / "site-tiny-output"


def build_tiny(workdir: Path) -> Path:
    """Publish a copy of the tiny site in ``workdir``; returns the copy's root."""
    root = workdir / "site-tiny"
    shutil.copytree(FIXTURE, root)
    publish(root, BUILD_TIME)
    return root


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_tiny(Path(tmp))
        stale = sorted(p.relative_to(root).as_posix() for p in (root / "locales").rglob("*")
                       if p.is_file() and p.read_bytes() != (FIXTURE / p.relative_to(root)).read_bytes()
                       if (FIXTURE / p.relative_to(root)).exists())
        if stale:
            print("The fixture's catalogs are out of date; translate the new template words in "
                  f"tests/data/site-tiny/ first: {', '.join(stale)}", file=sys.stderr)
            return 1
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(root / "output", EXPECTED)
    print(f"Wrote {EXPECTED.relative_to(Path.cwd()) if EXPECTED.is_relative_to(Path.cwd()) else EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
