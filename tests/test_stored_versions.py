"""A stored translation names the version of the original it follows; the ledger records the
same. A copy that claims another would show an outdated translation without its notice."""

from __future__ import annotations

from tests.helpers import edit, run_cli, tree

STORED = "locales/de/published/t-legs-01.json"
CATALOG = "locales/de/LC_MESSAGES/t-legs-01.po"


def test_a_stored_copy_claiming_a_later_version_is_refused(tiny_site):
    assert run_cli(tiny_site, "publish").returncode == 0
    source = tiny_site / "sources/legs.md"  # a substantive change: version 2, the translation falls behind
    source.write_text(source.read_text(encoding="utf-8").replace("- every day", "- every single day"), encoding="utf-8")
    later = run_cli(tiny_site, "publish", env={"SOURCE_DATE_EPOCH": str(1764000000 + 86400 * 30)})
    assert later.returncode == 0, later.stderr
    page = (tiny_site / "output/de/beinuebungen.html").read_text(encoding="utf-8")
    assert "notice-outdated" in page  # the honest state: an older original, and the page says so
    before = tree(tiny_site / "output")
    edit(tiny_site, STORED, '"source_version": 1', '"source_version": 2')  # to hide the notice
    for command in ("check", "publish"):
        result = run_cli(tiny_site, command, env={"SOURCE_DATE_EPOCH": str(1764000000 + 86400 * 31)})
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stderr.splitlines()[0].startswith(f"{STORED}: it says it follows version 2"), result.stderr
        assert "Traceback" not in result.stderr
    assert tree(tiny_site / "output") == before
