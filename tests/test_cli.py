"""The command line as an editor meets it: help, one-line errors, exit codes."""

from __future__ import annotations

import json

from tests.helpers import run_cli, tree


def test_help_lists_every_command(tiny_site):
    result = run_cli(tiny_site, "--help")
    assert result.returncode == 0
    for command in ("publish", "catalogs", "status", "check", "serve"):
        assert command in result.stdout


def test_publish_prints_a_summary(tiny_site):
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Published 3 in en, 2 in de")
    assert "Held back 1 page(s):" in lines
    assert any(l.strip().startswith("de: t-sleep-03 (sources/sleep.md) - locales/de/LC_MESSAGES/t-sleep-03.po: 50% translated")
               for l in lines)


def test_broken_front_matter_gives_one_line_and_keeps_the_last_good_site(tiny_site):
    assert run_cli(tiny_site, "publish").returncode == 0
    before = tree(tiny_site / "output") | tree(tiny_site / "locales")
    bad = tiny_site / "sources" / "legs.md"
    bad.write_text(bad.read_text().replace("title: \"Legs: what helps?\"", "title: \"Legs: what helps?"))
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("sources/legs.md:") and "front matter is not valid YAML" in first
    assert result.stderr.splitlines()[1] == "error: 1 problem(s); nothing was written"
    assert tree(tiny_site / "output") | tree(tiny_site / "locales") == before


def test_a_missing_config_is_a_clear_error(tiny_site):
    (tiny_site / "sources/site.toml").unlink()
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 1
    assert result.stderr.startswith("sources/site.toml: site settings file is missing")


def test_status_as_table_and_json(tiny_site):
    table = run_cli(tiny_site, "status")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["catalog", "lang", "units", "done/fuzzy/open", "words", "done/fuzzy/open", "%",
                                "state", "version"]
    assert lines[2].split() == ["t-legs-01", "de", "19/0/0", "59/0/0", "100", "complete", "1", "of", "1"]
    assert lines[3].split() == ["t-sleep-03", "de", "2/0/2", "3/0/6", "50", "in", "progress", "-", "of", "1"]
    assert "due soon  t-legs-01  2025     37    sources/legs.md" in table.stdout  # build date 2025-11-24
    rows = json.loads(run_cli(tiny_site, "status", "--json").stdout)["translations"]
    states = {(r["domain"], r["lang"]): (r["state"], r["percent"]) for r in rows}
    assert states[("t-sleep-03", "de")] == ("in progress", 50.0)
    assert states[("t-water-02", "en")] == ("complete", 100.0)
    only_en = json.loads(run_cli(tiny_site, "status", "--lang", "en", "--json").stdout)["translations"]
    assert {r["lang"] for r in only_en} == {"en"}


def test_status_fails_under_a_threshold(tiny_site):
    assert run_cli(tiny_site, "status", "--fail-under", "50").returncode == 0
    below = run_cli(tiny_site, "status", "--fail-under", "90")
    assert below.returncode == 1
    assert "locales/de/LC_MESSAGES/t-sleep-03.po: 50% translated, under 90%" in below.stderr


def test_qa_findings_warn_on_publish_and_fail_with_strict(tiny_site):
    po = tiny_site / "locales/de/LC_MESSAGES/t-legs-01.po"
    po.write_text(po.read_text().replace('msgstr "Wadenheben: 3 Sätze zu je 10."', 'msgstr "Wadenheben: 3 Sätze."'))
    warned = run_cli(tiny_site, "publish")
    assert warned.returncode == 0
    assert "warning: locales/de/LC_MESSAGES/t-legs-01.po:" in warned.stderr
    assert "i18n.number-mismatch: article t-legs-01, image caption: numbers differ" in warned.stderr
    before = tree(tiny_site / "output")
    po.write_text(po.read_text().replace("Zwei Füße", "Zwei Füsse"))
    strict = run_cli(tiny_site, "publish", "--strict")
    assert strict.returncode == 1
    assert "i18n.number-mismatch" in strict.stderr and "Traceback" not in strict.stderr
    assert tree(tiny_site / "output") == before
    assert run_cli(tiny_site, "check").returncode == 1


def test_catalogs_check_and_check_report_stale_catalogs(tiny_site):
    assert run_cli(tiny_site, "catalogs", "--check").returncode == 0
    assert run_cli(tiny_site, "check").returncode == 0
    source = tiny_site / "sources" / "sleep.md"
    source.write_text(source.read_text().replace("Sleep matters.", "Sleep matters a lot."))
    stale = run_cli(tiny_site, "catalogs", "--check")
    assert stale.returncode == 1
    assert "locales/t-sleep-03.pot: out of date; run 'make catalogs'" in stale.stderr
    assert run_cli(tiny_site, "check").returncode == 1
    updated = run_cli(tiny_site, "catalogs")
    assert "Updated locales/de/LC_MESSAGES/t-sleep-03.po" in updated.stdout
    assert run_cli(tiny_site, "catalogs", "--check").returncode == 0


def test_commands_hand_what_they_built_to_a_caller_that_ends_the_process(tiny_site, capsys):
    from pipeline.cli import main
    from pipeline.publish import Prepared

    for command in (["publish"], ["catalogs"], ["newsletter"]):
        kept: list[object] = []
        assert main(["--root", str(tiny_site), *command], keep=kept) == 0
        built = [item for entry in kept for item in (entry if isinstance(entry, tuple) else (entry,))]
        assert any(isinstance(item, Prepared) and item.articles for item in built), command
    assert main(["--root", str(tiny_site), "publish"]) == 0  # without a taker, they are freed as usual
    capsys.readouterr()
