"""Shared test helpers: paths, the fixed build time, running the CLI as a user would."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

from pipeline.files import MIRROR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"
EPOCH = 1764000000  # 2025-11-24 16:00 UTC
BUILD_TIME = dt.datetime.fromtimestamp(EPOCH, zoneinfo.ZoneInfo("Europe/Berlin"))


def run_cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline --root ROOT ARGS`` in a fresh process; ``env`` adds to the environment."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(root), *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )


def run_main(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    """``main(["--root", ROOT, *ARGS])`` in this process: the exit code, stdout and stderr."""
    from pipeline.cli import main

    code = main(["--root", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def project_state(root: Path) -> dict[str, bytes]:
    """Every file an editor, a translator or a reader could see changed: sources, catalogs, site."""
    return tree(root / "sources") | tree(root / "locales") | tree(root / "output")


def edit(root: Path, path: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` once in the file at ``path`` below ``root``."""
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes, keyed by POSIX path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_mirror_or_nothing(site):
    """What a publish leaves beside output/: nothing, or the same files as hard links, marked."""
    staging = site / ".output.staging"
    if staging.exists():
        assert (staging / MIRROR).is_file()
        mirrored = {p.relative_to(staging): p.stat().st_ino for p in staging.rglob("*") if p.is_file()}
        live = {p.relative_to(site / "output"): p.stat().st_ino for p in (site / "output").rglob("*") if p.is_file()}
        assert mirrored == {**live, Path(MIRROR): (staging / MIRROR).stat().st_ino}
        assert sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_dir()) == sorted(
            p.relative_to(site / "output") for p in (site / "output").rglob("*") if p.is_dir())
